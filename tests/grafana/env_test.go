package grafanae2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/hifreq/netmon/tests/grafana/harness"
)

const (
	appID        = "hifreq-netmon-app"
	datasourceID = "hifreq-netmon-datasource"
	dsUID        = "hifreq-vm"
)

// env is what every end-to-end test shares: the plugin build, a real VictoriaMetrics, the plugin
// backend started the way Grafana starts it, and the provisioned datasource's context.
type env struct {
	root, dist, provisioning string
	app, ds                  *harness.Plugin
	vm                       *harness.VM
	backend                  *harness.Backend
	datasources              []harness.ProvisionedDatasource
	pctx                     backend.PluginContext
}

// distDir is the plugin build the tests load: <repo>/dist (what `npm run build` writes), or
// HIFREQ_DIST_DIR.
func distDir(t *testing.T, root string) string {
	dir := os.Getenv("HIFREQ_DIST_DIR")
	if dir == "" {
		dir = filepath.Join(root, "dist")
	}
	if _, err := os.Stat(filepath.Join(dir, "plugin.json")); err != nil {
		t.Fatalf("no plugin build in %s (%v): run `npm run build` at the repository root first", dir, err)
	}
	return dir
}

func setup(t *testing.T) *env {
	t.Helper()
	e := &env{root: harness.RepoRoot(t)}
	e.dist = distDir(t, e.root)
	e.provisioning = filepath.Join(e.root, "provisioning")

	plugins, err := harness.DiscoverPlugins(e.dist)
	if err != nil {
		t.Fatalf("discover plugins in %s: %v", e.dist, err)
	}
	for _, p := range plugins {
		if p.JSON.ID == appID {
			e.app = p
			for _, c := range p.Children {
				if c.JSON.ID == datasourceID {
					e.ds = c
				}
			}
		}
	}
	if e.app == nil || e.ds == nil {
		t.Fatalf("%s does not hold the app %s with its nested datasource %s (found %d top-level plugins)", e.dist, appID, datasourceID, len(plugins))
	}

	e.vm = harness.StartVM(t)
	// Grafana expands ${HIFREQ_VM_URL} in provisioning/datasources/hifreq.yaml.
	t.Setenv("HIFREQ_VM_URL", e.vm.URL)
	e.datasources, err = harness.LoadProvisionedDatasources(filepath.Join(e.provisioning, "datasources"))
	if err != nil {
		t.Fatalf("provisioning/datasources does not apply: %v", err)
	}
	var ds *harness.ProvisionedDatasource
	for i := range e.datasources {
		if e.datasources[i].UID == dsUID {
			ds = &e.datasources[i]
		}
	}
	if ds == nil {
		t.Fatalf("provisioning/datasources has no datasource with uid %s", dsUID)
	}
	e.pctx, err = harness.DatasourceContext(e.ds.JSON.ID, e.ds.JSON.Info.Version, 1, *ds)
	if err != nil {
		t.Fatal(err)
	}
	e.backend = harness.StartBackend(t, e.ds)
	return e
}

// alignedNow is the current second, the last timestamp of imported test data.
func alignedNow() time.Time { return time.Now().Truncate(time.Second) }

// importVisible imports series into the VictoriaMetrics and waits until all of them (those
// matching match, a series selector) are searchable at end: a brand-new series can take seconds
// to become searchable in VictoriaMetrics 1.79.
func (e *env) importVisible(t *testing.T, ctx context.Context, series []harness.Series, match string, end time.Time) {
	t.Helper()
	if err := e.vm.Import(ctx, series); err != nil {
		t.Fatalf("import: %v", err)
	}
	harness.Eventually(t, 30*time.Second, 500*time.Millisecond, "VictoriaMetrics shows every imported series", func(ctx context.Context) error {
		res, err := e.vm.QueryRange(ctx, "count(last_over_time("+match+"[15m]))", end, end, time.Second)
		if err != nil {
			return err
		}
		if len(res) != 1 || len(res[0].Values) == 0 {
			return fmt.Errorf("no answer yet")
		}
		got, _ := strconv.Atoi(fmt.Sprint(res[0].Values[len(res[0].Values)-1][1]))
		if got != len(series) {
			return fmt.Errorf("%d of %d series visible", got, len(series))
		}
		return nil
	})
}

package grafanae2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/hifreq/netmon/tests/grafana/fakegrafana"
	"github.com/hifreq/netmon/tests/grafana/harness"
)

// Rules the app's Alerts page makes: one template instantiated for one cluster and one job
// (rendered by the same TypeScript catalog the page uses, via scripts/gen-alert-rules.ts
// --render), evaluated through the real plugin backend over gRPC against real VictoriaMetrics.
// Each must reach Alerting for the misbehaving node of its job, stay Normal for the job's healthy
// node, and not evaluate another job's node with the same fault at all.

// alertsCLI runs scripts/gen-alert-rules.ts (the alert catalog's CLI) with args and returns stdout.
func alertsCLI(t *testing.T, root string, args ...string) []byte {
	t.Helper()
	tsx := filepath.Join(root, "node_modules", ".bin", "tsx")
	if _, err := os.Stat(tsx); err != nil {
		t.Fatalf("%s is missing (%v): run npm install at the repository root", tsx, err)
	}
	cmd := exec.Command(tsx, append([]string{filepath.Join(root, "scripts", "gen-alert-rules.ts")}, args...)...)
	cmd.Dir = root
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gen-alert-rules.ts %v: %v: %s", args, err, stderr.String())
	}
	return out
}

// renderInstance returns the rule the Alerts page would create for input.
func renderInstance(t *testing.T, root string, input map[string]any) harness.AlertRule {
	t.Helper()
	arg, _ := json.Marshal(input)
	out := alertsCLI(t, root, "--render", string(arg))
	var rule harness.AlertRule
	if err := json.Unmarshal(out, &rule); err != nil {
		t.Fatalf("render %s: not a rule: %v: %s", arg, err, out)
	}
	return rule
}

// instanceData: cluster "inst"; job train-a on n1 (faulty) and n2 (healthy); job train-b on n3
// with the same faults as n1.
func instanceData(end time.Time) []harness.Series {
	faulty := modified(func(r *nodeRates) {
		r.nicRxDrop = lastSeconds(30, 10, 0)
		r.softnetDropped = lastSeconds(30, 10, 0)
		r.ibLinkDowned = at(faultWindow-20, 1)
		r.tcpRetrans = constant(500)
	})
	var out []harness.Series
	out = append(out, nodeSeries("inst", "n1", "train-a", faulty, end)...)
	out = append(out, nodeSeries("inst", "n2", "train-a", healthyRates(), end)...)
	out = append(out, nodeSeries("inst", "n3", "train-b", faulty, end)...)
	return out
}

func TestAlertTemplateInstancesFireForTheirJobOnly(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	end := alignedNow()
	series := instanceData(end)
	e.importVisible(t, ctx, series, `{cluster="inst"}`, end)
	contexts := map[string]backend.PluginContext{dsUID: e.pctx}

	cases := []struct {
		template, job string
		want          []string // "State node job_name", sorted
	}{
		{"ib-link-flap", "train-a", []string{"Alerting n1 train-a", "Normal n2 train-a"}},
		{"nic-drops", "train-a", []string{"Alerting n1 train-a", "Normal n2 train-a"}},
		{"softnet-drops", "train-a", []string{"Alerting n1 train-a", "Normal n2 train-a"}},
		{"tcp-retrans", "train-a", []string{"Alerting n1 train-a", "Normal n2 train-a"}},
		{"nic-drops", "/train-.*/", []string{"Alerting n1 train-a", "Alerting n3 train-b", "Normal n2 train-a"}},
		{"softnet-drops", "train-a|train-b", []string{"Alerting n1 train-a", "Alerting n3 train-b", "Normal n2 train-a"}},
		{"nic-drops", "*", []string{"Alerting n1 train-a", "Alerting n3 train-b", "Normal n2 train-a"}},
	}
	for _, c := range cases {
		t.Run(c.template+"/"+c.job, func(t *testing.T) {
			rule := renderInstance(t, e.root, map[string]any{"templateId": c.template, "scope": map[string]string{"cluster": "inst", "job": c.job}})
			if rule.Labels["hifreq_template"] != c.template || rule.For != "0s" || rule.IsPaused {
				t.Fatalf("rendered rule %s: labels %v for %q paused %v", rule.UID, rule.Labels, rule.For, rule.IsPaused)
			}
			res, err := harness.EvaluateRule(ctx, e.backend, contexts, rule, end.Add(time.Second))
			if err != nil {
				t.Fatalf("evaluation error (Grafana would set the rule to %s): %v", rule.ExecErrState, err)
			}
			var got []string
			for _, in := range res.Instances {
				got = append(got, in.State+" "+in.Labels["node"]+" "+in.Labels["job_name"])
			}
			sort.Strings(got)
			if strings.Join(got, "; ") != strings.Join(c.want, "; ") {
				t.Errorf("instances = %v, want %v (%s)", got, c.want, res)
			}
		})
	}
}

// TestAlertsPagePathThroughProvisioningAPI drives the Alerts page's client (src/alerting/api.ts,
// through the CLI of scripts/gen-alert-rules.ts) against grafana-api-fake, the FAKE of Grafana's
// alerting provisioning API in this module: the created rule appears in
// /api/v1/provisioning/alert-rules without provenance (editable in the UI), in the folder and
// group the page uses, its group evaluates every 60 s, saving again updates it in place, and
// deleting removes it.
func TestAlertsPagePathThroughProvisioningAPI(t *testing.T) {
	root := harness.RepoRoot(t)
	dist := distDir(t, root)
	vm := harness.StartVM(t)
	t.Setenv("HIFREQ_VM_URL", vm.URL)
	fake, err := fakegrafana.New(fakegrafana.Config{DistDir: dist, ProvisioningDir: filepath.Join(root, "provisioning"), LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)

	input := map[string]any{"templateId": "nic-drops", "scope": map[string]string{"cluster": "gpu-east", "job": "llama-pretrain"}, "params": map[string]float64{"seconds": 3}}
	want := renderInstance(t, root, input)
	arg, _ := json.Marshal(input)
	alertsCLI(t, root, "--grafana", srv.URL, "--instantiate", string(arg))

	getJSON := func(path string, v any) int {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
		}
		return resp.StatusCode
	}
	type apiRule struct {
		UID, Title, FolderUID, RuleGroup, Provenance string
		Annotations                                  map[string]string
		Data                                         []struct {
			Model struct{ Expr string }
		}
	}
	find := func() []apiRule {
		var rules []apiRule
		if code := getJSON("/api/v1/provisioning/alert-rules", &rules); code != 200 {
			t.Fatalf("GET /api/v1/provisioning/alert-rules: HTTP %d", code)
		}
		var out []apiRule
		for _, r := range rules {
			if r.UID == want.UID {
				out = append(out, r)
			}
		}
		return out
	}
	got := find()
	if len(got) != 1 {
		t.Fatalf("rule %s not listed once by /api/v1/provisioning/alert-rules: %v", want.UID, got)
	}
	r := got[0]
	if r.Title != want.Title || r.FolderUID != "hifreq-alerts" || r.RuleGroup != "hifreq-instances" || r.Provenance != "" {
		t.Errorf("created rule: title %q folder %q group %q provenance %q; want %q, hifreq-alerts, hifreq-instances, \"\" (editable)", r.Title, r.FolderUID, r.RuleGroup, r.Provenance, want.Title)
	}
	var wantModel struct{ Expr string }
	_ = json.Unmarshal(want.Data[0].Model, &wantModel)
	if len(r.Data) == 0 || r.Data[0].Model.Expr != wantModel.Expr {
		t.Errorf("created rule's query differs from the rendered one:\n%v\nwant %s", r.Data, wantModel.Expr)
	}
	var group struct{ Interval int }
	if code := getJSON("/api/v1/provisioning/folder/hifreq-alerts/rule-groups/hifreq-instances", &group); code != 200 || group.Interval != 60 {
		t.Errorf("group hifreq-instances: HTTP %d interval %d, want 200 and 60", code, group.Interval)
	}

	// Saving the same template and scope with other parameters updates the rule in place.
	input["params"] = map[string]float64{"seconds": 10}
	arg, _ = json.Marshal(input)
	alertsCLI(t, root, "--grafana", srv.URL, "--instantiate", string(arg))
	if got := find(); len(got) != 1 || got[0].Annotations["hifreq_params"] != `{"seconds":10,"minDropsPerSecond":0}` {
		t.Errorf("after saving again: %+v, want one rule with hifreq_params {\"seconds\":10,\"minDropsPerSecond\":0}", got)
	}
	var listed []struct{ UID, TemplateID string }
	if err := json.Unmarshal(alertsCLI(t, root, "--grafana", srv.URL, "--list"), &listed); err != nil || len(listed) != 1 || listed[0].UID != want.UID || listed[0].TemplateID != "nic-drops" {
		t.Errorf("--list = %+v (%v), want the one nic-drops rule %s", listed, err, want.UID)
	}

	alertsCLI(t, root, "--grafana", srv.URL, "--delete", want.UID)
	if got := find(); len(got) != 0 {
		t.Errorf("rule still listed after delete: %+v", got)
	}
}

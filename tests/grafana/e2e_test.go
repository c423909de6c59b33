package grafanae2e

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/hifreq/netmon/tests/grafana/harness"
)

// TestPluginInGrafanaRuntime loads the plugin build the way Grafana does and drives its backend
// over go-plugin gRPC against a real VictoriaMetrics (see docs/grafana-e2e.md for why this is not
// a Grafana server).
func TestPluginInGrafanaRuntime(t *testing.T) {
	e := setup(t)
	ctx := context.Background()

	t.Run("plugins load from dist like Grafana's loader", func(t *testing.T) {
		if e.app.JSON.Type != "app" {
			t.Errorf("%s has type %q, want app", appID, e.app.JSON.Type)
		}
		if err := e.app.CheckLoadable(); err != nil {
			t.Errorf("the app would not load: %v", err)
		}
		if err := e.ds.CheckLoadable(); err != nil {
			t.Errorf("the nested datasource would not load: %v", err)
		}
		j := e.ds.JSON
		if j.Type != "datasource" || !j.Backend || !j.Alerting || j.Executable != "gpx_hifreq_netmon" {
			t.Errorf("datasource plugin.json: type=%q backend=%v alerting=%v executable=%q; want datasource, true, true, gpx_hifreq_netmon", j.Type, j.Backend, j.Alerting, j.Executable)
		}
		if got, want := e.ds.ExecutablePath(), filepath.Join(e.dist, "datasource", "gpx_hifreq_netmon_linux_amd64"); got != want {
			t.Errorf("executable path = %s, want %s", got, want)
		}
		included := false
		for _, inc := range e.app.JSON.Includes {
			if inc.Type == "datasource" && inc.Name == e.ds.JSON.Name {
				included = true
			}
		}
		if !included {
			t.Errorf("app plugin.json does not include a datasource named %q (the nested plugin's name)", e.ds.JSON.Name)
		}
		if e.backend.Exited() {
			t.Fatalf("the backend exited after the handshake; log:\n%s", e.backend.Log())
		}
	})

	t.Run("provisioning applies", func(t *testing.T) {
		var hifreq []harness.ProvisionedDatasource
		for _, ds := range e.datasources {
			if ds.Type != datasourceID {
				t.Errorf("%s provisions datasource %q of type %q, which is not installed here (only %s is)", ds.File, ds.Name, ds.Type, datasourceID)
			}
			if ds.UID == dsUID {
				hifreq = append(hifreq, ds)
			}
		}
		if len(hifreq) != 1 {
			t.Fatalf("want exactly one provisioned datasource with uid %s, got %d", dsUID, len(hifreq))
		}
		if hifreq[0].URL != e.vm.URL {
			t.Errorf("url of %s = %q, want %q (from ${HIFREQ_VM_URL})", dsUID, hifreq[0].URL, e.vm.URL)
		}
		apps, err := harness.LoadProvisionedApps(filepath.Join(e.provisioning, "plugins"))
		if err != nil {
			t.Fatalf("provisioning/plugins does not apply: %v", err)
		}
		enabled := false
		for _, a := range apps {
			if a.Type != appID {
				t.Errorf("%s provisions app %q, which is not installed here", a.File, a.Type)
			}
			if a.Type == appID && !a.Disabled {
				enabled = true
				if uid, _ := a.JSONData["datasourceUid"].(string); uid != dsUID {
					t.Errorf("app jsonData.datasourceUid = %q, want %q", uid, dsUID)
				}
			}
		}
		if !enabled {
			t.Errorf("provisioning/plugins does not enable %s", appID)
		}
		groups, err := harness.LoadProvisionedAlertRules(filepath.Join(e.provisioning, "alerting"))
		if err != nil {
			t.Fatalf("provisioning/alerting does not apply: %v", err)
		}
		for _, g := range groups {
			for _, r := range g.Rules {
				for _, q := range r.Data {
					if q.DatasourceUID != "__expr__" && q.DatasourceUID != dsUID {
						t.Errorf("rule %s query %s uses datasource %q, which is not provisioned", r.UID, q.RefID, q.DatasourceUID)
					}
				}
			}
		}
	})

	t.Run("health of an empty VictoriaMetrics", func(t *testing.T) {
		res, err := e.backend.CheckHealth(ctx, e.pctx)
		if err != nil {
			t.Fatalf("CheckHealth over gRPC: %v", err)
		}
		if res.Status != backend.HealthStatusOk {
			t.Fatalf("health status = %v (%s), want OK", res.Status, res.Message)
		}
		want := "VictoriaMetrics at " + e.vm.URL + " is reachable, but no HiFreq data has arrived yet"
		if !strings.HasPrefix(res.Message, want) {
			t.Errorf("health message = %q, want it to start with %q", res.Message, want)
		}
	})

	t.Run("health of an unreachable VictoriaMetrics", func(t *testing.T) {
		dead := "http://" + harness.FreeLoopbackAddr(t)
		pctx := e.pctx
		s := *pctx.DataSourceInstanceSettings
		s.ID, s.UID, s.URL = 2, "hifreq-dead", dead
		pctx.DataSourceInstanceSettings = &s
		res, err := e.backend.CheckHealth(ctx, pctx)
		if err != nil {
			t.Fatalf("CheckHealth over gRPC: %v", err)
		}
		if res.Status != backend.HealthStatusError {
			t.Fatalf("health status = %v (%s), want ERROR", res.Status, res.Message)
		}
		if !strings.Contains(res.Message, strings.TrimPrefix(dead, "http://")) {
			t.Errorf("health message %q does not name the unreachable address %s", res.Message, dead)
		}
	})

	t.Run("health when HIFREQ_VM_URL is unset", func(t *testing.T) {
		t.Setenv("HIFREQ_VM_URL", "")
		dss, err := harness.LoadProvisionedDatasources(filepath.Join(e.provisioning, "datasources"))
		if err != nil {
			t.Fatal(err)
		}
		var pctx backend.PluginContext
		for _, ds := range dss {
			if ds.UID == dsUID {
				ds.UID = "hifreq-nourl"
				pctx, err = harness.DatasourceContext(e.ds.JSON.ID, e.ds.JSON.Info.Version, 3, ds)
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		res, err := e.backend.CheckHealth(ctx, pctx)
		if err != nil {
			t.Fatalf("CheckHealth over gRPC: %v", err)
		}
		if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "the datasource URL is empty") {
			t.Errorf("health = %v %q, want ERROR saying the datasource URL is empty", res.Status, res.Message)
		}
	})

	// One job on one node with two NICs, 1 s counters over the last 3 minutes; eth0 has a single
	// one-second burst of 1 MB 30 s before the end.
	end := alignedNow()
	const n = 180
	burstAt := n - 31
	base := labels("node_network_receive_bytes_total", "cluster", "e2e", "node", "gpu-node-1",
		"namespace", "train", "pod", "llama-worker-0", "job_name", "llama-pretrain")
	series := []harness.Series{
		counter(with(base, "device", "eth0"), end, n, func(i int) float64 {
			if i == burstAt {
				return 1_000_000
			}
			return 1000
		}),
		counter(with(base, "device", "eth1"), end, n, constant(2000)),
	}
	if err := e.vm.Import(ctx, series); err != nil {
		t.Fatalf("import test data into VictoriaMetrics: %v", err)
	}

	t.Run("health with data", func(t *testing.T) {
		res, err := e.backend.CheckHealth(ctx, e.pctx)
		if err != nil {
			t.Fatalf("CheckHealth over gRPC: %v", err)
		}
		want := "VictoriaMetrics at " + e.vm.URL + " is reachable: 0 agent series and 2 network series from 1 cluster(s) (e2e)."
		if res.Status != backend.HealthStatusOk || res.Message != want {
			t.Errorf("health = %v %q, want OK %q", res.Status, res.Message, want)
		}
	})

	t.Run("query returns the 1 s data with its burst", func(t *testing.T) {
		q := map[string]any{
			"refId": "A", "datasource": map[string]string{"uid": dsUID, "type": datasourceID},
			"queryType": "signal", "cluster": "e2e", "job": "llama-pretrain",
			"signal": "nic_rx_bits", "groupBy": "device", "envelope": "max",
		}
		raw, _ := json.Marshal(q)
		resp, err := e.backend.QueryData(ctx, &backend.QueryDataRequest{
			PluginContext: e.pctx,
			Queries: []backend.DataQuery{{
				RefID: "A", QueryType: "signal", JSON: raw,
				Interval: time.Second, MaxDataPoints: 1000,
				TimeRange: backend.TimeRange{From: end.Add(-(n - 1) * time.Second), To: end},
			}},
		})
		if err != nil {
			t.Fatalf("QueryData over gRPC: %v", err)
		}
		dr := resp.Responses["A"]
		if dr.Error != nil {
			t.Fatalf("query error: %v", dr.Error)
		}
		got := map[string][]float64{}
		for _, f := range dr.Frames {
			for _, fld := range f.Fields {
				if !fld.Type().Numeric() {
					continue
				}
				dev := fld.Labels["device"]
				for i := 0; i < fld.Len(); i++ {
					if v, _ := fld.NullableFloatAt(i); v != nil {
						got[dev] = append(got[dev], *v)
					}
				}
			}
		}
		devs := make([]string, 0, len(got))
		for d := range got {
			devs = append(devs, d)
		}
		sort.Strings(devs)
		if strings.Join(devs, ",") != "eth0,eth1" {
			t.Fatalf("series by device = %v, want eth0 and eth1", devs)
		}
		// At a 1 s step every point is one second's increase × 8 bits.
		max0, n0 := stats(got["eth0"], 8000)
		if max0 != 8_000_000 {
			t.Errorf("eth0 peak = %g bit/s, want 8e6 (the 1 MB burst second)", max0)
		}
		if n0 < len(got["eth0"])-2 {
			t.Errorf("eth0: only %d of %d points are 8000 bit/s: %v", n0, len(got["eth0"]), got["eth0"])
		}
		max1, n1 := stats(got["eth1"], 16000)
		if max1 != 16000 || n1 != len(got["eth1"]) {
			t.Errorf("eth1: want every point 16000 bit/s, got %v", got["eth1"])
		}
		if len(got["eth1"]) < n-5 {
			t.Errorf("eth1 has %d points over %d s: the 1 s resolution is lost", len(got["eth1"]), n)
		}
	})

	t.Run("query errors are specific", func(t *testing.T) {
		raw := []byte(`{"refId":"B","queryType":"signal","cluster":"e2e","job":"llama-pretrain","signal":"nic_rx_bitz"}`)
		resp, err := e.backend.QueryData(ctx, &backend.QueryDataRequest{
			PluginContext: e.pctx,
			Queries: []backend.DataQuery{{RefID: "B", JSON: raw, Interval: time.Second, MaxDataPoints: 100,
				TimeRange: backend.TimeRange{From: end.Add(-time.Minute), To: end}}},
		})
		if err != nil {
			t.Fatalf("QueryData over gRPC: %v", err)
		}
		dr := resp.Responses["B"]
		if dr.Error == nil || !strings.Contains(dr.Error.Error(), `unknown signal "nic_rx_bitz"`) {
			t.Errorf("error = %v, want one naming the unknown signal nic_rx_bitz", dr.Error)
		}
		if dr.Status != backend.StatusBadRequest {
			t.Errorf("status = %v, want 400", dr.Status)
		}
	})

	t.Run("resources list the cluster and the job", func(t *testing.T) {
		for _, c := range []struct{ path, want string }{
			{"clusters", `"e2e"`},
			{"jobs?cluster=e2e", `"llama-pretrain"`},
			{"signals", `"nic_rx_bits"`},
		} {
			res, err := e.backend.CallResource(ctx, e.pctx, "GET", c.path, nil)
			if err != nil {
				t.Fatalf("CallResource %s over gRPC: %v", c.path, err)
			}
			if res.Status != 200 || !strings.Contains(string(res.Body), c.want) {
				t.Errorf("GET %s = %d %s, want 200 containing %s", c.path, res.Status, truncate(string(res.Body), 400), c.want)
			}
		}
	})
}

func stats(vals []float64, typical float64) (max float64, nTypical int) {
	max = math.Inf(-1)
	for _, v := range vals {
		max = math.Max(max, v)
		if v == typical {
			nTypical++
		}
	}
	return max, nTypical
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

var _ = data.Labels{}

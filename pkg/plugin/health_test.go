package plugin

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCheckHealth(t *testing.T) {
	vm, p, _ := ownVMEnv(t, "health")

	t.Run("reachable but no data yet", func(t *testing.T) {
		res, err := p.health(pluginCtx("health-empty", vm.URL, `{}`, nil))
		if err != nil {
			t.Fatal(err)
		}
		want := "VictoriaMetrics at " + vm.URL + " is reachable, but no HiFreq data has arrived yet (no hifreq_agent_*, node_network_* or node_infiniband_* series in the last 30 days). Deploy hifreq-agent with --remote-write.url pointing at this VictoriaMetrics."
		if res.Status.String() != "OK" || res.Message != want {
			t.Fatalf("got %s %q\nwant OK %q", res.Status, res.Message, want)
		}
	})

	now := time.Now().Truncate(time.Second)
	ts := []int64{now.Add(-2 * time.Second).UnixMilli(), now.Add(-time.Second).UnixMilli()}
	err := vm.importSeries([]importLine{
		{Metric: map[string]string{"__name__": "hifreq_agent_build_info", "cluster": "alpha", "node": "n1"}, Values: []float64{1, 1}, Timestamps: ts},
		{Metric: map[string]string{"__name__": "node_network_receive_bytes_total", "cluster": "alpha", "node": "n1", "device": "eth0"}, Values: []float64{1, 2}, Timestamps: ts},
		{Metric: map[string]string{"__name__": "node_infiniband_port_data_received_bytes_total", "cluster": "beta", "node": "b1", "device": "mlx5_0", "port": "1"}, Values: []float64{1, 2}, Timestamps: ts},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := vm.waitQuery(`count({__name__=~"hifreq_agent_.*|node_network_.*|node_infiniband_.*"})`, now, 3); err != nil {
		t.Fatal(err)
	}

	t.Run("ok with counts", func(t *testing.T) {
		res, err := p.health(pluginCtx("health-data", vm.URL, `{}`, nil))
		if err != nil {
			t.Fatal(err)
		}
		want := "VictoriaMetrics at " + vm.URL + " is reachable: 1 agent series and 2 network series from 2 cluster(s) (alpha, beta)."
		if res.Status.String() != "OK" || res.Message != want {
			t.Fatalf("got %s %q\nwant OK %q", res.Status, res.Message, want)
		}
		var det healthDetails
		if err := json.Unmarshal(res.JSONDetails, &det); err != nil {
			t.Fatal(err)
		}
		if det.AgentSeries != 1 || det.NetworkSeries != 2 || strings.Join(det.Clusters, ",") != "alpha,beta" || len(det.Warnings) != 0 {
			t.Fatalf("details %+v", det)
		}
	})

	t.Run("cluster tenant URL", func(t *testing.T) {
		// A single node has no /select/<tenant>/prometheus path: the error must name the URL tried.
		res, err := p.health(pluginCtx("health-tenant", vm.URL, `{"tenant":"0"}`, nil))
		if err != nil {
			t.Fatal(err)
		}
		want := vm.URL + "/select/0/prometheus/api/v1/series does not serve this API path (HTTP 400): for single-node VictoriaMetrics leave the tenant empty; for a VictoriaMetrics cluster use the vmselect URL (port 8481) with a tenant"
		if res.Status.String() != "ERROR" || res.Message != want {
			t.Fatalf("got %s %q\nwant ERROR %q", res.Status, res.Message, want)
		}
	})

	t.Run("bad settings", func(t *testing.T) {
		res, err := p.health(pluginCtx("badurl", "vm:8428", `{}`, nil))
		if err != nil {
			t.Fatal(err)
		}
		want := `the datasource URL "vm:8428" has no scheme or host: write it as http://host:port or https://host:port`
		if res.Status.String() != "ERROR" || res.Message != want {
			t.Fatalf("got %s %q\nwant ERROR %q", res.Status, res.Message, want)
		}
	})

	t.Run("VictoriaMetrics stopped", func(t *testing.T) {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		down := "http://127.0.0.1:" + itoa(port)
		res, err := p.health(pluginCtx("down", down, `{}`, nil))
		if err != nil {
			t.Fatal(err)
		}
		prefix := "cannot reach VictoriaMetrics at " + down + "/api/v1/series: dial tcp 127.0.0.1:" + itoa(port) + ": connect: connection refused; check the datasource URL and that VictoriaMetrics is running"
		if res.Status.String() != "ERROR" || res.Message != prefix {
			t.Fatalf("got %s %q\nwant ERROR %q", res.Status, res.Message, prefix)
		}
	})
}

func TestCheckHealthAuthAndFlags(t *testing.T) {
	// Default latency flags and basic auth on every endpoint.
	vm, err := startVM("-httpAuth.username=grafana", "-httpAuth.password=s3cret")
	if err != nil {
		t.Fatal(err)
	}
	defer vm.stop()
	p, err := startPlugin()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown()

	t.Run("no credentials", func(t *testing.T) {
		res, err := p.health(pluginCtx("noauth", vm.URL, `{}`, nil))
		if err != nil {
			t.Fatal(err)
		}
		want := "VictoriaMetrics at " + vm.URL + "/api/v1/series refused the credentials (HTTP 401 Unauthorized): check the basic auth user/password or bearer token of the datasource"
		if res.Status.String() != "ERROR" || res.Message != want {
			t.Fatalf("got %s %q\nwant ERROR %q", res.Status, res.Message, want)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		res, err := p.health(pluginCtx("wrongpw", vm.URL, `{}`, map[string]string{"user": "grafana", "basicAuthPassword": "nope"}))
		if err != nil {
			t.Fatal(err)
		}
		if res.Status.String() != "ERROR" || !strings.Contains(res.Message, "refused the credentials (HTTP 401 Unauthorized)") {
			t.Fatalf("got %s %q", res.Status, res.Message)
		}
	})
	t.Run("right password, flags warned", func(t *testing.T) {
		res, err := p.health(pluginCtx("goodpw", vm.URL, `{}`, map[string]string{"user": "grafana", "basicAuthPassword": "s3cret"}))
		if err != nil {
			t.Fatal(err)
		}
		var det healthDetails
		if err := json.Unmarshal(res.JSONDetails, &det); err != nil {
			t.Fatal(err)
		}
		want := []string{
			"no HiFreq data yet",
			"-search.latencyOffset is 30s: the last 30s of every range is hidden; run VictoriaMetrics with -search.latencyOffset=1s.",
			"-search.maxStepForPointsAdjustment is 1m: fresh points of fine-step queries are dropped; run VictoriaMetrics with -search.maxStepForPointsAdjustment=0.",
		}
		if res.Status.String() != "OK" || strings.Join(det.Warnings, "\n") != strings.Join(want, "\n") {
			t.Fatalf("got %s %q\nwarnings %q", res.Status, res.Message, det.Warnings)
		}
		if !strings.HasSuffix(res.Message, " Warning: "+want[1]+" Warning: "+want[2]) {
			t.Fatalf("message does not carry the warnings: %q", res.Message)
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }

package plugin

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

type collectSender struct{ resp *backend.CallResourceResponse }

func (c *collectSender) Send(r *backend.CallResourceResponse) error {
	if c.resp == nil {
		c.resp = r
		return nil
	}
	c.resp.Body = append(c.resp.Body, r.Body...)
	return nil
}

func callResource(t *testing.T, p *testPlugin, pc backend.PluginContext, path string, args url.Values) (int, string) {
	t.Helper()
	ctx, cancel := ctxTimeout(30 * time.Second)
	defer cancel()
	u := path
	if len(args) > 0 {
		u += "?" + args.Encode()
	}
	s := &collectSender{}
	err := p.Client.CallResource(ctx, &backend.CallResourceRequest{PluginContext: pc, Path: strings.TrimPrefix(path, "/"), Method: "GET", URL: u}, s)
	if err != nil {
		t.Fatal(err)
	}
	if s.resp == nil {
		t.Fatal("no response")
	}
	return s.resp.Status, strings.TrimSpace(string(s.resp.Body))
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestResources(t *testing.T) {
	f, p, pc := queryEnv(t)
	ms := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }

	t.Run("signals", func(t *testing.T) {
		code, body := callResource(t, p, pc, "/signals", nil)
		var r struct{ Signals []Signal }
		if err := json.Unmarshal([]byte(body), &r); err != nil || code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		var ids []string
		for _, s := range r.Signals {
			ids = append(ids, s.ID)
		}
		want := "nic_rx_bits nic_tx_bits nic_rx_packets nic_tx_packets nic_drops nic_errors ib_rx_bits ib_tx_bits ib_rx_packets ib_tx_packets ib_xmit_wait ib_symbol_errors ib_link_downed ib_port_errors ib_state ib_rate tcp_states tcp_retrans softnet_drops softnet_squeezes softnet_backlog pod_rx_bits pod_tx_bits pod_drops job_rx_bits job_tx_bits job_imbalance"
		if strings.Join(ids, " ") != want {
			t.Fatalf("signal ids %v", ids)
		}
		if s := r.Signals[6]; s.Unit != "bps" || s.Kind != "counter" || s.DefaultGroupBy != "device" || !s.Envelope || s.Metrics[0] != "node_infiniband_port_data_received_bytes_total" {
			t.Fatalf("ib_rx_bits entry %+v", s)
		}
	})

	t.Run("clusters", func(t *testing.T) {
		code, body := callResource(t, p, pc, "/clusters", nil)
		want := mustJSON(map[string]any{"clusters": []clusterInfo{
			{Name: "alpha", LastSeen: f.end.Add(-15 * time.Second).UTC()},
			{Name: "beta", LastSeen: f.jobEnd.Add(-time.Second).UTC()},
			{Name: "gamma", LastSeen: f.end.Add(-15 * time.Second).UTC()}, // from the agent's own series
		}})
		if code != 200 || body != want {
			t.Fatalf("%d %s\nwant %s", code, body, want)
		}
	})

	t.Run("jobs", func(t *testing.T) {
		code, body := callResource(t, p, pc, "/jobs", url.Values{"cluster": {"alpha"}, "from": {ms(f.jobStart.Add(-time.Hour))}, "to": {ms(f.end)}})
		peak := func(v float64) *float64 { return &v }
		want := mustJSON(map[string]any{"jobs": []jobInfo{
			// Peak: the second jobStart+300 of the four IB ports, (1000+500000)+2000+3000+4000 B/s;
			// the counter reset at +400 adds nothing. No error counters in this data: null.
			{Name: jobName, Cluster: "alpha", Start: f.jobStart.UTC(), End: f.jobEnd.Add(-time.Second).UTC(), Nodes: []string{"n1", "n2"}, Pods: []string{"train/w-0", "train/w-1"},
				PeakBitsPerSecond: peak(510000 * 8), PeakStepSeconds: 1},
			{Name: "other-job", Cluster: "alpha", Start: f.jobStart.UTC(), End: f.jobEnd.Add(-time.Second).UTC(), Nodes: []string{"n3"}, Pods: []string{"train/o-0"},
				PeakBitsPerSecond: peak(5000 * 8), PeakStepSeconds: 1},
		}})
		if code != 200 || body != want {
			t.Fatalf("%d %s\nwant %s", code, body, want)
		}
		code, body = callResource(t, p, pc, "/jobs", url.Values{"cluster": {"alpha"}, "from": {ms(f.end.Add(-time.Minute))}, "to": {ms(f.end)}})
		if code != 200 || body != `{"jobs":[]}` {
			t.Fatalf("a range without jobs: %d %s", code, body)
		}
		code, body = callResource(t, p, pc, "/jobs", url.Values{"cluster": {"alpha"}, "from": {"yesterday"}})
		if code != 400 || body != `{"error":"from=\"yesterday\" is not a time: use Unix milliseconds or RFC 3339 (2024-05-01T12:00:00Z)"}` {
			t.Fatalf("bad from: %d %s", code, body)
		}
	})

	t.Run("topology", func(t *testing.T) {
		code, body := callResource(t, p, pc, "/topology", url.Values{"cluster": {"alpha"}, "job": {jobName}})
		want := mustJSON(map[string]any{"cluster": "alpha", "job": jobName, "nodes": []topoNode{
			{Node: "n1", Devices: []topoDevice{{Device: "mlx5_0", Port: "1", Kind: "ib", Pods: []string{"train/w-0"}}, {Device: "mlx5_1", Port: "1", Kind: "ib", Pods: []string{"train/w-0"}}},
				Pods: []topoPod{{Namespace: "train", Pod: "w-0", Interfaces: []string{"eth0"}}}},
			{Node: "n2", Devices: []topoDevice{{Device: "mlx5_0", Port: "1", Kind: "ib", Pods: []string{"train/w-1"}}, {Device: "mlx5_1", Port: "1", Kind: "ib", Pods: []string{"train/w-1"}}},
				Pods: []topoPod{{Namespace: "train", Pod: "w-1", Interfaces: []string{}}}},
		}})
		if code != 200 || body != want {
			t.Fatalf("%d %s\nwant %s", code, body, want)
		}
		code, body = callResource(t, p, pc, "/topology", url.Values{"cluster": {"alpha"}})
		if code != 400 || body != `{"error":"topology needs a job: add job=\u003cjob name\u003e (and cluster=\u003ccluster\u003e)"}` {
			t.Fatalf("no job: %d %s", code, body)
		}
	})

	t.Run("variables", func(t *testing.T) {
		cases := []struct {
			args url.Values
			want string
		}{
			{url.Values{"variable": {"cluster"}}, `{"values":["alpha","beta","gamma"]}`},
			{url.Values{"variable": {"job"}, "cluster": {"alpha"}}, mustJSON(map[string]any{"values": []string{jobName, "other-job"}})},
			{url.Values{"variable": {"job"}, "cluster": {"/alpha|beta/"}, "from": {ms(f.jobStart)}, "to": {ms(f.jobEnd)}}, mustJSON(map[string]any{"values": []string{jobName, "other-job"}})},
			{url.Values{"variable": {"node"}, "cluster": {"alpha"}, "job": {jobName}}, `{"values":["n1","n2"]}`},
			{url.Values{"variable": {"device"}, "cluster": {"alpha"}, "job": {jobName}, "node": {"n2"}}, `{"values":["mlx5_0","mlx5_1"]}`},
		}
		for _, c := range cases {
			code, body := callResource(t, p, pc, "/values", c.args)
			if code != 200 || body != c.want {
				t.Errorf("%v: %d %s\nwant %s", c.args, code, body, c.want)
			}
		}
		code, body := callResource(t, p, pc, "/values", url.Values{"variable": {"pod"}})
		if code != 400 || body != `{"error":"unknown variable \"pod\": use variable=cluster, job, node or device"}` {
			t.Errorf("bad variable: %d %s", code, body)
		}
		code, body = callResource(t, p, pc, "/values", url.Values{"variable": {"node"}, "job": {"/a(/"}})
		if code != 400 || !strings.HasPrefix(body, `{"error":"job: the regex \"/a(/\" does not compile`) {
			t.Errorf("bad regex: %d %s", code, body)
		}
	})

	t.Run("variable queries", func(t *testing.T) {
		resp := runQueries(t, p, pc,
			testQuery{ref: "jobs", json: jq("queryType", "variable", "variable", "job", "cluster", "alpha"), from: f.jobStart, to: f.jobEnd},
			testQuery{ref: "nodes", json: jq("queryType", "variable", "variable", "node", "cluster", "alpha", "job", jobName), from: f.jobStart, to: f.jobEnd})
		for ref, want := range map[string]string{"jobs": jobName + "," + "other-job", "nodes": "n1,n2"} {
			r := resp.Responses[ref]
			if r.Error != nil || len(r.Frames) != 1 || len(r.Frames[0].Fields) != 1 {
				t.Fatalf("%s: %v %v", ref, r.Error, r.Frames)
			}
			var got []string
			for i := 0; i < r.Frames[0].Rows(); i++ {
				got = append(got, r.Frames[0].Fields[0].At(i).(string))
			}
			if strings.Join(got, ",") != want {
				t.Errorf("%s: %v, want %s", ref, got, want)
			}
		}
	})

	t.Run("unknown resource", func(t *testing.T) {
		code, body := callResource(t, p, pc, "/pods", nil)
		if code != 404 || body != `{"error":"unknown resource \"/pods\": use /signals, /clusters, /jobs, /topology or /values"}` {
			t.Fatalf("%d %s", code, body)
		}
	})
}

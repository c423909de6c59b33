package plugin

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func TestNodeScopedImbalancePodAndRawQueries(t *testing.T) {
	f, p, pc := queryEnv(t)
	from, to := f.jobStart.Add(100*time.Second), f.jobStart.Add(110*time.Second)
	resp := runQueries(t, p, pc,
		testQuery{ref: "tcp", json: jq("cluster", "alpha", "job", jobName, "signal", "tcp_retrans"), from: from, to: to},
		testQuery{ref: "imb", json: jq("cluster", "alpha", "job", jobName, "signal", "job_imbalance"), from: from, to: to},
		testQuery{ref: "pod", json: jq("cluster", "alpha", "job", jobName, "signal", "pod_rx_bits"), from: from, to: to},
		testQuery{ref: "raw", json: jq("queryType", "metricsql", "cluster", "alpha", "job", jobName,
			"expr", `sum by (node) (irate(node_infiniband_port_data_received_bytes_total[$__rate_interval]))`), from: from, to: to},
		testQuery{ref: "escape", json: jq("queryType", "metricsql", "cluster", "alpha",
			"expr", `sum(irate(node_infiniband_port_data_received_bytes_total{cluster="beta"}[20s])) or sum(irate(node_infiniband_port_data_received_bytes_total{cluster!="alpha"}[20s]))`), from: from, to: to},
	)
	tcp := seriesOf(t, resp.Responses["tcp"], f.jobStart)
	k1 := lbl("cluster", "alpha", "job_name", jobName, "node", "n1")
	k2 := lbl("cluster", "alpha", "job_name", jobName, "node", "n2")
	if keys(tcp) != k1+"\n"+k2 || tcp[k1][105] != 10 || tcp[k2][105] != 20 {
		t.Errorf("tcp_retrans for the job: %s n1=%v n2=%v; want only its nodes n1 (10/s) and n2 (20/s), labelled with the job", keys(tcp), tcp[k1][105], tcp[k2][105])
	}
	imb := seriesOf(t, resp.Responses["imb"], f.jobStart)
	ik := lbl("cluster", "alpha", "job_name", jobName)
	if keys(imb) != ik || math.Abs(imb[ik][105]-7.0/3.0) > 1e-12 {
		t.Errorf("job_imbalance %s = %v, want 7/3 (n2 7000 B/s over n1 3000 B/s)", keys(imb), imb[ik][105])
	}
	pod := seriesOf(t, resp.Responses["pod"], f.jobStart)
	pk := lbl("cluster", "alpha", "job_name", jobName, "namespace", "train", "pod", "w-0")
	if keys(pod) != pk || pod[pk][105] != 4000 {
		t.Errorf("pod_rx_bits %s = %v, want train/w-0 at 4000", keys(pod), pod[pk][105])
	}
	raw := seriesOf(t, resp.Responses["raw"], f.jobStart)
	r1, r2 := lbl("node", "n1", "job_name", jobName), lbl("node", "n2", "job_name", jobName)
	if keys(raw) != r1+"\n"+r2 || raw[r1][105] != 3000 || raw[r2][105] != 7000 {
		t.Errorf("raw MetricsQL scoped to the job: %s n1=%v n2=%v", keys(raw), raw[r1][105], raw[r2][105])
	}
	if esc := seriesOf(t, resp.Responses["escape"], f.jobStart); len(esc) != 0 {
		t.Errorf("a raw expression escaped its cluster: %s", keys(esc))
	}
}

func TestBadInputFailsOnlyThatQuery(t *testing.T) {
	f, p, pc := queryEnv(t)
	from, to := f.jobStart.Add(100*time.Second), f.jobStart.Add(105*time.Second)
	resp := runQueries(t, p, pc,
		testQuery{ref: "good", json: jq("cluster", "alpha", "job", jobName, "signal", "job_rx_bits"), from: from, to: to},
		testQuery{ref: "unknown", json: jq("cluster", "alpha", "job", jobName, "signal", "ib_rx_bytes"), from: from, to: to},
		testQuery{ref: "json", json: `{"cluster": "alpha", "signal": `, from: from, to: to},
		testQuery{ref: "regex", json: jq("cluster", "alpha", "job", "/llama(v2/", "signal", "ib_rx_bits"), from: from, to: to},
		testQuery{ref: "groupby", json: jq("cluster", "alpha", "signal", "tcp_retrans", "groupBy", "pod"), from: from, to: to},
		testQuery{ref: "envelope", json: jq("cluster", "alpha", "signal", "ib_rx_bits", "envelope", "p99"), from: from, to: to},
		testQuery{ref: "422", json: jq("queryType", "metricsql", "cluster", "alpha", "expr", "sum(rate(node_infiniband_port_data_received_bytes_total[1m]"), from: from, to: to},
		testQuery{ref: "qtype", json: jq("queryType", "promql", "cluster", "alpha"), from: from, to: to},
		testQuery{ref: "variable", json: jq("queryType", "variable", "variable", "pod"), from: from, to: to},
	)
	if r := resp.Responses["good"]; r.Error != nil || len(r.Frames) != 1 {
		t.Fatalf("the good query must still answer: %v, %d frames", r.Error, len(r.Frames))
	}
	want := map[string]string{
		"unknown":  `unknown signal "ib_rx_bytes": use one of ` + strings.Join(signalIDs(), ", "),
		"json":     `the query is not valid JSON (unexpected end of JSON input): expected {"queryType":"signal","cluster":...,"job":...,"signal":...}`,
		"regex":    "job: the regex \"/llama(v2/\" does not compile: missing closing ): `^(?:llama(v2)$`; escape regex characters or pass the exact value without slashes",
		"groupby":  `signal tcp_retrans cannot be grouped by "pod": use one of node, job`,
		"envelope": `unknown envelope "p99": use one of max, min, avg, band`,
		"422":      `VictoriaMetrics rejected the query (HTTP 422): cannot execute query: argList: unexpected token ""; want ",", ")"; unparsed data: ""`,
		"qtype":    `unknown queryType "promql": use "signal", "metricsql" or "variable"`,
		"variable": `queryType variable lists cluster, job, node or device: set "variable" to one of them, not "pod"`,
	}
	for ref, msg := range want {
		r := resp.Responses[ref]
		if r.Error == nil {
			t.Errorf("%s: no error", ref)
			continue
		}
		if !strings.HasPrefix(r.Error.Error(), msg) {
			t.Errorf("%s:\n got %q\nwant %q", ref, r.Error.Error(), msg)
		}
	}

	// VictoriaMetrics down: a clear error naming the URL, per query.
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	down := "http://127.0.0.1:" + itoa(port)
	resp = runQueries(t, p, pluginCtx("down-q", down, `{}`, nil),
		testQuery{ref: "A", json: jq("cluster", "alpha", "signal", "ib_rx_bits"), from: from, to: to},
		testQuery{ref: "B", json: jq("cluster", "alpha", "signal", "nope"), from: from, to: to})
	wantA := "cannot reach VictoriaMetrics at " + down + "/api/v1/query_range: dial tcp 127.0.0.1:" + itoa(port) + ": connect: connection refused; check the datasource URL and that VictoriaMetrics is running"
	if e := resp.Responses["A"].Error; e == nil || e.Error() != wantA {
		t.Errorf("VM down: got %v\nwant %s", e, wantA)
	}
	if e := resp.Responses["B"].Error; e == nil || !strings.HasPrefix(e.Error(), `unknown signal "nope"`) {
		t.Errorf("VM down, bad signal: got %v", e)
	}
}

// ownVMEnv starts a VictoriaMetrics of the test's own (stopped at its end), so the data it
// imports leaves the shared fixture unchanged, and a plugin context for a datasource on it.
func ownVMEnv(t *testing.T, dsName string) (*testVM, *testPlugin, backend.PluginContext) {
	t.Helper()
	vm, err := startVM(freshFlags...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vm.stop)
	p, err := startPlugin()
	if err != nil {
		t.Fatal(err)
	}
	return vm, p, pluginCtx(dsName, vm.URL, `{}`, nil)
}

// TestMissedTickIsAGap: an agent that misses a tick (no sample for one second) must show that
// second as a gap and the next second as the average rate over the two seconds since the
// previous sample; not a 0, not a doubled value, not the previous rate carried into the gap.
// The counter grows 1000 B/s; samples are stamped 3 ms after each second, as the agent reads
// them. A dedicated VictoriaMetrics keeps the shared fixture unchanged.
func TestMissedTickIsAGap(t *testing.T) {
	vm, p, pc := ownVMEnv(t, "gap")

	now := time.Now().Truncate(time.Second)
	oldBase := now.Add(-2 * time.Hour).Truncate(time.Minute) // a range long past
	newBase := now.Add(-90 * time.Second)                    // a range ending now (nocache), the gap 29 s ago
	labels := func(node string) map[string]string {
		return map[string]string{"__name__": "node_infiniband_port_data_received_bytes_total", "cluster": "gap", "job_name": "j",
			"node": node, "device": "mlx5_0", "port": "1"}
	}
	// 120 samples from base, the one at base+60 s missing; the counter keeps counting.
	line := func(node string, base time.Time, n int) importLine {
		l := importLine{Metric: labels(node)}
		for i := 0; i < n; i++ {
			if i == 60 {
				continue
			}
			l.Timestamps = append(l.Timestamps, base.Add(time.Duration(i)*time.Second+3*time.Millisecond).UnixMilli())
			l.Values = append(l.Values, float64(i)*1000)
		}
		return l
	}
	if err := vm.importSeries([]importLine{line("old", oldBase, 120), line("new", newBase, 89)}); err != nil {
		t.Fatal(err)
	}
	if err := vm.waitQuery(`count(last_over_time({cluster="gap"}[3h]))`, now, 2); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		node string
		base time.Time
		to   time.Time
	}{
		{"old", oldBase, oldBase.Add(80 * time.Second)},
		{"new", newBase, now},
	} {
		resp := runQueries(t, p, pc, testQuery{ref: c.node, from: c.base.Add(50 * time.Second), to: c.to,
			json: jq("cluster", "gap", "job", "j", "node", c.node, "signal", "ib_rx_bits", "groupBy", "device")})
		k := lbl("cluster", "gap", "job_name", "j", "node", c.node, "device", "mlx5_0", "port", "1")
		got := seriesOf(t, resp.Responses[c.node], c.base)[k]
		if fr := resp.Responses[c.node].Frames[0]; fr.Fields[0].Config == nil || fr.Fields[0].Config.Interval != 1000 {
			t.Errorf("%s: time field config %+v, want interval 1000 ms (Grafana inserts a null where a step has no row)", c.node, fr.Fields[0].Config)
		}
		// The point at second s shows the sample read at s (+3 ms): the missing sample
		// (60 s +3 ms) is the point at 60, the next sample (61 s +3 ms) is the point at 61.
		for s := int64(55); s <= 66; s++ {
			v, ok := got[s]
			switch {
			case s == 60 && ok:
				t.Errorf("%s: the missed second +60s shows %v, want a gap (no point)", c.node, v)
			case s != 60 && v != 8000:
				t.Errorf("%s: +%ds = %v (present %v), want 8000 (the 2 s average after the gap, 1 s rates elsewhere)", c.node, s, v, ok)
			}
		}
		if t.Failed() {
			t.Logf("%s: %v", c.node, fmt.Sprint(got))
		}
	}
}

// TestReadTimeJitterKeepsEverySecond: the agent stamps samples with their read time, right after
// each second boundary: sometimes exactly on it (k.000), sometimes a few ms or up to ~0.5 s
// later. Every second must still show exactly the rate of the interval ending with the sample
// read at that second: none shown twice, none lost. Two bursts sit on the two shapes that broke
// windows ending on the boundary: the jump between a sample at 30.000 and one at 31.001 (was
// lost: no window held both), and between 39.001 and 40.000 (was shown at 40 and again at 41).
func TestReadTimeJitterKeepsEverySecond(t *testing.T) {
	vm, p, pc := ownVMEnv(t, "jitter")

	jitter := []time.Duration{0, 1, 499, 0, 250, 2, 0, 1} // ms after second i, by i % 8
	now := time.Now().Truncate(time.Second)
	oldBase := now.Add(-2 * time.Hour).Truncate(time.Minute) // cached path
	newBase := now.Add(-70 * time.Second)                    // a range ending now (nocache)
	const n = 60
	value := func(i int) float64 {
		v := float64(i) * 1000
		if i >= 31 {
			v += 1e6
		}
		if i >= 40 {
			v += 2e6
		}
		return v
	}
	stamp := func(base time.Time, i int) int64 {
		return base.Add(time.Duration(i)*time.Second + jitter[i%8]*time.Millisecond).UnixMilli()
	}
	line := func(node string, base time.Time) importLine {
		l := importLine{Metric: map[string]string{"__name__": "node_infiniband_port_data_received_bytes_total", "cluster": "jitter",
			"job_name": "j", "node": node, "device": "mlx5_0", "port": "1"}}
		for i := 0; i < n; i++ {
			l.Timestamps = append(l.Timestamps, stamp(base, i))
			l.Values = append(l.Values, value(i))
		}
		return l
	}
	if err := vm.importSeries([]importLine{line("old", oldBase), line("new", newBase)}); err != nil {
		t.Fatal(err)
	}
	if err := vm.waitQuery(`count(last_over_time({cluster="jitter"}[3h]))`, now, 2); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		node string
		base time.Time
	}{{"old", oldBase}, {"new", newBase}} {
		resp := runQueries(t, p, pc, testQuery{ref: c.node, from: c.base.Add(5 * time.Second), to: c.base.Add((n - 1) * time.Second),
			json: jq("cluster", "jitter", "job", "j", "node", c.node, "signal", "ib_rx_bits", "groupBy", "device")})
		got := seriesOf(t, resp.Responses[c.node], c.base)[lbl("cluster", "jitter", "job_name", "j", "node", c.node, "device", "mlx5_0", "port", "1")]
		if len(got) != n-5 {
			t.Errorf("%s: %d points, want %d (one per second from +5s to +%ds)", c.node, len(got), n-5, n-1)
		}
		for i := 5; i < n; i++ {
			want := 8 * (value(i) - value(i-1)) / (float64(stamp(c.base, i)-stamp(c.base, i-1)) / 1000)
			if v, ok := got[int64(i)]; !ok || math.Abs(v-want) > 1e-9*want {
				t.Errorf("%s: +%ds = %v (present %v), want %v: the rate between the samples read at %d and %d", c.node, i, v, ok, want, i-1, i)
			}
		}
		if t.Failed() {
			t.Logf("%s: %v", c.node, got)
		}
	}
}

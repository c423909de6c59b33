package plugin

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"
)

// The delta data set of the /jobs summary test, on its own VictoriaMetrics (the shared fixture's
// /clusters and /values answers stay as they are). Times relative to t0, 1 s samples in [t0, t0+5m):
//
//	delta/`ring "x"`  d1 mlx5_0 rx 1000 B/s (+100000 B at t0+60), tx 2000 B/s
//	                  d2 mlx5_0 rx 3000 B/s (+200000 B at t0+61), tx 4000 B/s (reset to 0 at t0+100)
//	                  d1 eth0 NIC rx 50000 B/s (not part of the job throughput signals)
//	                  d1 mlx5_0 symbol errors from 5, +3 at t0+50; link downed flat at 7
//	                  d1 eth0 rx drops from 1000, +4 at t0+70, reset to 0 at t0+120, +1 at t0+130
//	                  pod r-0 eth0 dropped packets from 0, +2 at t0+80
//	delta/quiet       d3 mlx5_0 rx 500 B/s, no error counters
func TestJobsPeakAndErrors(t *testing.T) {
	vm, err := startVM(freshFlags...)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.stop()
	t0 := time.Now().Truncate(time.Minute).Add(-10 * time.Minute)
	t1 := t0.Add(5 * time.Minute)
	const ring = `ring "x"`
	bound := func(metric, job, node, dev, pod string) map[string]string {
		return map[string]string{"__name__": metric, "cluster": "delta", "job_name": job, "node": node, "device": dev, "port": "1", "namespace": "train", "pod": pod}
	}
	// from adds a start value to a counterLine.
	from := func(l importLine, start float64) importLine {
		for i := range l.Values {
			l.Values[i] += start
		}
		return l
	}
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	nicDrops := counterLine(bound("node_network_receive_drop_total", ring, "d1", "eth0", "r-0"), t0, t1, time.Second, 0, map[time.Time]float64{at(70): 4}, time.Time{})
	for i := range nicDrops.Values {
		switch s := i; {
		case s < 120:
			nicDrops.Values[i] += 1000
		case s >= 130:
			nicDrops.Values[i] = 1
		default:
			nicDrops.Values[i] = 0
		}
	}
	podDrops := counterLine(map[string]string{"__name__": "container_network_receive_packets_dropped_total", "cluster": "delta", "job_name": ring, "node": "d1",
		"namespace": "train", "pod": "r-0", "interface": "eth0"}, t0, t1, time.Second, 0, map[time.Time]float64{at(80): 2}, time.Time{})
	lines := []importLine{
		counterLine(bound(ibRecvBytes, ring, "d1", "mlx5_0", "r-0"), t0, t1, time.Second, 1000, map[time.Time]float64{at(60): 100000}, time.Time{}),
		counterLine(bound(ibXmitBytes, ring, "d1", "mlx5_0", "r-0"), t0, t1, time.Second, 2000, nil, time.Time{}),
		counterLine(bound(ibRecvBytes, ring, "d2", "mlx5_0", "r-1"), t0, t1, time.Second, 3000, map[time.Time]float64{at(61): 200000}, time.Time{}),
		counterLine(bound(ibXmitBytes, ring, "d2", "mlx5_0", "r-1"), t0, t1, time.Second, 4000, nil, at(100)),
		counterLine(bound("node_network_receive_bytes_total", ring, "d1", "eth0", "r-0"), t0, t1, time.Second, 50000, nil, time.Time{}),
		from(counterLine(bound("node_infiniband_symbol_error_total", ring, "d1", "mlx5_0", "r-0"), t0, t1, time.Second, 0, map[time.Time]float64{at(50): 3}, time.Time{}), 5),
		from(counterLine(bound("node_infiniband_link_downed_total", ring, "d1", "mlx5_0", "r-0"), t0, t1, time.Second, 0, nil, time.Time{}), 7),
		nicDrops,
		podDrops,
		counterLine(bound(ibRecvBytes, "quiet", "d3", "mlx5_0", "q-0"), t0, t1, time.Second, 500, nil, time.Time{}),
	}
	if err := vm.importSeries(lines); err != nil {
		t.Fatal(err)
	}
	if err := vm.waitQuery(`count(last_over_time({__name__=~".+"}[1h]))`, t1, float64(len(lines))); err != nil {
		t.Fatal(err)
	}
	p, err := startPlugin()
	if err != nil {
		t.Fatal(err)
	}
	pc := pluginCtx("jobs-summary", vm.URL, `{}`, nil)
	rfc := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }

	f64 := func(v float64) *float64 { return &v }
	code, body := callResource(t, p, pc, "/jobs", url.Values{"cluster": {"delta"}, "from": {rfc(t0.Add(-time.Minute))}, "to": {rfc(t1.Add(time.Minute))}})
	want := mustJSON(map[string]any{"jobs": []jobInfo{
		// The peak is the busiest second of the sum (rx+tx of both nodes), not the sum of each
		// series' busiest second: t0+61 has 1000+2000+(3000+200000)+4000 = 210000 B/s.
		{Name: "quiet", Cluster: "delta", Start: t0.UTC(), End: t1.Add(-time.Second).UTC(), Nodes: []string{"d3"}, Pods: []string{"train/q-0"},
			PeakBitsPerSecond: f64(4000), PeakStepSeconds: 1},
		{Name: ring, Cluster: "delta", Start: t0.UTC(), End: t1.Add(-time.Second).UTC(), Nodes: []string{"d1", "d2"}, Pods: []string{"train/r-0", "train/r-1"},
			PeakBitsPerSecond: f64(210000 * 8), PeakStepSeconds: 1,
			// From each counter's first sample in the range: 3 symbol errors (not the 5 it
			// started at, nor link downed's 7), 4+1 NIC drops across the reset, 2 pod drops.
			Errors: f64(10), ErrorsBySignal: map[string]float64{"ib_symbol_errors": 3, "ib_link_downed": 0, "nic_drops": 5, "pod_drops": 2}},
	}})
	if code != 200 || body != want {
		t.Fatalf("%d %s\nwant %s", code, body, want)
	}

	// The job filter narrows the summary queries too.
	code, body = callResource(t, p, pc, "/jobs", url.Values{"cluster": {"delta"}, "job": {"quiet"}, "from": {rfc(t0)}, "to": {rfc(t1)}})
	var r struct{ Jobs []jobInfo }
	if err := json.Unmarshal([]byte(body), &r); code != 200 || err != nil || len(r.Jobs) != 1 || r.Jobs[0].Name != "quiet" || *r.Jobs[0].PeakBitsPerSecond != 4000 || r.Jobs[0].Errors != nil {
		t.Fatalf("job=quiet: %d %s", code, body)
	}
}

// On a range longer than VictoriaMetrics' points limit allows at 1 s, the peak is taken at a
// coarser step from each series' one-second peaks: the shared fixture's single 1e9 B second in
// 7 days of 1000 B/s keeps its full height at a 30 s step.
func TestJobsPeakOverAWeek(t *testing.T) {
	f, p, pc := queryEnv(t)
	rfc := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	code, body := callResource(t, p, pc, "/jobs", url.Values{"cluster": {"gamma"}, "from": {rfc(f.weekStart)}, "to": {rfc(f.end)}})
	var r struct{ Jobs []jobInfo }
	if err := json.Unmarshal([]byte(body), &r); code != 200 || err != nil || len(r.Jobs) != 1 {
		t.Fatalf("%d %s", code, body)
	}
	j := r.Jobs[0]
	if j.Name != "week-run" || j.PeakBitsPerSecond == nil || *j.PeakBitsPerSecond != (1e9+1000)*8 || j.PeakStepSeconds != 30 || j.Errors != nil {
		t.Fatalf("week-run: %s; want peak %v bit/s at a 30 s step, errors null", body, (1e9+1000)*8)
	}
}

package plugin

import (
	"fmt"
	"sync"
	"time"
)

// The shared data set of the query, resource and alert tests (times relative to the test start):
//
//	gamma/week-run   g1 mlx5_0/1: 7 days of 1 s samples, 1000 B/s, one second of 1e9 B at spikeAt
//	alpha/jobName    n1 mlx5_0 1000 B/s (+500000 B in the second jobStart+300), n1 mlx5_1 2000,
//	                 n2 mlx5_0 3000 (counter reset to 0 at jobStart+400), n2 mlx5_1 4000: 1 s samples
//	                 in [jobStart, jobEnd); n1 mlx5_0 also at 15 s without job labels around the job
//	alpha/other-job  n3 mlx5_0 5000 B/s
//	beta/jobName     b1 mlx5_0 7000 B/s (same job name in another cluster)
//	alpha tcp        RetransSegs n1 10/s, n2 20/s, n3 30/s (node-level, no job labels)
//	alpha pod        train/w-0 eth0 500 B/s
//	gamma agent      hifreq_agent_build_info at 15 s for the last hour, last sample end-15s
type fixture struct {
	vm                      *testVM
	end, weekStart, spikeAt time.Time
	jobStart, jobEnd        time.Time
}

const jobName = `llama "v2" (a|b).*`

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

func loadFixture() (*fixture, error) {
	fixOnce.Do(func() { fix, fixErr = buildFixture() })
	return fix, fixErr
}

func buildFixture() (*fixture, error) {
	vm, err := startVM(freshFlags...)
	if err != nil {
		return nil, err
	}
	f := &fixture{vm: vm}
	f.end = time.Now().Truncate(time.Minute).Add(-2 * time.Minute)
	f.weekStart = f.end.Add(-7 * 24 * time.Hour)
	f.spikeAt = f.end.Add(-3*24*time.Hour + 17*time.Second)
	f.jobStart = f.end.Add(-20 * time.Minute)
	f.jobEnd = f.jobStart.Add(10 * time.Minute)

	ib := "node_infiniband_port_data_received_bytes_total"
	bound := func(cluster, job, node, dev, pod string) map[string]string {
		return map[string]string{"__name__": ib, "cluster": cluster, "job_name": job, "node": node, "device": dev, "port": "1", "namespace": "train", "pod": pod}
	}
	var lines []importLine
	lines = append(lines, counterLine(map[string]string{"__name__": ib, "cluster": "gamma", "job_name": "week-run", "node": "g1", "device": "mlx5_0", "port": "1"},
		f.weekStart, f.end, time.Second, 1000, map[time.Time]float64{f.spikeAt: 1e9}, time.Time{}))
	lines = append(lines,
		counterLine(bound("alpha", jobName, "n1", "mlx5_0", "w-0"), f.jobStart, f.jobEnd, time.Second, 1000, map[time.Time]float64{f.jobStart.Add(300 * time.Second): 500000}, time.Time{}),
		counterLine(bound("alpha", jobName, "n1", "mlx5_1", "w-0"), f.jobStart, f.jobEnd, time.Second, 2000, nil, time.Time{}),
		counterLine(bound("alpha", jobName, "n2", "mlx5_0", "w-1"), f.jobStart, f.jobEnd, time.Second, 3000, nil, f.jobStart.Add(400*time.Second)),
		counterLine(bound("alpha", jobName, "n2", "mlx5_1", "w-1"), f.jobStart, f.jobEnd, time.Second, 4000, nil, time.Time{}),
		counterLine(bound("alpha", "other-job", "n3", "mlx5_0", "o-0"), f.jobStart, f.jobEnd, time.Second, 5000, nil, time.Time{}),
		counterLine(bound("beta", jobName, "b1", "mlx5_0", "w-0"), f.jobStart, f.jobEnd, time.Second, 7000, nil, time.Time{}),
	)
	unbound := map[string]string{"__name__": ib, "cluster": "alpha", "node": "n1", "device": "mlx5_0", "port": "1"}
	before := counterLine(unbound, f.jobStart.Add(-10*time.Minute), f.jobStart, 15*time.Second, 15000, nil, time.Time{})
	after := counterLine(unbound, f.jobEnd, f.end, 15*time.Second, 15000, nil, time.Time{})
	before.Values = append(before.Values, after.Values...)
	before.Timestamps = append(before.Timestamps, after.Timestamps...)
	for i := range before.Values {
		before.Values[i] = float64(i) * 15000
	}
	lines = append(lines, before)
	for i, n := range []string{"n1", "n2", "n3"} {
		lines = append(lines, counterLine(map[string]string{"__name__": "node_netstat_Tcp_RetransSegs", "cluster": "alpha", "node": n},
			f.jobStart, f.jobEnd, time.Second, float64(10*(i+1)), nil, time.Time{}))
	}
	lines = append(lines, counterLine(map[string]string{"__name__": "container_network_receive_bytes_total", "cluster": "alpha", "job_name": jobName,
		"node": "n1", "namespace": "train", "pod": "w-0", "interface": "eth0"}, f.jobStart, f.jobEnd, time.Second, 500, nil, time.Time{}))

	// gamma's agent pushes its own metrics at 15 s; the other clusters' last-seen comes from network series.
	lines = append(lines, counterLine(map[string]string{"__name__": "hifreq_agent_build_info", "cluster": "gamma", "node": "g1", "version": "test"},
		f.end.Add(-time.Hour), f.end.Add(-7*time.Second), 15*time.Second, 0, nil, time.Time{}))
	if err := vm.importSeries(lines); err != nil {
		vm.stop()
		return nil, err
	}
	if err := vm.waitQuery(`count(last_over_time({__name__=~".+"}[30d]))`, f.end, float64(len(lines))); err != nil {
		vm.stop()
		return nil, fmt.Errorf("fixture not searchable: %v", err)
	}
	return f, nil
}

// counterLine writes a counter from start (inclusive) to end (exclusive) every interval, growing
// by inc per interval plus extra at given times; at reset the counter restarts from 0.
func counterLine(labels map[string]string, start, end time.Time, interval time.Duration, inc float64, extra map[time.Time]float64, reset time.Time) importLine {
	l := importLine{Metric: labels}
	v := 0.0
	for t := start; t.Before(end); t = t.Add(interval) {
		if t != start {
			v += inc + extra[t]
		}
		if t.Equal(reset) {
			v = 0
		}
		l.Timestamps = append(l.Timestamps, t.UnixMilli())
		l.Values = append(l.Values, v)
	}
	return l
}

package grafanae2e

import (
	"time"

	"github.com/hifreq/netmon/tests/grafana/harness"
)

// labels builds a label set with __name__.
func labels(name string, kv ...string) map[string]string {
	m := map[string]string{"__name__": name}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// with returns a copy of base with extra labels.
func with(base map[string]string, kv ...string) map[string]string {
	m := make(map[string]string, len(base)+len(kv)/2)
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// counter is a 1 s counter series over [end-n+1 s, end] whose per-second increase at second i
// (0 = oldest) is inc(i).
func counter(l map[string]string, end time.Time, n int, inc func(i int) float64) harness.Series {
	s := harness.Series{Labels: l}
	v := 1e6
	for i := 0; i < n; i++ {
		if i > 0 {
			v += inc(i)
		}
		s.Values = append(s.Values, v)
		s.Timestamps = append(s.Timestamps, end.Add(-time.Duration(n-1-i)*time.Second).UnixMilli())
	}
	return s
}

// gauge is a 1 s gauge series over [end-n+1 s, end] with value val(i).
func gauge(l map[string]string, end time.Time, n int, val func(i int) float64) harness.Series {
	s := harness.Series{Labels: l}
	for i := 0; i < n; i++ {
		s.Values = append(s.Values, val(i))
		s.Timestamps = append(s.Timestamps, end.Add(-time.Duration(n-1-i)*time.Second).UnixMilli())
	}
	return s
}

func constant(x float64) func(int) float64 { return func(int) float64 { return x } }

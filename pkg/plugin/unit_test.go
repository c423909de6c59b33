package plugin

import (
	"strconv"
	"testing"
	"time"
)

func strconvFormat(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

func TestChooseStep(t *testing.T) {
	base := time.Unix(1700000000, 0)
	cases := []struct {
		rng      time.Duration
		mdp      int64
		interval time.Duration
		want     time.Duration
	}{
		{time.Hour, 3600, 0, time.Second},
		{time.Hour, 10000, 0, time.Second},                    // never below 1 s
		{time.Hour, 1000, 0, 5 * time.Second},                 // 3.6 s rounds up to a clean 5 s
		{time.Hour, 3600, 15 * time.Second, 15 * time.Second}, // the panel's min interval wins
		{24 * time.Hour, 100000, 0, 5 * time.Second},          // 86400 points would pass the 30000 cap
		{7 * 24 * time.Hour, 1500, 0, 10 * time.Minute},       // 403 s rounds up to 10m
		{400 * 24 * time.Hour, 100, 0, 4 * 24 * time.Hour},
	}
	for _, c := range cases {
		got := chooseStep(base, base.Add(c.rng), c.mdp, c.interval, 30000)
		if got != c.want {
			t.Errorf("range %s, %d points, interval %s: step %s, want %s", c.rng, c.mdp, c.interval, got, c.want)
		}
		if pts := int(c.rng/got) + 1; pts > 30000 {
			t.Errorf("range %s: %d points exceed -search.maxPointsPerTimeseries", c.rng, pts)
		}
	}
}

func TestMatcherEscaping(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"", ""},
		{"*", ""},
		{"/.*/", ""},
		{`llama "v2" (a|b).*`, `job_name="llama \"v2\" (a|b).*"`},
		{`back\slash`, `job_name="back\\slash"`},
		{`/llama-.*|bert/`, `job_name=~"llama-.*|bert"`},
		{`/a"b/`, `job_name=~"a\"b"`},
		{".*", ""},
		{"eth0|mlx5_0", `job_name=~"eth0|mlx5_0"`},                         // the frontend's multi-value form
		{`llama\.pretrain|we"ird`, `job_name=~"llama\\.pretrain|we\"ird"`}, // escaped values stay escaped
		{`a|b(`, `job_name="a|b("`},                                        // an unescaped metacharacter: one exact value
	}
	for _, c := range cases {
		m, err := parseMatcher("job", c.raw)
		if err != nil {
			t.Fatalf("%q: %v", c.raw, err)
		}
		if got := m.filter("job_name"); got != c.want {
			t.Errorf("%q: filter %s, want %s", c.raw, got, c.want)
		}
	}
	if got := exactSet([]string{"n.2", "n1"}).filter("node"); got != `node=~"n1|n\\.2"` {
		t.Errorf("exactSet: %s", got)
	}
	if _, err := parseMatcher("node", "//"); err == nil || err.Error() != `node: the regex "//" is empty; use * for any node` {
		t.Errorf("empty regex: %v", err)
	}
}

func TestExpandMacros(t *testing.T) {
	got := expandMacros("rate(x[$__rate_interval]) + rate(y[$__interval]) * $__interval_ms + z[$__range]", 5*time.Second, time.Hour)
	want := "rate(x[5s]) + rate(y[5s]) * 5000 + z[3600s]"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestStreamPathEscaping(t *testing.T) {
	cases := []struct{ cluster, job, signal, want string }{
		{"gpu-a", "llama-pretrain", "ib_rx_bits", "signal/gpu-a/llama-pretrain/ib_rx_bits"},
		{"", `llama "v2" (a|b).*`, "nic_drops", "signal/=2A/llama=20=22v2=22=20=28a=7Cb=29.=2A/nic_drops"},
		{"*", "/x|y/", "tcp_states", "signal/=2A/=2Fx=7Cy=2F/tcp_states"},
		{"a=b", "ü", "ib_state", "signal/a=3Db/=C3=BC/ib_state"},
	}
	for _, c := range cases {
		got := StreamPath(c.cluster, c.job, c.signal)
		if got != c.want {
			t.Errorf("StreamPath(%q, %q, %q) = %s, want %s", c.cluster, c.job, c.signal, got, c.want)
			continue
		}
		q, err := parseStreamPath(got)
		if err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		wantCluster := c.cluster
		if wantCluster == "" {
			wantCluster = "*"
		}
		if q.Cluster != wantCluster || q.Job != c.job || q.Signal != c.signal {
			t.Errorf("%s parsed to %q %q %q", got, q.Cluster, q.Job, q.Signal)
		}
	}
	if _, err := parseStreamPath("signal/a=Zz/j/ib_rx_bits"); err == nil || err.Error() != `stream path "signal/a=Zz/j/ib_rx_bits": "a=Zz" has a bad escape "=Zz": write other bytes as = and two hex digits` {
		t.Errorf("bad escape: %v", err)
	}
	if _, err := parseStreamPath("signal/a=4/j/ib_rx_bits"); err == nil || err.Error() != `stream path "signal/a=4/j/ib_rx_bits": "a=4" ends inside an =XX escape` {
		t.Errorf("truncated escape: %v", err)
	}
}

func TestMatcherSlashRegexWithAlternation(t *testing.T) {
	m, err := parseMatcher("cluster", "/alpha|beta/")
	if err != nil || m.filter("cluster") != `cluster=~"alpha|beta"` {
		t.Fatalf("got %s %v", m.filter("cluster"), err)
	}
}

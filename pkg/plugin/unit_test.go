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

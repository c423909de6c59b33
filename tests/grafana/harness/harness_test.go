package harness

import (
	"os"
	"path/filepath"
	"testing"
)

func f(x float64) *float64 { return &x }

func TestReduce(t *testing.T) {
	vals := []*float64{f(3), nil, f(7), f(-1)}
	for _, c := range []struct {
		reducer, mode string
		want          *float64
	}{
		{"max", "dropNN", f(7)},
		{"min", "dropNN", f(-1)},
		{"sum", "dropNN", f(9)},
		{"mean", "dropNN", f(3)},
		{"last", "dropNN", f(-1)},
		{"count", "dropNN", f(3)},
		{"max", "", nil}, // strict mode: a null makes the result null
	} {
		got, err := reduce(c.reducer, c.mode, nil, vals)
		if err != nil {
			t.Fatalf("%s/%s: %v", c.reducer, c.mode, err)
		}
		if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("%s/%s = %v, want %v", c.reducer, c.mode, deref(got), deref(c.want))
		}
	}
	got, err := reduce("max", "replaceNN", f(100), vals)
	if err != nil || *got != 100 {
		t.Errorf("replaceNN max = %v, %v; want 100", deref(got), err)
	}
	if _, err := reduce("median", "dropNN", nil, vals); err == nil || err.Error() != `reducer "median" is not supported by the harness (max, min, sum, mean, last, count)` {
		t.Errorf("median: err = %v", err)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestThreshold(t *testing.T) {
	for _, c := range []struct {
		kind   string
		params []float64
		v      float64
		want   float64
	}{
		{"gt", []float64{0}, 0, 0}, {"gt", []float64{0}, 0.5, 1},
		{"lt", []float64{0.2}, 0.2, 0}, {"lt", []float64{0.2}, 0.1, 1},
		{"within_range", []float64{1, 3}, 2, 1}, {"within_range", []float64{1, 3}, 3, 0},
		{"outside_range", []float64{1, 3}, 4, 1}, {"outside_range", []float64{1, 3}, 1, 0},
	} {
		got, err := threshold(c.kind, c.params, &c.v)
		if err != nil || *got != c.want {
			t.Errorf("%s %v of %g = %v, %v; want %g", c.kind, c.params, c.v, deref(got), err, c.want)
		}
	}
	if got, err := threshold("gt", []float64{0}, nil); got != nil || err != nil {
		t.Errorf("threshold of null = %v, %v; want null", deref(got), err)
	}
	if _, err := threshold("eq", []float64{0}, f(1)); err == nil || err.Error() != `evaluator "eq" is not supported by the harness (gt, lt, within_range, outside_range)` {
		t.Errorf("eq: err = %v", err)
	}
}

func TestInterpolateLikeGrafana(t *testing.T) {
	t.Setenv("HF_A", "http://vm:8428")
	t.Setenv("HF_EMPTY", "")
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"${HF_A}":                 "http://vm:8428",
		"$HF_A/select":            "http://vm:8428/select",
		"$__env{HF_A}":            "http://vm:8428",
		"$__file{" + secret + "}": "s3cret",
		"${HF_UNSET_VARIABLE}":    "",
		"pa$$word":                "pa$word",
		"x${HF_EMPTY}y":           "xy",
	} {
		got, err := Interpolate(in)
		if err != nil || got != want {
			t.Errorf("Interpolate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Interpolate("$__file{/nonexistent/hifreq}"); err == nil {
		t.Errorf("a missing $__file must be an error")
	}
}

func TestDiscoverNestedPlugins(t *testing.T) {
	root := t.TempDir()
	write := func(path, content string) {
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("app/plugin.json", `{"id":"a-app","type":"app","name":"A","info":{"version":"1.0.0"}}`)
	write("app/module.js", "")
	write("app/datasource/plugin.json", `{"id":"a-ds","type":"datasource","name":"D","backend":true,"executable":"gpx_a","info":{"version":"1.0.0"}}`)
	write("app/datasource/module.js", "")
	write("other/plugin.json", `{"id":"b-panel","type":"panel","name":"B","info":{"version":"%VERSION%"}}`)
	plugins, err := DiscoverPlugins(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(plugins) != 2 || plugins[0].JSON.ID != "a-app" || len(plugins[0].Children) != 1 || plugins[0].Children[0].JSON.ID != "a-ds" {
		t.Fatalf("discovered %+v; want a-app with child a-ds, and b-panel", plugins)
	}
	ds := plugins[0].Children[0]
	if err := ds.CheckLoadable(); err == nil {
		t.Errorf("a backend plugin without its binary must not be loadable")
	}
	write("app/datasource/gpx_a_linux_amd64", "#!/bin/sh\n")
	if err := ds.CheckLoadable(); err != nil {
		t.Errorf("with its binary: %v", err)
	}
	if err := plugins[1].CheckLoadable(); err == nil {
		t.Errorf("a plugin.json with info.version %%VERSION%% must not be loadable")
	}
}

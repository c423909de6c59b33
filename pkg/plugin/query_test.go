package plugin

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

type testQuery struct {
	ref, json     string
	from, to      time.Time
	maxDataPoints int64
}

func queryEnv(t *testing.T) (*fixture, *testPlugin, backend.PluginContext) {
	t.Helper()
	f, err := loadFixture()
	if err != nil {
		t.Fatal(err)
	}
	p, err := startPlugin()
	if err != nil {
		t.Fatal(err)
	}
	return f, p, pluginCtx("data", f.vm.URL, `{}`, nil)
}

func runQueries(t *testing.T, p *testPlugin, pc backend.PluginContext, qs ...testQuery) *backend.QueryDataResponse {
	t.Helper()
	req := &backend.QueryDataRequest{PluginContext: pc}
	for _, q := range qs {
		mdp := q.maxDataPoints
		if mdp == 0 {
			mdp = 1000
		}
		req.Queries = append(req.Queries, backend.DataQuery{RefID: q.ref, JSON: json.RawMessage(q.json),
			TimeRange: backend.TimeRange{From: q.from, To: q.to}, MaxDataPoints: mdp})
	}
	ctx, cancel := ctxTimeout(60 * time.Second)
	defer cancel()
	resp, err := p.Client.QueryData(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// seriesOf maps each value field's label string to its points (seconds since base → value);
// null points (a series without a value at that time) are left out.
func seriesOf(t *testing.T, r backend.DataResponse, base time.Time) map[string]map[int64]float64 {
	t.Helper()
	if r.Error != nil {
		t.Fatalf("query failed: %v", r.Error)
	}
	out := map[string]map[int64]float64{}
	for _, f := range r.Frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesWide {
			t.Fatalf("frame type %+v, want timeseries-wide", f.Meta)
		}
		if f.Fields[0].Type() != data.FieldTypeTime {
			t.Fatalf("first field is %s, want time", f.Fields[0].Type())
		}
		for _, vf := range f.Fields[1:] {
			if vf.Len() == 0 {
				continue
			}
			if tp := vf.Type(); tp != data.FieldTypeFloat64 && tp != data.FieldTypeNullableFloat64 {
				t.Fatalf("value field type %s, want float64", tp)
			}
			pts := map[int64]float64{}
			for i := 0; i < vf.Len(); i++ {
				v, ok := vf.ConcreteAt(i)
				if !ok {
					continue
				}
				ts := f.Fields[0].At(i).(time.Time)
				pts[int64(ts.Sub(base)/time.Second)] = v.(float64)
			}
			out[vf.Labels.String()] = pts
		}
	}
	return out
}

func keys(m map[string]map[int64]float64) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, "\n")
}

func lbl(kv ...string) string {
	l := data.Labels{}
	for i := 0; i < len(kv); i += 2 {
		l[kv[i]] = kv[i+1]
	}
	return l.String()
}

func jq(fields ...string) string {
	m := map[string]string{}
	for i := 0; i < len(fields); i += 2 {
		m[fields[i]] = fields[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestSignalPerSecondRatesAndJobScoping(t *testing.T) {
	f, p, pc := queryEnv(t)
	from, to := f.jobStart.Add(290*time.Second), f.jobStart.Add(310*time.Second)
	resp := runQueries(t, p, pc,
		testQuery{ref: "dev", json: jq("queryType", "signal", "cluster", "alpha", "job", jobName, "signal", "ib_rx_bits", "groupBy", "device"), from: from, to: to},
		testQuery{ref: "node", json: jq("cluster", "alpha", "job", jobName, "signal", "ib_rx_bits", "groupBy", "node"), from: from, to: to},
		testQuery{ref: "job", json: jq("cluster", "alpha", "job", jobName, "signal", "job_rx_bits"), from: from, to: to},
		testQuery{ref: "anycluster", json: jq("cluster", "*", "job", jobName, "signal", "ib_rx_bits", "groupBy", "node"), from: from, to: to},
		testQuery{ref: "regexjob", json: jq("cluster", "alpha", "job", "/llama.*|other-job/", "signal", "ib_rx_bits", "groupBy", "job"), from: from, to: to},
		testQuery{ref: "multivalue", json: jq("cluster", "alpha|beta", "job", jobName, "node", "n2|b1", "device", "mlx5_0", "signal", "ib_rx_bits", "groupBy", "node"), from: from, to: to},
	)

	dev := seriesOf(t, resp.Responses["dev"], f.jobStart)
	wantKeys := []string{
		lbl("cluster", "alpha", "job_name", jobName, "node", "n1", "device", "mlx5_0", "port", "1"),
		lbl("cluster", "alpha", "job_name", jobName, "node", "n1", "device", "mlx5_1", "port", "1"),
		lbl("cluster", "alpha", "job_name", jobName, "node", "n2", "device", "mlx5_0", "port", "1"),
		lbl("cluster", "alpha", "job_name", jobName, "node", "n2", "device", "mlx5_1", "port", "1"),
	}
	sort.Strings(wantKeys)
	if keys(dev) != strings.Join(wantKeys, "\n") {
		t.Fatalf("device series:\n%s\nwant:\n%s", keys(dev), strings.Join(wantKeys, "\n"))
	}
	spiky := dev[wantKeys[0]]
	for s := int64(290); s <= 310; s++ {
		want := 8000.0
		if s == 300 {
			want = (1000 + 500000) * 8
		}
		if spiky[s] != want {
			t.Errorf("n1/mlx5_0 at +%ds = %v, want %v (the one-second burst must show its exact per-second value)", s, spiky[s], want)
		}
		if dev[wantKeys[3]][s] != 32000 {
			t.Errorf("n2/mlx5_1 at +%ds = %v, want 32000", s, dev[wantKeys[3]][s])
		}
	}
	if len(spiky) != 21 {
		t.Errorf("n1/mlx5_0 has %d points at step 1s over 20s, want 21", len(spiky))
	}

	node := seriesOf(t, resp.Responses["node"], f.jobStart)
	n1 := lbl("cluster", "alpha", "job_name", jobName, "node", "n1")
	n2 := lbl("cluster", "alpha", "job_name", jobName, "node", "n2")
	if keys(node) != strings.Join([]string{n1, n2}, "\n") {
		t.Fatalf("node series:\n%s", keys(node))
	}
	if node[n1][299] != 24000 || node[n2][299] != 56000 || node[n1][300] != (501000+2000)*8 {
		t.Errorf("node sums at +299: n1=%v n2=%v, at +300 n1=%v", node[n1][299], node[n2][299], node[n1][300])
	}

	job := seriesOf(t, resp.Responses["job"], f.jobStart)
	jk := lbl("cluster", "alpha", "job_name", jobName)
	if keys(job) != jk || job[jk][305] != 80000 {
		t.Errorf("job series %s = %v, want one series with 80000 at +305", keys(job), job[jk][305])
	}

	any := seriesOf(t, resp.Responses["anycluster"], f.jobStart)
	b1 := lbl("cluster", "beta", "job_name", jobName, "node", "b1")
	if keys(any) != strings.Join([]string{n1, n2, b1}, "\n") || any[b1][305] != 56000 {
		t.Errorf("cluster * series:\n%s\nb1=%v", keys(any), any[b1][305])
	}

	mv := seriesOf(t, resp.Responses["multivalue"], f.jobStart)
	if keys(mv) != n2+"\n"+b1 || mv[n2][305] != 24000 || mv[b1][305] != 56000 {
		t.Errorf("multi-value variables (cluster alpha|beta, node n2|b1, device mlx5_0):\n%s\nn2=%v b1=%v", keys(mv), mv[n2][305], mv[b1][305])
	}

	rx := seriesOf(t, resp.Responses["regexjob"], f.jobStart)
	other := lbl("cluster", "alpha", "job_name", "other-job")
	if keys(rx) != strings.Join([]string{jk, other}, "\n") || rx[other][305] != 40000 {
		t.Errorf("regex job series:\n%s", keys(rx))
	}
}

func TestCounterResetAndCoarseCadence(t *testing.T) {
	f, p, pc := queryEnv(t)
	resp := runQueries(t, p, pc,
		testQuery{ref: "reset", json: jq("cluster", "alpha", "job", jobName, "node", "n2", "device", "mlx5_0", "signal", "ib_rx_bits", "groupBy", "device"),
			from: f.jobStart.Add(397 * time.Second), to: f.jobStart.Add(403 * time.Second)},
		testQuery{ref: "cadence", json: jq("cluster", "alpha", "node", "n1", "device", "mlx5_0", "signal", "ib_rx_bits", "groupBy", "device"),
			from: f.jobStart.Add(-5 * time.Minute), to: f.jobStart.Add(-time.Second)},
		testQuery{ref: "cadence5s", json: jq("cluster", "alpha", "node", "n1", "device", "mlx5_0", "signal", "ib_rx_bits", "groupBy", "device", "envelope", "avg"),
			from: f.jobStart.Add(-5 * time.Minute), to: f.jobStart.Add(-5 * time.Second), maxDataPoints: 60},
	)
	reset := seriesOf(t, resp.Responses["reset"], f.jobStart)
	k := lbl("cluster", "alpha", "job_name", jobName, "node", "n2", "device", "mlx5_0", "port", "1")
	want := map[int64]float64{397: 24000, 398: 24000, 399: 24000, 400: 0, 401: 24000, 402: 24000, 403: 24000}
	if fmt.Sprint(reset[k]) != fmt.Sprint(want) {
		t.Errorf("around the counter reset got %v, want %v (no negative rate, no gap)", reset[k], want)
	}

	// 15 s samples outside the job: every one-second step has a value, no holes.
	unbound := lbl("cluster", "alpha", "node", "n1", "device", "mlx5_0", "port", "1")
	for _, ref := range []string{"cadence", "cadence5s"} {
		got := seriesOf(t, resp.Responses[ref], f.jobStart)
		if keys(got) != unbound {
			t.Fatalf("%s: series %s, want only the unbound one", ref, keys(got))
		}
		wantN := 300
		if ref == "cadence5s" {
			wantN = 60
		}
		if len(got[unbound]) != wantN {
			t.Errorf("%s: %d points, want %d (one per step, no holes)", ref, len(got[unbound]), wantN)
		}
		for s, v := range got[unbound] {
			if v != 8000 {
				t.Errorf("%s: at %+ds got %v, want 8000", ref, s, v)
			}
		}
	}
}

// The 15 s series of a device and its 1 s job-bound series meet at the job start: one wide frame
// whose fields have nulls where a series has no point.
func TestJobStartJoinsCadences(t *testing.T) {
	f, p, pc := queryEnv(t)
	resp := runQueries(t, p, pc, testQuery{ref: "x", json: jq("cluster", "alpha", "node", "n1", "device", "mlx5_0", "signal", "ib_rx_bits"),
		from: f.jobStart.Add(-30 * time.Second), to: f.jobStart.Add(30 * time.Second)})
	r := resp.Responses["x"]
	if r.Error != nil || len(r.Frames) != 1 || len(r.Frames[0].Fields) != 3 || r.Frames[0].Fields[1].Type() != data.FieldTypeNullableFloat64 {
		t.Fatalf("want one frame with time and two nullable value fields: %v %v", r.Error, r.Frames)
	}
	got := seriesOf(t, r, f.jobStart)
	bound := got[lbl("cluster", "alpha", "job_name", jobName, "node", "n1", "device", "mlx5_0", "port", "1")]
	unbound := got[lbl("cluster", "alpha", "node", "n1", "device", "mlx5_0", "port", "1")]
	if len(bound) != 30 {
		t.Errorf("the bound series has %d points, want 30 (+1s..+30s)", len(bound))
	}
	for s := int64(1); s <= 30; s++ {
		if bound[s] != 8000 {
			t.Errorf("bound at +%ds = %v, want 8000", s, bound[s])
		}
	}
	for s := int64(-30); s <= 0; s++ {
		if unbound[s] != 8000 {
			t.Errorf("15 s series at %+ds = %v, want 8000 (no holes)", s, unbound[s])
		}
		if _, ok := bound[s]; ok {
			t.Errorf("bound series has a value at %+ds, before the job started", s)
		}
	}
}

// A range that ends a few seconds after a burst: the burst is after the last step boundary, so
// only the extra point at the range end can carry it.
func TestEnvelopeShowsBurstInTheNewestPartialStep(t *testing.T) {
	f, p, pc := queryEnv(t)
	to := f.spikeAt.Add(5 * time.Second) // spikeAt is 17 s past a minute, so `to` is 22 s past a 30 s boundary
	from := to.Add(-6 * time.Hour)
	for _, env := range []string{"max", "band"} {
		resp := runQueries(t, p, pc, testQuery{ref: env, from: from, to: to, maxDataPoints: 1000,
			json: jq("cluster", "gamma", "job", "week-run", "signal", "ib_rx_bits", "groupBy", "device", "envelope", env)})
		r := resp.Responses[env]
		if r.Error != nil {
			t.Fatalf("%s: %v", env, r.Error)
		}
		// 6 h / 1000 points round up to the 30 s step: points on the 30 s boundaries from the
		// start up to the last boundary before `to` (22 s before it), then one at `to`.
		times := r.Frames[0].Fields[0]
		n := times.Len()
		if want := 6*3600/30 + 2; n != want {
			t.Errorf("%s: %d points, want %d (721 on 30 s boundaries + 1 at the range end)", env, n, want)
		}
		if last := times.At(n - 1).(time.Time); !last.Equal(to.Truncate(time.Millisecond)) {
			t.Errorf("%s: last point at %s, want the range end %s", env, last, to)
		}
		if prev := times.At(n - 2).(time.Time); !prev.Equal(to.Truncate(30 * time.Second)) {
			t.Errorf("%s: last boundary point at %s, want %s", env, prev, to.Truncate(30*time.Second))
		}
		maxField := r.Frames[0].Fields[1]
		for _, fld := range r.Frames[0].Fields[1:] {
			if fld.Labels["envelope"] == "max" {
				maxField = fld
			}
		}
		peak := (1e9 + 1000) * 8
		if v, _ := maxField.ConcreteAt(n - 1); v != peak {
			t.Errorf("%s: value at the range end %v, want the burst %v", env, v, peak)
		}
		if v, _ := maxField.ConcreteAt(n - 2); v != 8000.0 {
			t.Errorf("%s: value at the last boundary %v, want 8000 (the burst came after it)", env, v)
		}
	}
}

func TestEnvelopeKeepsSpikeOverSevenDays(t *testing.T) {
	f, p, pc := queryEnv(t)
	q := func(env string) string {
		return jq("cluster", "gamma", "job", "week-run", "signal", "ib_rx_bits", "groupBy", "device", "envelope", env)
	}
	from, to := f.weekStart, f.end
	resp := runQueries(t, p, pc,
		testQuery{ref: "max", json: q("max"), from: from, to: to, maxDataPoints: 1500},
		testQuery{ref: "min", json: q("min"), from: from, to: to, maxDataPoints: 1500},
		testQuery{ref: "avg", json: q("avg"), from: from, to: to, maxDataPoints: 1500},
		testQuery{ref: "band", json: q("band"), from: from, to: to, maxDataPoints: 1500},
	)
	peak := (1e9 + 1000) * 8
	k := lbl("cluster", "gamma", "job_name", "week-run", "node", "g1", "device", "mlx5_0", "port", "1")
	maxOf := func(m map[int64]float64) (mx float64, n int) {
		mx = math.Inf(-1)
		for _, v := range m {
			mx = math.Max(mx, v)
			n++
		}
		return
	}
	mx, n := maxOf(seriesOf(t, resp.Responses["max"], from)[k])
	if mx != peak {
		t.Errorf("max envelope peak %v, want the burst's exact %v", mx, peak)
	}
	if n < 1008 || n > 1009 {
		t.Errorf("max envelope has %d points; 7 days / 1500 points round up to the 10m step: 1008-1009", n)
	}
	if mn, _ := maxOf(seriesOf(t, resp.Responses["min"], from)[k]); mn != 8000 {
		t.Errorf("min envelope max %v, want 8000 (the burst is not in the minimum)", mn)
	}
	if av, _ := maxOf(seriesOf(t, resp.Responses["avg"], from)[k]); av >= peak/100 || av <= 8000 {
		t.Errorf("avg envelope peak %v: expected a diluted value between 8000 and 1%% of the peak", av)
	}
	band := seriesOf(t, resp.Responses["band"], from)
	kmax := lbl("cluster", "gamma", "job_name", "week-run", "node", "g1", "device", "mlx5_0", "port", "1", "envelope", "max")
	kmin := lbl("cluster", "gamma", "job_name", "week-run", "node", "g1", "device", "mlx5_0", "port", "1", "envelope", "min")
	if keys(band) != strings.Join([]string{kmax, kmin}, "\n") {
		t.Fatalf("band series:\n%s", keys(band))
	}
	if bm, _ := maxOf(band[kmax]); bm != peak {
		t.Errorf("band max %v, want %v", bm, peak)
	}
	if bm, _ := maxOf(band[kmin]); bm != 8000 {
		t.Errorf("band min %v, want 8000", bm)
	}
	for _, fr := range resp.Responses["max"].Frames {
		for _, vf := range fr.Fields[1:] {
			if vf.Config == nil || vf.Config.Unit != "bps" {
				t.Errorf("value field unit %+v, want bps", vf.Config)
			}
		}
	}
}

// A series with a point at every time of the frame keeps a plain float64 field even when
// another series misses a point (a missed tick): only the latter becomes nullable.
func TestFrameFieldTypesPerSeries(t *testing.T) {
	full := series{Labels: map[string]string{"device": "a"}, Times: []int64{1000, 2000, 3000}, Values: []float64{1, 2, 3}}
	gap := series{Labels: map[string]string{"device": "b"}, Times: []int64{1000, 3000}, Values: []float64{4, 6}}
	f := toFrame([]series{gap, full}, "bps", "q", nil, time.Time{})
	if got := fmt.Sprint(f.Fields[0].Len(), f.Fields[1].Type(), f.Fields[2].Type()); got != "3 []float64 []*float64" {
		t.Fatalf("rows and field types %s, want 3 []float64 []*float64", got)
	}
	var vals []string
	for i := 0; i < 3; i++ {
		a, _ := f.Fields[1].ConcreteAt(i)
		b, ok := f.Fields[2].ConcreteAt(i)
		if !ok {
			b = "null"
		}
		vals = append(vals, fmt.Sprint(a, "/", b))
	}
	if got := strings.Join(vals, " "); got != "1/4 2/null 3/6" {
		t.Errorf("values %s", got)
	}
	// Live streaming: points at or before `after` are left out; after 2 s both series are complete.
	f = toFrame([]series{gap, full}, "", "", nil, time.UnixMilli(2000))
	if got := fmt.Sprint(f.Fields[0].Len(), f.Fields[1].Type(), f.Fields[2].Type()); got != "1 []float64 []float64" {
		t.Errorf("after 2000 ms: %s", got)
	}
}

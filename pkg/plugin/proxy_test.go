package plugin

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// vmProxy stands in front of the real VictoriaMetrics like vmselect or an auth proxy would: it
// strips the cluster prefix /select/<tenant>/prometheus, can delay answers and counts requests
// in flight.
type vmProxy struct {
	srv      *httptest.Server
	mu       sync.Mutex
	inFlight int
	maxSeen  int
	paths    []string
	delay    time.Duration
}

func newVMProxy(t *testing.T, vmURL string, delay time.Duration) *vmProxy {
	target, err := url.Parse(vmURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &vmProxy{delay: delay}
	rp := httputil.NewSingleHostReverseProxy(target)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.inFlight++
		if p.inFlight > p.maxSeen {
			p.maxSeen = p.inFlight
		}
		p.paths = append(p.paths, r.URL.Path)
		p.mu.Unlock()
		defer func() { p.mu.Lock(); p.inFlight--; p.mu.Unlock() }()
		select {
		case <-time.After(p.delay):
		case <-r.Context().Done():
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/select/0/prometheus/") {
			http.Error(w, "unsupported path requested: "+r.URL.Path, http.StatusBadRequest)
			return
		}
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/select/0/prometheus")
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func TestClusterURLConcurrencyAndTimeout(t *testing.T) {
	f, p, _ := queryEnv(t)
	from, to := f.jobStart.Add(100*time.Second), f.jobStart.Add(105*time.Second)
	good := jq("cluster", "alpha", "job", jobName, "signal", "job_rx_bits")

	px := newVMProxy(t, f.vm.URL, 300*time.Millisecond)
	pc := pluginCtx("cluster-url", px.srv.URL, `{"tenant":"0","maxConcurrentQueries":1}`, nil)
	resp := runQueries(t, p, pc,
		testQuery{ref: "A", json: good, from: from, to: to}, testQuery{ref: "B", json: good, from: from, to: to},
		testQuery{ref: "C", json: good, from: from, to: to}, testQuery{ref: "D", json: good, from: from, to: to})
	for _, ref := range []string{"A", "B", "C", "D"} {
		s := seriesOf(t, resp.Responses[ref], f.jobStart)
		if v := s[lbl("cluster", "alpha", "job_name", jobName)][103]; v != 80000 {
			t.Errorf("%s through the tenant path: %v, want 80000", ref, v)
		}
	}
	px.mu.Lock()
	if px.maxSeen != 1 {
		t.Errorf("%d requests were in flight at once, the datasource allows 1", px.maxSeen)
	}
	for _, path := range px.paths {
		if path != "/select/0/prometheus/api/v1/query_range" {
			t.Errorf("request went to %s, want the tenant's query_range", path)
		}
	}
	px.mu.Unlock()

	slow := newVMProxy(t, f.vm.URL, 3*time.Second)
	resp = runQueries(t, p, pluginCtx("slow", slow.srv.URL+"/select/0/prometheus", `{"timeout":1}`, nil), testQuery{ref: "A", json: good, from: from, to: to})
	want := "VictoriaMetrics at " + slow.srv.URL + "/select/0/prometheus/api/v1/query_range did not answer within 1s: narrow the time range or raise the datasource timeout"
	if e := resp.Responses["A"].Error; e == nil || e.Error() != want {
		t.Errorf("slow VictoriaMetrics: got %v\nwant %s", e, want)
	}
}

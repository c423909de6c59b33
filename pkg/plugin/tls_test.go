package plugin

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// tlsFront is an HTTPS server with a self-signed certificate in front of a real VictoriaMetrics,
// like an auth proxy that wants a bearer token: it records the Authorization header of every
// request and answers 401 without the right token.
type tlsFront struct {
	srv   *httptest.Server
	token string
	mu    sync.Mutex
	seen  []string // "<path> <Authorization header>" per request
}

func newTLSFront(t *testing.T, vmURL, token string) *tlsFront {
	t.Helper()
	target, err := url.Parse(vmURL)
	if err != nil {
		t.Fatal(err)
	}
	f := &tlsFront{token: token}
	rp := httputil.NewSingleHostReverseProxy(target)
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		f.mu.Lock()
		f.seen = append(f.seen, r.URL.Path+" "+auth)
		f.mu.Unlock()
		if auth != "Bearer "+f.token {
			http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		r.Header.Del("Authorization")
		rp.ServeHTTP(w, r)
	}))
	// The handshake the client aborts (untrusted certificate) would be logged on stderr.
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *tlsFront) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]string(nil), f.seen...)
	f.seen = nil
	return out
}

// TestTLSSkipVerifyAndBearerToken checks that the datasource settings tlsSkipVerify and the
// secure bearerToken reach a real HTTPS server: with skip-verify the health check and a query
// succeed and every request carries "Authorization: Bearer <token>"; without it the error names
// the certificate problem and the URL, and no request (so no token) reaches the server.
func TestTLSSkipVerifyAndBearerToken(t *testing.T) {
	vm, p, _ := ownVMEnv(t, "tls")

	base := time.Now().Truncate(time.Minute).Add(-10 * time.Minute)
	var ts []int64
	var vals []float64
	for i := 0; i < 60; i++ {
		ts = append(ts, base.Add(time.Duration(i)*time.Second).UnixMilli())
		vals = append(vals, 1)
	}
	err := vm.importSeries([]importLine{
		{Metric: map[string]string{"__name__": "hifreq_agent_build_info", "cluster": "alpha", "node": "n1"}, Values: vals, Timestamps: ts},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := vm.waitQuery(`count(hifreq_agent_build_info)`, base.Add(30*time.Second), 1); err != nil {
		t.Fatal(err)
	}

	const token = "tok-3f9a"
	front := newTLSFront(t, vm.URL, token)
	secure := map[string]string{"bearerToken": token}

	t.Run("skip verify: health check and query succeed with the bearer token", func(t *testing.T) {
		pc := pluginCtx("tls-skip", front.srv.URL, `{"tlsSkipVerify":true}`, secure)
		res, err := p.health(pc)
		if err != nil {
			t.Fatal(err)
		}
		want := "VictoriaMetrics at " + front.srv.URL + " is reachable: 1 agent series and 0 network series from 1 cluster(s) (alpha)."
		if res.Status.String() != "OK" || res.Message != want {
			t.Fatalf("got %s %q\nwant OK %q", res.Status, res.Message, want)
		}
		resp := runQueries(t, p, pc, testQuery{ref: "A", from: base.Add(10 * time.Second), to: base.Add(20 * time.Second),
			json: jq("queryType", "metricsql", "cluster", "alpha", "expr", "sum(hifreq_agent_build_info)")})
		got := seriesOf(t, resp.Responses["A"], base)
		if len(got) != 1 {
			t.Fatalf("query through HTTPS returned %d series, want 1: %v", len(got), got)
		}
		for k, pts := range got {
			if pts[15] != 1 {
				t.Fatalf("series %s at base+15s = %v, want 1 (points %v)", k, pts[15], pts)
			}
		}
		seen := front.requests()
		paths := map[string]bool{}
		for _, r := range seen {
			path, auth, _ := strings.Cut(r, " ")
			paths[path] = true
			if auth != "Bearer "+token {
				t.Errorf("request to %s carried Authorization %q, want %q", path, auth, "Bearer "+token)
			}
		}
		for _, path := range []string{"/api/v1/series", "/flags", "/api/v1/query_range"} {
			if !paths[path] {
				t.Errorf("the server saw no request to %s; it saw %q", path, seen)
			}
		}
	})

	t.Run("skip verify without the token: the server refuses", func(t *testing.T) {
		res, err := p.health(pluginCtx("tls-skip-notoken", front.srv.URL, `{"tlsSkipVerify":true}`, nil))
		if err != nil {
			t.Fatal(err)
		}
		want := "VictoriaMetrics at " + front.srv.URL + "/api/v1/series refused the credentials (HTTP 401 Unauthorized): check the basic auth user/password or bearer token of the datasource"
		if res.Status.String() != "ERROR" || res.Message != want {
			t.Fatalf("got %s %q\nwant ERROR %q", res.Status, res.Message, want)
		}
		if seen := front.requests(); len(seen) != 1 || seen[0] != "/api/v1/series " {
			t.Fatalf("server saw %q, want one request to /api/v1/series without Authorization", seen)
		}
	})

	t.Run("verify on: the error names the certificate problem and the URL", func(t *testing.T) {
		pc := pluginCtx("tls-verify", front.srv.URL, `{}`, secure)
		res, err := p.health(pc)
		if err != nil {
			t.Fatal(err)
		}
		want := "cannot reach VictoriaMetrics at " + front.srv.URL + "/api/v1/series: tls: failed to verify certificate: x509: certificate signed by unknown authority; " + unknownCAAdvice
		if res.Status.String() != "ERROR" || res.Message != want {
			t.Fatalf("got %s %q\nwant ERROR %q", res.Status, res.Message, want)
		}
		resp := runQueries(t, p, pc, testQuery{ref: "A", from: base.Add(10 * time.Second), to: base.Add(20 * time.Second),
			json: jq("queryType", "metricsql", "cluster", "alpha", "expr", "sum(hifreq_agent_build_info)")})
		wantQ := "cannot reach VictoriaMetrics at " + front.srv.URL + "/api/v1/query_range: tls: failed to verify certificate: x509: certificate signed by unknown authority; " + unknownCAAdvice
		if e := resp.Responses["A"].Error; e == nil || e.Error() != wantQ {
			t.Fatalf("query: got %v\nwant %s", e, wantQ)
		}
		if seen := front.requests(); len(seen) != 0 {
			t.Fatalf("the token must not reach a server whose certificate failed verification; it saw %q", seen)
		}
	})
}

// The advice that ends the error of a certificate the Grafana server does not trust.
const unknownCAAdvice = `the server's certificate is not signed by a certificate authority the Grafana server trusts: ` +
	`add that CA certificate to the trusted CAs of the machine or container running Grafana (the datasource uses the system's trust store), ` +
	`or, for a test setup only, turn on "Skip TLS certificate verification" in the datasource settings`

// A certificate problem means the URL reached a running server: the error says what to do about
// the certificate (never "check the datasource URL and that VictoriaMetrics is running") and
// keeps the URL. The errors are real TLS handshake failures against httptest's certificate
// (valid for 127.0.0.1, ::1, example.com and *.example.com until 2084-01-29 16:00 UTC).
func TestTLSCertificateErrorsSayWhatToDo(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	defer srv.Close()
	trusted := x509.NewCertPool()
	trusted.AddCert(srv.Certificate())
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	const skip = `or, for a test setup only, turn on "Skip TLS certificate verification" in the datasource settings`
	cases := map[string]struct {
		tls  *tls.Config
		url  string
		want string
	}{
		"unknown authority": {
			&tls.Config{}, srv.URL + "/api/v1/series",
			"x509: certificate signed by unknown authority; " + unknownCAAdvice,
		},
		"host name mismatch": {
			&tls.Config{RootCAs: trusted}, "https://localhost:" + port + "/api/v1/series",
			"x509: certificate is valid for example.com, *.example.com, not localhost; the server's certificate is not issued for the host in the datasource URL: " +
				"put a host name the certificate names into the URL, or reissue the certificate for this host, " + skip,
		},
		"expired": {
			&tls.Config{RootCAs: trusted, Time: func() time.Time { return time.Date(2100, 1, 2, 3, 4, 5, 0, time.UTC) }}, srv.URL + "/api/v1/series",
			"x509: certificate has expired or is not yet valid: current time 2100-01-02T03:04:05Z is after 2084-01-29T16:00:00Z; " +
				"renew the server's certificate (if it is not yet valid, check the clock of the Grafana server), " + skip,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: tc.tls}}
			resp, err := client.Get(tc.url)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("GET %s succeeded; want a certificate error", tc.url)
			}
			got := transportError(tc.url, time.Minute, err).Error()
			want := "cannot reach VictoriaMetrics at " + tc.url + ": tls: failed to verify certificate: " + tc.want
			if got != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
	t.Run("not a certificate problem: check the URL", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		u := srv.URL + "/api/v1/series"
		srv.Close()
		_, err := http.Get(u)
		if err == nil {
			t.Fatalf("GET %s of a closed server succeeded", u)
		}
		got := transportError(u, time.Minute, err).Error()
		if !strings.HasPrefix(got, "cannot reach VictoriaMetrics at "+u+": ") ||
			!strings.HasSuffix(got, "; check the datasource URL and that VictoriaMetrics is running") {
			t.Errorf("got %q, want the URL and the advice to check the URL and that VictoriaMetrics is running", got)
		}
	})
}

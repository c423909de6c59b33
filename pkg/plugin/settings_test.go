package plugin

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func TestLoadSettingsErrors(t *testing.T) {
	cases := []struct {
		name string
		in   backend.DataSourceInstanceSettings
		want string
	}{
		{"empty URL", backend.DataSourceInstanceSettings{URL: "  "},
			"the datasource URL is empty: enter the VictoriaMetrics URL, e.g. http://victoriametrics:8428 (single node) or http://vmselect:8481 with a tenant (cluster)"},
		{"no scheme", backend.DataSourceInstanceSettings{URL: "victoriametrics:8428"},
			`the datasource URL "victoriametrics:8428" has no scheme or host: write it as http://host:port or https://host:port`},
		{"bare host", backend.DataSourceInstanceSettings{URL: "localhost"},
			`the datasource URL "localhost" has no scheme or host: write it as http://host:port or https://host:port`},
		{"bad scheme", backend.DataSourceInstanceSettings{URL: "ftp://vm:8428"},
			`the datasource URL "ftp://vm:8428" uses scheme "ftp": only http and https are supported`},
		{"query string", backend.DataSourceInstanceSettings{URL: "http://vm:8428/?x=1"},
			`the datasource URL "http://vm:8428/?x=1" has a query string or fragment: remove everything after the path`},
		{"bad tenant", backend.DataSourceInstanceSettings{URL: "http://vmselect:8481", JSONData: []byte(`{"tenant":"team-a"}`)},
			`tenant "team-a" is not valid: use an account id such as 0 or accountID:projectID such as 0:1, or leave it empty for single-node VictoriaMetrics`},
		{"tenant conflict", backend.DataSourceInstanceSettings{URL: "http://vmselect:8481/select/1/prometheus", JSONData: []byte(`{"tenant":"2"}`)},
			`the datasource URL names tenant "1" but the tenant setting is "2": keep only one of them`},
		{"basic auth without user", backend.DataSourceInstanceSettings{URL: "http://vm:8428", BasicAuthEnabled: true},
			"basic auth is enabled but the user is empty: enter the user or turn basic auth off"},
		{"basic auth without password", backend.DataSourceInstanceSettings{URL: "http://vm:8428", BasicAuthEnabled: true, BasicAuthUser: "grafana"},
			`basic auth is enabled for user "grafana" but no password is saved: enter the password or turn basic auth off`},
		{"basic and bearer", backend.DataSourceInstanceSettings{URL: "http://vm:8428", BasicAuthEnabled: true, BasicAuthUser: "grafana",
			DecryptedSecureJSONData: map[string]string{"basicAuthPassword": "pw", "bearerToken": "tok"}},
			"both basic auth and a bearer token are configured: keep one of them (VictoriaMetrics accepts either)"},
		{"bad timeout string", backend.DataSourceInstanceSettings{URL: "http://vm:8428", JSONData: []byte(`{"timeout":"soon"}`)},
			`timeout "soon" is not a duration: write e.g. 30s, 2m or a number of seconds`},
		{"timeout too small", backend.DataSourceInstanceSettings{URL: "http://vm:8428", JSONData: []byte(`{"timeout":"10ms"}`)},
			"timeout 10ms is out of range: use between 1s and 1h (default 1m0s)"},
		{"timeout negative number", backend.DataSourceInstanceSettings{URL: "http://vm:8428", JSONData: []byte(`{"timeout":-5}`)},
			"timeout -5 is out of range: use between 1s and 1h (default 1m0s)"},
		{"timeout wrong type", backend.DataSourceInstanceSettings{URL: "http://vm:8428", JSONData: []byte(`{"timeout":true}`)},
			`timeout true is neither a number of seconds nor a duration: write e.g. 30 or "30s"`},
		{"concurrency zero", backend.DataSourceInstanceSettings{URL: "http://vm:8428", JSONData: []byte(`{"maxConcurrentQueries":0}`)},
			"max concurrent queries is 0: set a number from 1 to 1000 (default 8)"},
		{"max points too small", backend.DataSourceInstanceSettings{URL: "http://vm:8428", JSONData: []byte(`{"maxPointsPerTimeseries":10}`)},
			"max points per timeseries is 10: set it to VictoriaMetrics' -search.maxPointsPerTimeseries (default 30000), at least 100"},
		{"bad cluster label", backend.DataSourceInstanceSettings{URL: "http://vm:8428", JSONData: []byte(`{"clusterLabel":"k8s-cluster"}`)},
			`cluster label "k8s-cluster" is not a valid label name: use letters, digits and underscores, not starting with a digit (default "cluster")`},
		{"broken jsonData", backend.DataSourceInstanceSettings{URL: "http://vm:8428", JSONData: []byte(`{"tenant":`)},
			"the datasource's jsonData is not valid JSON (unexpected end of JSON input); save the datasource settings again"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadSettings(c.in)
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if err.Error() != c.want {
				t.Fatalf("error\n got: %s\nwant: %s", err, c.want)
			}
		})
	}
}

func TestLoadSettingsValid(t *testing.T) {
	st, err := LoadSettings(backend.DataSourceInstanceSettings{
		URL:                     "https://vmselect.example:8481/prefix/select/0:1/prometheus/",
		BasicAuthEnabled:        true,
		BasicAuthUser:           "grafana",
		DecryptedSecureJSONData: map[string]string{"basicAuthPassword": "secret"},
		JSONData:                []byte(`{"timeout":"90s","maxConcurrentQueries":3,"clusterLabel":"k8s_cluster","tlsSkipVerify":true}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{
		BaseURL: "https://vmselect.example:8481/prefix", QueryURL: "https://vmselect.example:8481/prefix/select/0:1/prometheus", Tenant: "0:1",
		BasicAuthUser: "grafana", BasicAuthPassword: "secret", TLSSkipVerify: true, ClusterLabel: "k8s_cluster",
		Timeout: 90 * time.Second, MaxConcurrentQueries: 3, MaxPointsPerSeries: 30000,
	}
	if st != want {
		t.Fatalf("got %+v\nwant %+v", st, want)
	}

	st, err = LoadSettings(backend.DataSourceInstanceSettings{URL: "http://vm:8428", JSONData: []byte(`{"tenant":"7","timeout":45}`),
		DecryptedSecureJSONData: map[string]string{"bearerToken": " tok "}})
	if err != nil {
		t.Fatal(err)
	}
	if st.QueryURL != "http://vm:8428/select/7/prometheus" || st.BearerToken != "tok" || st.Timeout != 45*time.Second || st.ClusterLabel != "cluster" {
		t.Fatalf("got %+v", st)
	}
}

package plugin

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Settings is the parsed configuration of one datasource instance.
type Settings struct {
	// BaseURL is the server root (scheme, host and optional path prefix), without /select/<tenant>/prometheus.
	BaseURL string
	// QueryURL is where the Prometheus querying API lives: BaseURL or BaseURL/select/<tenant>/prometheus.
	QueryURL string
	Tenant   string

	BasicAuthUser     string
	BasicAuthPassword string
	BearerToken       string
	TLSSkipVerify     bool

	ClusterLabel         string
	Timeout              time.Duration
	MaxConcurrentQueries int
	MaxPointsPerSeries   int
}

type jsonSettings struct {
	Tenant                 string          `json:"tenant"`
	ClusterLabel           string          `json:"clusterLabel"`
	Timeout                json.RawMessage `json:"timeout"`
	MaxConcurrentQueries   *int            `json:"maxConcurrentQueries"`
	MaxPointsPerTimeseries *int            `json:"maxPointsPerTimeseries"`
	TLSSkipVerify          bool            `json:"tlsSkipVerify"`
}

const (
	defaultTimeout              = 60 * time.Second
	defaultMaxConcurrentQueries = 8
	defaultMaxPointsPerSeries   = 30000
	defaultClusterLabel         = "cluster"
)

var (
	tenantRe    = regexp.MustCompile(`^[0-9]+(:[0-9]+)?$`)
	labelNameRe = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	selectRe    = regexp.MustCompile(`/select/([^/]+)/prometheus/?$`)
)

// LoadSettings parses and validates the instance settings; each bad setting gets its own error.
func LoadSettings(s backend.DataSourceInstanceSettings) (Settings, error) {
	var js jsonSettings
	if len(s.JSONData) > 0 {
		if err := json.Unmarshal(s.JSONData, &js); err != nil {
			return Settings{}, fmt.Errorf("the datasource's jsonData is not valid JSON (%v); save the datasource settings again", err)
		}
	}
	st := Settings{
		TLSSkipVerify:        js.TLSSkipVerify,
		ClusterLabel:         defaultClusterLabel,
		Timeout:              defaultTimeout,
		MaxConcurrentQueries: defaultMaxConcurrentQueries,
		MaxPointsPerSeries:   defaultMaxPointsPerSeries,
	}
	if err := st.parseURL(s.URL, strings.TrimSpace(js.Tenant)); err != nil {
		return Settings{}, err
	}
	if err := st.parseAuth(s); err != nil {
		return Settings{}, err
	}
	if js.ClusterLabel != "" {
		if !labelNameRe.MatchString(js.ClusterLabel) {
			return Settings{}, fmt.Errorf("cluster label %q is not a valid label name: use letters, digits and underscores, not starting with a digit (default %q)", js.ClusterLabel, defaultClusterLabel)
		}
		st.ClusterLabel = js.ClusterLabel
	}
	if len(js.Timeout) > 0 && string(js.Timeout) != "null" && string(js.Timeout) != `""` {
		d, err := parseTimeout(js.Timeout)
		if err != nil {
			return Settings{}, err
		}
		st.Timeout = d
	}
	if js.MaxConcurrentQueries != nil {
		if *js.MaxConcurrentQueries < 1 || *js.MaxConcurrentQueries > 1000 {
			return Settings{}, fmt.Errorf("max concurrent queries is %d: set a number from 1 to 1000 (default %d)", *js.MaxConcurrentQueries, defaultMaxConcurrentQueries)
		}
		st.MaxConcurrentQueries = *js.MaxConcurrentQueries
	}
	if js.MaxPointsPerTimeseries != nil {
		if *js.MaxPointsPerTimeseries < 100 {
			return Settings{}, fmt.Errorf("max points per timeseries is %d: set it to VictoriaMetrics' -search.maxPointsPerTimeseries (default %d), at least 100", *js.MaxPointsPerTimeseries, defaultMaxPointsPerSeries)
		}
		st.MaxPointsPerSeries = *js.MaxPointsPerTimeseries
	}
	return st, nil
}

func (st *Settings) parseURL(raw, tenant string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return fmt.Errorf("the datasource URL is empty: enter the VictoriaMetrics URL, e.g. http://victoriametrics:8428 (single node) or http://vmselect:8481 with a tenant (cluster)")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("the datasource URL %q has no scheme or host: write it as http://host:port or https://host:port", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("the datasource URL %q uses scheme %q: only http and https are supported", raw, u.Scheme)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("the datasource URL %q has a query string or fragment: remove everything after the path", raw)
	}
	path := strings.TrimRight(u.Path, "/")
	// A cluster URL pasted with its /select/<tenant>/prometheus suffix is accepted as the tenant.
	if m := selectRe.FindStringSubmatch(path + "/"); m != nil {
		if tenant != "" && tenant != m[1] {
			return fmt.Errorf("the datasource URL names tenant %q but the tenant setting is %q: keep only one of them", m[1], tenant)
		}
		tenant = m[1]
		path = strings.TrimSuffix(path+"/", m[0])
	}
	if tenant != "" && !tenantRe.MatchString(tenant) {
		return fmt.Errorf("tenant %q is not valid: use an account id such as 0 or accountID:projectID such as 0:1, or leave it empty for single-node VictoriaMetrics", tenant)
	}
	st.BaseURL = u.Scheme + "://" + u.Host + path
	st.Tenant = tenant
	st.QueryURL = st.BaseURL
	if tenant != "" {
		st.QueryURL = st.BaseURL + "/select/" + tenant + "/prometheus"
	}
	return nil
}

func (st *Settings) parseAuth(s backend.DataSourceInstanceSettings) error {
	password, hasPassword := s.DecryptedSecureJSONData["basicAuthPassword"]
	token := strings.TrimSpace(s.DecryptedSecureJSONData["bearerToken"])
	if s.BasicAuthEnabled {
		if s.BasicAuthUser == "" {
			return fmt.Errorf("basic auth is enabled but the user is empty: enter the user or turn basic auth off")
		}
		if !hasPassword || password == "" {
			return fmt.Errorf("basic auth is enabled for user %q but no password is saved: enter the password or turn basic auth off", s.BasicAuthUser)
		}
		if token != "" {
			return fmt.Errorf("both basic auth and a bearer token are configured: keep one of them (VictoriaMetrics accepts either)")
		}
		st.BasicAuthUser = s.BasicAuthUser
		st.BasicAuthPassword = password
	}
	st.BearerToken = token
	return nil
}

// parseTimeout accepts a number of seconds or a Go duration string such as "30s" or "2m".
func parseTimeout(raw json.RawMessage) (time.Duration, error) {
	var secs float64
	if err := json.Unmarshal(raw, &secs); err == nil {
		return checkTimeout(time.Duration(secs*float64(time.Second)), string(raw))
	}
	var str string
	if err := json.Unmarshal(raw, &str); err != nil {
		return 0, fmt.Errorf("timeout %s is neither a number of seconds nor a duration: write e.g. 30 or \"30s\"", raw)
	}
	str = strings.TrimSpace(str)
	if d, err := time.ParseDuration(str); err == nil {
		return checkTimeout(d, str)
	}
	var n float64
	if _, err := fmt.Sscanf(str, "%g", &n); err == nil && fmt.Sprint(n) == str {
		return checkTimeout(time.Duration(n*float64(time.Second)), str)
	}
	return 0, fmt.Errorf("timeout %q is not a duration: write e.g. 30s, 2m or a number of seconds", str)
}

func checkTimeout(d time.Duration, shown string) (time.Duration, error) {
	if d < time.Second || d > time.Hour {
		return 0, fmt.Errorf("timeout %s is out of range: use between 1s and 1h (default %s)", shown, defaultTimeout)
	}
	return d, nil
}

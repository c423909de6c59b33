package grafanae2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/hifreq/netmon/tests/grafana/harness"
)

type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name    string          `json:"name"`
			Type    string          `json:"type"`
			Query   json.RawMessage `json:"query"`
			Multi   bool            `json:"multi"`
			All     bool            `json:"includeAll"`
			Current struct {
				Value any `json:"value"`
			} `json:"current"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title      string                      `json:"title"`
	Type       string                      `json:"type"`
	Datasource *struct{ Type, UID string } `json:"datasource"`
	Targets    []map[string]any            `json:"targets"`
	Panels     []panel                     `json:"panels"` // collapsed rows
}

func allPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

var varRE = regexp.MustCompile(`\$\{(\w+)(?::\w+)?\}|\$(\w+)`)

// interpolate replaces dashboard variables in a target's string fields as the plugin's frontend
// does (src/datasource/interpolate.ts): a single value as is, several values (multi or All) as
// an alternation of regex-escaped values.
func interpolate(s string, vars map[string][]string) string {
	return varRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := varRE.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		vals, ok := vars[name]
		if !ok {
			return m
		}
		if len(vals) == 1 {
			return vals[0]
		}
		esc := make([]string, len(vals))
		for i, v := range vals {
			esc[i] = regexp.QuoteMeta(v)
		}
		return strings.Join(esc, "|")
	})
}

// TestIncludedDashboardPanelsQuery imports the app's included dashboard the way Grafana's plugin
// dashboard import reads it, resolves its variables through the plugin's resources for a healthy
// two-node job, and runs every panel query through QueryData: none may fail, and every panel
// whose signal's metrics exist in VictoriaMetrics must show data.
func TestIncludedDashboardPanelsQuery(t *testing.T) {
	e := setup(t)
	ctx := context.Background()

	var path string
	for _, inc := range e.app.JSON.Includes {
		if inc.Type == "dashboard" {
			path = filepath.Join(e.app.Dir, inc.Path)
		}
	}
	if path == "" {
		t.Fatalf("the app's plugin.json includes no dashboard")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("included dashboard: %v", err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s is not valid dashboard JSON: %v", path, err)
	}
	if d.UID != "hifreq-job-network" || d.Title == "" {
		t.Fatalf("dashboard uid=%q title=%q, want uid hifreq-job-network and a title", d.UID, d.Title)
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
		if v.Type == "datasource" {
			var q string
			_ = json.Unmarshal(v.Query, &q)
			if q != datasourceID {
				t.Errorf("datasource variable %s lists plugin type %q, want %s", v.Name, q, datasourceID)
			}
		}
	}
	if !vars["cluster"] || !vars["job"] {
		t.Fatalf("dashboard variables %v lack cluster and job", vars)
	}

	end := alignedNow()
	var series []harness.Series
	for _, node := range []string{"n1", "n2"} {
		series = append(series, nodeSeries("healthy", node, "healthy-job", healthyRates(), end)...)
	}
	if err := e.vm.Import(ctx, series); err != nil {
		t.Fatalf("import: %v", err)
	}
	present := map[string]bool{}
	for _, s := range series {
		present[s.Labels["__name__"]] = true
	}

	// The signal catalog tells which metrics each signal reads.
	res, err := e.backend.CallResource(ctx, e.pctx, "GET", "signals", nil)
	if err != nil || res.Status != 200 {
		t.Fatalf("GET signals: %v %v", err, res)
	}
	var catalog struct {
		Signals []struct {
			ID      string   `json:"id"`
			Metrics []string `json:"metrics"`
		} `json:"signals"`
	}
	if err := json.Unmarshal(res.Body, &catalog); err != nil {
		t.Fatalf("GET signals: %v: %s", err, truncate(string(res.Body), 300))
	}
	signalMetrics := map[string][]string{}
	for _, s := range catalog.Signals {
		signalMetrics[s.ID] = s.Metrics
	}

	// Variables: cluster and job picked, node and device on All (every value the plugin lists).
	values := map[string][]string{"datasource": {dsUID}, "cluster": {"healthy"}, "job": {"healthy-job"}}
	for _, v := range d.Templating.List {
		switch v.Name {
		case "node", "device":
			q := url.Values{"variable": {v.Name}, "cluster": {"healthy"}, "job": {"healthy-job"},
				"from": {fmt.Sprint(end.Add(-10 * time.Minute).UnixMilli())}, "to": {fmt.Sprint(end.UnixMilli())}}
			res, err := e.backend.CallResource(ctx, e.pctx, "GET", "values?"+q.Encode(), nil)
			if err != nil || res.Status != 200 {
				t.Fatalf("GET values for %s: %v %v", v.Name, err, res)
			}
			var out struct {
				Values []string `json:"values"`
			}
			if err := json.Unmarshal(res.Body, &out); err != nil || len(out.Values) == 0 {
				t.Fatalf("GET values for %s = %s (%v): want the job's values", v.Name, truncate(string(res.Body), 300), err)
			}
			sort.Strings(out.Values)
			values[v.Name] = out.Values
		case "envelope":
			values["envelope"] = []string{fmt.Sprint(v.Current.Value)}
		}
	}
	if got := strings.Join(values["node"], ","); got != "n1,n2" {
		t.Errorf("node values = %s, want n1,n2", got)
	}

	panels := allPanels(d.Panels)
	queried := 0
	for _, p := range panels {
		for _, target := range p.Targets {
			model := map[string]any{}
			for k, v := range target {
				if s, ok := v.(string); ok {
					v = interpolate(s, values)
				}
				model[k] = v
			}
			model["datasource"] = map[string]string{"type": datasourceID, "uid": dsUID}
			refID, _ := model["refId"].(string)
			signal, _ := model["signal"].(string)
			queried++
			t.Run(fmt.Sprintf("%s/%s %s", p.Title, refID, signal), func(t *testing.T) {
				rawQ, _ := json.Marshal(model)
				qt, _ := model["queryType"].(string)
				resp, err := e.backend.QueryData(ctx, &backend.QueryDataRequest{
					PluginContext: e.pctx,
					Queries: []backend.DataQuery{{RefID: refID, QueryType: qt, JSON: rawQ, Interval: time.Second,
						MaxDataPoints: 1200, TimeRange: backend.TimeRange{From: end.Add(-5 * time.Minute), To: end}}},
				})
				if err != nil {
					t.Fatalf("QueryData over gRPC: %v", err)
				}
				dr := resp.Responses[refID]
				if dr.Error != nil {
					t.Fatalf("the panel shows an error: %v\nquery: %s", dr.Error, rawQ)
				}
				metrics := signalMetrics[signal]
				all := len(metrics) > 0
				for _, m := range metrics {
					all = all && present[m]
				}
				points := 0
				for _, f := range dr.Frames {
					for _, fld := range f.Fields {
						if fld.Type().Numeric() {
							for i := 0; i < fld.Len(); i++ {
								if v, _ := fld.NullableFloatAt(i); v != nil {
									points++
								}
							}
						}
					}
				}
				// Signals whose metrics the test data lacks (e.g. pod interfaces) must only not fail.
				if all && points == 0 {
					t.Errorf("the panel shows no data though VictoriaMetrics holds %v for the job\nquery: %s", metrics, rawQ)
				}
			})
		}
	}
	if queried == 0 {
		t.Fatalf("the dashboard has no panel queries")
	}
}

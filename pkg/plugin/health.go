package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// healthLookback is how far back the health check looks for HiFreq series.
const healthLookback = 30 * 24 * time.Hour

type healthDetails struct {
	URL           string   `json:"url"`
	AgentSeries   int      `json:"agentSeries"`
	NetworkSeries int      `json:"networkSeries"`
	Clusters      []string `json:"clusters"`
	Warnings      []string `json:"warnings"`
}

// CheckHealth asks VictoriaMetrics whether it is reachable, accepts the credentials, holds
// HiFreq data and runs with flags that do not hide fresh one-second data.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	now := time.Now()
	det := healthDetails{URL: d.st.QueryURL, Clusters: []string{}, Warnings: []string{}}

	agent, err := d.vm.seriesLabels(ctx, `{__name__=~"hifreq_agent_.*"}`, now.Add(-healthLookback), now)
	if err != nil {
		return healthError(err), nil
	}
	netw, err := d.vm.seriesLabels(ctx, `{__name__=~"node_network_.*|node_infiniband_.*"}`, now.Add(-healthLookback), now)
	if err != nil {
		return healthError(err), nil
	}
	det.AgentSeries, det.NetworkSeries = len(agent), len(netw)
	clusters := map[string]bool{}
	for _, ls := range append(agent, netw...) {
		if c := ls[d.st.ClusterLabel]; c != "" {
			clusters[c] = true
		}
	}
	for c := range clusters {
		det.Clusters = append(det.Clusters, c)
	}
	sort.Strings(det.Clusters)

	det.Warnings = append(det.Warnings, d.flagWarnings(ctx)...)

	var msg string
	if det.AgentSeries == 0 && det.NetworkSeries == 0 {
		msg = fmt.Sprintf("VictoriaMetrics at %s is reachable, but no HiFreq data has arrived yet (no hifreq_agent_*, node_network_* or node_infiniband_* series in the last 30 days). Deploy hifreq-agent with --remote-write.url pointing at this VictoriaMetrics.", d.st.QueryURL)
		det.Warnings = append([]string{"no HiFreq data yet"}, det.Warnings...)
	} else {
		msg = fmt.Sprintf("VictoriaMetrics at %s is reachable: %d agent series and %d network series from %d cluster(s) (%s).",
			d.st.QueryURL, det.AgentSeries, det.NetworkSeries, len(det.Clusters), strings.Join(det.Clusters, ", "))
	}
	for _, w := range det.Warnings {
		if w != "no HiFreq data yet" {
			msg += " Warning: " + w
		}
	}
	js, _ := json.Marshal(det)
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: msg, JSONDetails: js}, nil
}

func healthError(err error) *backend.CheckHealthResult {
	return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: err.Error()}
}

// flagWarnings reads VictoriaMetrics' /flags page (it lists only flags set to a non-default value)
// and warns about settings that hide the newest seconds of data.
func (d *Datasource) flagWarnings(ctx context.Context) []string {
	body, err := d.vm.get(ctx, d.st.BaseURL, "/flags", nil)
	if err != nil {
		return []string{fmt.Sprintf("could not read VictoriaMetrics flags from %s/flags (%v); make sure it runs with -search.latencyOffset=1s and -search.maxStepForPointsAdjustment=0.", d.st.BaseURL, err)}
	}
	flags := parseFlags(string(body))
	var out []string
	lo, ok := flags["search.latencyOffset"]
	if !ok {
		lo = "30s"
	}
	if dur, err := time.ParseDuration(lo); err == nil && dur > time.Second {
		out = append(out, fmt.Sprintf("-search.latencyOffset is %s: the last %s of every range is hidden; run VictoriaMetrics with -search.latencyOffset=1s.", lo, lo))
	}
	ms, ok := flags["search.maxStepForPointsAdjustment"]
	if !ok {
		ms = "1m"
	}
	if dur, err := time.ParseDuration(ms); err == nil && dur > 0 {
		out = append(out, fmt.Sprintf("-search.maxStepForPointsAdjustment is %s: fresh points of fine-step queries are dropped; run VictoriaMetrics with -search.maxStepForPointsAdjustment=0.", ms))
	}
	return out
}

// parseFlags parses lines such as -search.latencyOffset="1s".
func parseFlags(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "-") {
			continue
		}
		k, v, ok := strings.Cut(line[1:], "=")
		if !ok {
			continue
		}
		out[k] = strings.Trim(v, `"`)
	}
	return out
}

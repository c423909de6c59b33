package plugin

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// irateWindow is the look-behind of per-second rates at step 1 s. irate uses the last two raw
// samples, so 1 s data gives exact per-second values (VictoriaMetrics widens rate(x[1s]) into
// a 5 s average). VictoriaMetrics widens this window per series to a few sample intervals: 15 s
// data outside a job's lifetime has no holes, and 1 s data is carried at most ~4 s past its
// last sample (a 20 s window carried it 20 s).
const irateWindow = "1s"

// fineOffset moves the windows of 1 s points half a second later: the point at second k looks
// at (k-0.5 s, k+0.5 s]. The agent reads right after each second boundary and stamps samples with
// their read time, which is sometimes exactly k.000 and sometimes k.001: with windows ending on
// the boundaries such a sample is in one window or the next by a millisecond, so a second is
// shown twice and the next one never (a burst could vanish). Half a second from either edge,
// read-time jitter below 0.5 s puts the sample read at k into the point at k, always.
const fineOffset = " offset -500ms"

// fineRate is the per-second rate of a counter at step 1 s.
func fineRate(sel string) string {
	return "irate(" + sel + "[" + irateWindow + "]" + fineOffset + ")"
}

// scopeFilters returns the label filters that confine a query to its cluster/job/node/device.
// jobNodes is the resolved node set of the job for node-scoped signals.
func (d *Datasource) scopeFilters(q *parsedQuery, sig *Signal, jobNodes []string) scope {
	filters := []string{q.cluster.filter(d.st.ClusterLabel), q.node.filter("node")}
	switch {
	case q.job.any:
	case sig != nil && sig.Scope == scopeNode:
		filters = append(filters, exactSet(jobNodes).filter("node"))
	default:
		filters = append(filters, q.job.filter("job_name"))
	}
	devLabel := "device"
	if sig != nil && len(sig.DeviceLabels) > 0 {
		devLabel = sig.DeviceLabels[0]
	}
	filters = append(filters, q.device.filter(devLabel))
	return scope(selector(filters...))
}

func (d *Datasource) groupLabels(sig *Signal, groupBy string) []string {
	var ls []string
	switch groupBy {
	case "device":
		ls = append([]string{d.st.ClusterLabel, "job_name", "node"}, sig.DeviceLabels...)
	case "node":
		ls = []string{d.st.ClusterLabel, "job_name", "node"}
	case "pod":
		ls = []string{d.st.ClusterLabel, "job_name", "namespace", "pod"}
	case "job":
		ls = []string{d.st.ClusterLabel, "job_name"}
	}
	for _, k := range sig.KeepLabels {
		if !contains(ls, k) {
			ls = append(ls, k)
		}
	}
	return ls
}

func metricSelector(metrics []string) string {
	if len(metrics) == 1 {
		return metrics[0]
	}
	return `{__name__=~"` + strings.Join(metrics, "|") + `"}`
}

// signalExpr builds the MetricsQL of a signal query at the given step. At 1 s it returns
// per-second values; at coarser steps it returns an envelope of the per-second values so a
// one-second burst keeps its true peak. With envelope band the result carries a rollup label.
//
// With gaps set (every 1 s range and live stream) a fine-step point is only returned while its
// series' newest sample is less than 1.5 sample intervals older than the point's second, i.e.
// lag < 1.5 intervals - 0.5 s at the end of its window (see fineOffset). For 1 s data that is
// 1 s: the sample read at k is 0-0.5 s old there, a missed one at least 1 s; 15 s data is
// carried 22 s, across the 15 s to its next sample plus read jitter. irate
// alone would repeat the last rate into up to ~4 s without samples (VictoriaMetrics widens its
// window to 5 sample intervals); with the filter a missed agent tick is a gap, the next point is
// the rate over the two seconds since the previous sample (irate divides by the samples' real
// distance), and a lagging agent leaves the newest seconds empty.
func (d *Datasource) signalExpr(q *parsedQuery, step time.Duration, gaps bool) string {
	sig := q.signal
	sel := metricSelector(sig.Metrics)
	win := formatStep(step)
	fine := step <= time.Second

	if sig.ID == "job_imbalance" {
		rate := fineRate(sel)
		if !fine {
			rate = "rate(" + sel + "[" + win + "])"
		}
		by := d.st.ClusterLabel + ", job_name"
		perNode := "sum by (" + by + ", node) (" + rate + ")"
		return "max by (" + by + ") (" + perNode + ") / min by (" + by + ") (" + perNode + ")"
	}

	labels := d.groupLabels(sig, q.GroupBy)
	var inner string
	switch {
	case sig.Kind == kindCounter && fine:
		inner = fineRate(sel)
	case sig.Kind == kindCounter:
		want := q.Envelope
		if want == "band" {
			want = "min|max"
		}
		inner = `label_match(rollup_rate(` + sel + "[" + win + `]), "rollup", "` + want + `")`
	case fine:
		inner = sel + fineOffset
	case q.Envelope == "band":
		inner = `label_set(min_over_time(` + sel + "[" + win + `]), "rollup", "min") or label_set(max_over_time(` + sel + "[" + win + `]), "rollup", "max")`
	default:
		inner = q.Envelope + "_over_time(" + sel + "[" + win + "])"
	}
	if q.Envelope == "band" && !fine {
		labels = append(labels, "rollup")
	}
	by := " by (" + strings.Join(labels, ", ") + ")"
	expr := sig.Aggregation + by + " (" + inner + ")"
	if fine && gaps {
		m := sig.Metrics[0] + "[1m]" + fineOffset
		expr = "(" + expr + " and max" + by + " (lag(" + m + ") < 1.5 * scrape_interval(" + m + ") - 0.5))"
	}
	if sig.Scale != 1 {
		expr = "(" + expr + ") * " + strconv.FormatFloat(sig.Scale, 'f', -1, 64)
	}
	return expr
}

// expandMacros replaces Grafana-style interval macros in raw MetricsQL with the chosen step.
func expandMacros(expr string, step, rng time.Duration) string {
	s := formatStep(step)
	r := strings.NewReplacer(
		"$__rate_interval", s, "${__rate_interval}", s,
		"$__interval_ms", strconv.FormatInt(step.Milliseconds(), 10),
		"$__interval", s, "${__interval}", s,
		"$__step", s,
		"$__range", fmt.Sprintf("%ds", int64(rng/time.Second)),
	)
	return r.Replace(expr)
}

package plugin

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The /jobs table's per-job figures: peak throughput and error counters over the range, each
// one VictoriaMetrics query for all jobs of the answer.

// throughputSignals are the signals whose per-second sum is a job's throughput: the job
// dashboard's "Job receive/transmit throughput" (InfiniBand/RDMA ports bound to the job).
var throughputSignals = []string{"job_rx_bits", "job_tx_bits"}

// errorSignals are the drop and error counters that carry job_name while bound to a job's pod.
// Node-level counters (softnet drops, TCP retransmits) are not bound to a job and not counted.
var errorSignals = []string{"nic_drops", "nic_errors", "ib_symbol_errors", "ib_link_downed", "ib_port_errors", "pod_drops"}

// jobKey identifies a job across clusters.
type jobKey struct{ cluster, job string }

// jobSummary is what /jobs adds to a job's first/last seen, nodes and pods.
type jobSummary struct {
	// PeakBitsPerSecond is the highest per-second sum of the job's receive plus transmit bits.
	PeakBitsPerSecond *float64
	// Errors is the total increase of the job's error counters; ErrorsBySignal splits it.
	Errors         *float64
	ErrorsBySignal map[string]float64
}

func signalMetrics(ids []string) (metrics []string, scale float64, bySignal map[string]string) {
	bySignal = map[string]string{}
	scale = 1
	for _, id := range ids {
		s := signalByID[id]
		scale = s.Scale
		for _, m := range s.Metrics {
			if _, dup := bySignal[m]; !dup {
				metrics = append(metrics, m)
			}
			bySignal[m] = id
		}
	}
	return metrics, scale, bySignal
}

// peakStep is the finest step whose subquery over the range stays within VictoriaMetrics'
// -search.maxPointsPerTimeseries.
func peakStep(from, to time.Time, maxPoints int) time.Duration {
	return chooseStep(from, to, int64(maxPoints), 0, maxPoints)
}

// jobPeakExpr is the peak of the sum by job of per-second rx+tx rates. At step 1 s it is exact;
// at coarser steps each series contributes its highest one-second rate within the step (as the
// dashboard's max envelope does), so a burst is never averaged away; the figure can exceed the
// true peak only when the series' peaks within one step fall in different seconds.
func (d *Datasource) jobPeakExpr(filters string, win int64, step time.Duration) string {
	metrics, scale, _ := signalMetrics(throughputSignals)
	sel := `{__name__=~"` + strings.Join(metrics, "|") + `",job_name!=""` + filters + "}"
	by := d.st.ClusterLabel + ", job_name"
	rate := fineRate(sel)
	if step > time.Second {
		rate = `label_match(rollup_rate(` + sel + "[" + formatStep(step) + `]), "rollup", "max")`
	}
	return fmt.Sprintf("max_over_time((sum by (%s) (%s))[%ds:%s]) * %s", by, rate, win, formatStep(step), strconv.FormatFloat(scale, 'f', -1, 64))
}

// jobErrorsExpr is, per job and counter, the increase of the counter from its first sample in
// the range (series bound to a job start when the binding starts, usually at a non-zero value:
// increase() would count that value when it is small, increase_pure() minus the first value
// does not; counter resets are handled). The metric name is kept in label hifreq_metric.
func (d *Datasource) jobErrorsExpr(filters string, win int64) string {
	metrics, _, _ := signalMetrics(errorSignals)
	sel := `{__name__=~"` + strings.Join(metrics, "|") + `",job_name!=""` + filters + "}"
	keep := func(f string) string {
		return fmt.Sprintf(`label_copy(%s(%s[%ds]) keep_metric_names, "__name__", "hifreq_metric")`, f, sel, win)
	}
	return fmt.Sprintf("sum by (%s, job_name, hifreq_metric) (%s - %s)", d.st.ClusterLabel, keep("increase_pure"), keep("first_over_time"))
}

// jobSummaries runs the peak and error queries for the jobs matching filters (a ",a=\"b\"..."
// suffix of label filters) in [from, to].
func (d *Datasource) jobSummaries(ctx context.Context, filters string, from, to time.Time) (map[jobKey]*jobSummary, error) {
	cl := d.st.ClusterLabel
	win := int64(math.Ceil(to.Sub(from).Seconds()))
	step := peakStep(from, to, d.st.MaxPointsPerSeries)
	out := map[jobKey]*jobSummary{}
	get := func(ls map[string]string) *jobSummary {
		k := jobKey{ls[cl], ls["job_name"]}
		if out[k] == nil {
			out[k] = &jobSummary{}
		}
		return out[k]
	}
	peaks, err := d.vm.queryInstant(ctx, d.jobPeakExpr(filters, win, step), "", to)
	if err != nil {
		return nil, fmt.Errorf("peak throughput of the jobs: %w", err)
	}
	for _, s := range peaks {
		if len(s.Values) > 0 && !math.IsNaN(s.Values[0]) {
			v := s.Values[0]
			get(s.Labels).PeakBitsPerSecond = &v
		}
	}
	errs, err := d.vm.queryInstant(ctx, d.jobErrorsExpr(filters, win), "", to)
	if err != nil {
		return nil, fmt.Errorf("error counters of the jobs: %w", err)
	}
	_, _, signalOf := signalMetrics(errorSignals)
	for _, s := range errs {
		if len(s.Values) == 0 || math.IsNaN(s.Values[0]) {
			continue
		}
		j := get(s.Labels)
		if j.Errors == nil {
			j.Errors, j.ErrorsBySignal = new(float64), map[string]float64{}
		}
		v := math.Max(0, s.Values[0])
		*j.Errors += v
		j.ErrorsBySignal[signalOf[s.Labels["hifreq_metric"]]] += v
	}
	return out, nil
}

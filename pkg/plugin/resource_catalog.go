package plugin

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"time"
)

// clusterInfo is one entry of /clusters.
type clusterInfo struct {
	Name     string    `json:"name"`
	LastSeen time.Time `json:"lastSeen"`
}

const (
	// agentMarkerMetric is cheap to scan (one 15 s series per agent); the network marker
	// covers clusters whose agents do not push their own metrics.
	agentMarkerMetric   = "hifreq_agent_build_info"
	networkMarkerMetric = "node_network_receive_bytes_total|node_infiniband_port_data_received_bytes_total"
)

// handleClusters lists the clusters that sent data in the range with the time of their last
// sample, so a cluster that went offline is still listed with its history.
func (d *Datasource) handleClusters(w http.ResponseWriter, r *http.Request) {
	from, to, err := timeRange(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cl := d.st.ClusterLabel
	win := int64(math.Ceil(to.Sub(from).Seconds()))
	lastSeen := map[string]time.Time{}
	collect := func(ss []series) {
		for _, s := range ss {
			if c := s.Labels[cl]; c != "" && len(s.Values) > 0 {
				lastSeen[c] = time.UnixMilli(int64(math.Round(s.Values[0] * 1000))).UTC()
			}
		}
	}
	ss, err := d.vm.queryInstant(r.Context(), fmt.Sprintf(`max by (%s) (tlast_over_time(%s[%ds]))`, cl, agentMarkerMetric, win), "", to)
	if err != nil {
		writeVMError(w, err)
		return
	}
	collect(ss)
	names, err := d.vm.labelValues(r.Context(), cl, `{__name__=~"`+networkMarkerMetric+`"}`, from, to)
	if err != nil {
		writeVMError(w, err)
		return
	}
	var missing []string
	for _, n := range names {
		if _, ok := lastSeen[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		sel := `{__name__=~"` + networkMarkerMetric + `",` + exactSet(missing).filter(cl) + "}"
		ss, err := d.vm.queryInstant(r.Context(), fmt.Sprintf(`max by (%s) (tlast_over_time(%s[%ds]))`, cl, sel, win), "", to)
		if err != nil {
			writeVMError(w, err)
			return
		}
		collect(ss)
	}
	out := make([]clusterInfo, 0, len(lastSeen))
	for n, t := range lastSeen {
		out = append(out, clusterInfo{Name: n, LastSeen: t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, map[string]any{"clusters": out})
}

// jobInfo is one entry of /jobs.
type jobInfo struct {
	Name    string    `json:"name"`
	Cluster string    `json:"cluster"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Nodes   []string  `json:"nodes"`
	Pods    []string  `json:"pods"`
	// PeakBitsPerSecond: highest per-second receive+transmit bits of the job's bound
	// InfiniBand/RDMA ports summed (null without such series); PeakStepSeconds its resolution.
	PeakBitsPerSecond *float64 `json:"peakBitsPerSecond"`
	PeakStepSeconds   float64  `json:"peakStepSeconds"`
	// Errors: increase of the job's drop/error counters in the range (null without such
	// series), split by signal id in ErrorsBySignal.
	Errors         *float64           `json:"errors"`
	ErrorsBySignal map[string]float64 `json:"errorsBySignal"`
}

// handleJobs lists the jobs of a cluster in the range: first and last one-second sample,
// nodes and pods (namespace/pod), peak throughput and error counters (resource_jobsummary.go).
func (d *Datasource) handleJobs(w http.ResponseWriter, r *http.Request) {
	q, from, to, ok := resourceArgs(w, r)
	if !ok {
		return
	}
	cl := d.st.ClusterLabel
	filters := commaFilter(q.cluster.filter(cl)) + commaFilter(q.job.filter("job_name"))
	sel := `{__name__=~"` + jobMarkerMetric + `",job_name!=""` + filters + "}"
	labels, err := d.vm.seriesLabels(r.Context(), sel, from, to)
	if err != nil {
		writeVMError(w, err)
		return
	}
	type key struct{ cluster, job string }
	jobs := map[key]*jobInfo{}
	nodes := map[key]map[string]bool{}
	pods := map[key]map[string]bool{}
	for _, ls := range labels {
		k := key{ls[cl], ls["job_name"]}
		if jobs[k] == nil {
			jobs[k] = &jobInfo{Name: k.job, Cluster: k.cluster}
			nodes[k], pods[k] = map[string]bool{}, map[string]bool{}
		}
		if ls["node"] != "" {
			nodes[k][ls["node"]] = true
		}
		if ls["pod"] != "" {
			pods[k][ls["namespace"]+"/"+ls["pod"]] = true
		}
	}
	if len(jobs) > 0 {
		win := int64(math.Ceil(to.Sub(from).Seconds()))
		by := cl + ", job_name"
		first, err := d.vm.queryInstant(r.Context(), fmt.Sprintf("min by (%s) (tfirst_over_time(%s[%ds]))", by, sel, win), "", to)
		if err != nil {
			writeVMError(w, err)
			return
		}
		last, err := d.vm.queryInstant(r.Context(), fmt.Sprintf("max by (%s) (tlast_over_time(%s[%ds]))", by, sel, win), "", to)
		if err != nil {
			writeVMError(w, err)
			return
		}
		for _, s := range first {
			if j := jobs[key{s.Labels[cl], s.Labels["job_name"]}]; j != nil && len(s.Values) > 0 {
				j.Start = time.UnixMilli(int64(math.Round(s.Values[0] * 1000))).UTC()
			}
		}
		for _, s := range last {
			if j := jobs[key{s.Labels[cl], s.Labels["job_name"]}]; j != nil && len(s.Values) > 0 {
				j.End = time.UnixMilli(int64(math.Round(s.Values[0] * 1000))).UTC()
			}
		}
		sums, err := d.jobSummaries(r.Context(), filters, from, to)
		if err != nil {
			writeError(w, http.StatusBadGateway, err.Error())
			return
		}
		step := peakStep(from, to, d.st.MaxPointsPerSeries).Seconds()
		for _, j := range jobs {
			j.PeakStepSeconds = step
		}
		for k, sum := range sums {
			if j := jobs[key{k.cluster, k.job}]; j != nil {
				j.PeakBitsPerSecond = sum.PeakBitsPerSecond
				j.Errors, j.ErrorsBySignal = sum.Errors, sum.ErrorsBySignal
			}
		}
	}
	out := make([]jobInfo, 0, len(jobs))
	for k, j := range jobs {
		if j.Start.IsZero() {
			continue // the series index is per day: no sample of this job in the range itself
		}
		j.Nodes, j.Pods = sortedKeys(nodes[k]), sortedKeys(pods[k])
		out = append(out, *j)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Cluster != out[j].Cluster {
			return out[i].Cluster < out[j].Cluster
		}
		return out[i].Name < out[j].Name
	})
	writeJSON(w, map[string]any{"jobs": out})
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

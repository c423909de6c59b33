package plugin

import (
	"net/http"
	"sort"
	"strings"
)

type topoDevice struct {
	Device string   `json:"device"`
	Port   string   `json:"port,omitempty"`
	Kind   string   `json:"kind"` // ib | nic
	Pods   []string `json:"pods"`
}

type topoPod struct {
	Namespace  string   `json:"namespace"`
	Pod        string   `json:"pod"`
	Interfaces []string `json:"interfaces"`
}

type topoNode struct {
	Node    string       `json:"node"`
	Devices []topoDevice `json:"devices"`
	Pods    []topoPod    `json:"pods"`
}

// handleTopology answers a job's node → devices → pods tree in the range.
func (d *Datasource) handleTopology(w http.ResponseWriter, r *http.Request) {
	q, from, to, ok := resourceArgs(w, r)
	if !ok {
		return
	}
	if q.job.any {
		writeError(w, http.StatusBadRequest, "topology needs a job: add job=<job name> (and cluster=<cluster>)")
		return
	}
	sel := `{__name__=~"` + jobMarkerMetric + `"` + commaFilter(q.cluster.filter(d.st.ClusterLabel)) + commaFilter(q.job.filter("job_name")) + "}"
	labels, err := d.vm.seriesLabels(r.Context(), sel, from, to)
	if err != nil {
		writeVMError(w, err)
		return
	}
	type devKey struct{ node, kind, dev, port string }
	type podKey struct{ node, ns, pod string }
	devPods := map[devKey]map[string]bool{}
	podIfs := map[podKey]map[string]bool{}
	nodes := map[string]bool{}
	for _, ls := range labels {
		node := ls["node"]
		nodes[node] = true
		podRef := ls["namespace"] + "/" + ls["pod"]
		switch {
		case strings.HasPrefix(ls["__name__"], "container_"):
			k := podKey{node, ls["namespace"], ls["pod"]}
			if podIfs[k] == nil {
				podIfs[k] = map[string]bool{}
			}
			if ls["interface"] != "" {
				podIfs[k][ls["interface"]] = true
			}
		default:
			kind := "nic"
			if strings.HasPrefix(ls["__name__"], "node_infiniband_") {
				kind = "ib"
			}
			k := devKey{node, kind, ls["device"], ls["port"]}
			if devPods[k] == nil {
				devPods[k] = map[string]bool{}
			}
			if ls["pod"] != "" {
				devPods[k][podRef] = true
				pk := podKey{node, ls["namespace"], ls["pod"]}
				if podIfs[pk] == nil {
					podIfs[pk] = map[string]bool{}
				}
			}
		}
	}
	byNode := map[string]*topoNode{}
	for n := range nodes {
		byNode[n] = &topoNode{Node: n, Devices: []topoDevice{}, Pods: []topoPod{}}
	}
	for k, pods := range devPods {
		byNode[k.node].Devices = append(byNode[k.node].Devices, topoDevice{Device: k.dev, Port: k.port, Kind: k.kind, Pods: sortedKeys(pods)})
	}
	for k, ifs := range podIfs {
		byNode[k.node].Pods = append(byNode[k.node].Pods, topoPod{Namespace: k.ns, Pod: k.pod, Interfaces: sortedKeys(ifs)})
	}
	out := make([]topoNode, 0, len(byNode))
	for _, n := range byNode {
		sort.Slice(n.Devices, func(i, j int) bool {
			a, b := n.Devices[i], n.Devices[j]
			return a.Kind+"/"+a.Device+"/"+a.Port < b.Kind+"/"+b.Device+"/"+b.Port
		})
		sort.Slice(n.Pods, func(i, j int) bool {
			return n.Pods[i].Namespace+"/"+n.Pods[i].Pod < n.Pods[j].Namespace+"/"+n.Pods[j].Pod
		})
		out = append(out, *n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	writeJSON(w, map[string]any{"cluster": q.Cluster, "job": q.Job, "nodes": out})
}

// handleValues serves dashboard variables: /values?variable=cluster|job|node|device with the
// other variables' current values as filters, over the dashboard range.
func (d *Datasource) handleValues(w http.ResponseWriter, r *http.Request) {
	q, from, to, ok := resourceArgs(w, r)
	if !ok {
		return
	}
	vals, err := d.variableValues(r.Context(), r.URL.Query().Get("variable"), q, from, to)
	if err != nil {
		if _, ok := err.(*inputError); ok {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeVMError(w, err)
		return
	}
	writeJSON(w, map[string]any{"values": vals})
}

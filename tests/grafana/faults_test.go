package grafanae2e

import (
	"time"

	"github.com/hifreq/netmon/tests/grafana/harness"
)

// The alert tests write 11 minutes of 1 s data for several clusters: "healthy", where every rule
// must stay Normal, and one cluster per injected fault, where the rule for that fault must reach
// Alerting.

const faultWindow = 660 // seconds of data: rules look back up to 600 s (throughput baseline)

// nodeRates are the per-second increases of one node's counters (bytes, packets, events).
type nodeRates struct {
	nicRx, nicTx, nicRxDrop, nicTxDrop  func(i int) float64
	ibRx, ibTx, ibWait                  func(i int) float64
	ibLinkDowned, ibSymbolErr, ibRcvErr func(i int) float64
	softnetDropped, tcpRetrans          func(i int) float64
	ibState, queueBytes                 func(i int) float64 // gauges
	// silentFor ends every series of the node this many seconds before the window's end.
	silentFor int
}

func healthyRates() nodeRates {
	return nodeRates{
		nicRx: constant(50e6), nicTx: constant(50e6), nicRxDrop: constant(0), nicTxDrop: constant(0),
		ibRx: constant(200e6), ibTx: constant(200e6), ibWait: constant(0),
		ibLinkDowned: constant(0), ibSymbolErr: constant(0), ibRcvErr: constant(0),
		softnetDropped: constant(0), tcpRetrans: constant(1),
		ibState: constant(4), queueBytes: constant(0),
	}
}

// lastSeconds returns x during the last k seconds of the window and base before.
func lastSeconds(k int, x, base float64) func(int) float64 {
	return func(i int) float64 {
		if i >= faultWindow-k {
			return x
		}
		return base
	}
}

// at returns x at second i0 only.
func at(i0 int, x float64) func(int) float64 {
	return func(i int) float64 {
		if i == i0 {
			return x
		}
		return 0
	}
}

// nodeSeries is what the agent writes for one node running one high-frequency pod of job that is
// bound to eth0 and mlx5_0 port 1.
func nodeSeries(cluster, node, job string, r nodeRates, end time.Time) []harness.Series {
	n := faultWindow - r.silentFor
	last := end.Add(-time.Duration(r.silentFor) * time.Second)
	nodeL := func(name string, kv ...string) map[string]string {
		return with(labels(name, "cluster", cluster, "node", node), kv...)
	}
	pod := []string{"namespace", "train", "pod", job + "-" + node, "job_name", job}
	nic := func(name string) map[string]string { return nodeL(name, append([]string{"device", "eth0"}, pod...)...) }
	ib := func(name string) map[string]string {
		return nodeL(name, append([]string{"device", "mlx5_0", "port", "1"}, pod...)...)
	}
	return []harness.Series{
		counter(nic("node_network_receive_bytes_total"), last, n, r.nicRx),
		counter(nic("node_network_transmit_bytes_total"), last, n, r.nicTx),
		counter(nic("node_network_receive_drop_total"), last, n, r.nicRxDrop),
		counter(nic("node_network_transmit_drop_total"), last, n, r.nicTxDrop),
		counter(ib("node_infiniband_port_data_received_bytes_total"), last, n, r.ibRx),
		counter(ib("node_infiniband_port_data_transmitted_bytes_total"), last, n, r.ibTx),
		counter(ib("node_infiniband_port_transmit_wait_total"), last, n, r.ibWait),
		counter(ib("node_infiniband_link_downed_total"), last, n, r.ibLinkDowned),
		counter(ib("node_infiniband_symbol_error_total"), last, n, r.ibSymbolErr),
		counter(ib("node_infiniband_port_errors_received_total"), last, n, r.ibRcvErr),
		gauge(ib("node_infiniband_state_id"), last, n, r.ibState),
		counter(nodeL("node_softnet_dropped_total", "cpu", "0"), last, n, r.softnetDropped),
		counter(nodeL("node_softnet_processed_total", "cpu", "0"), last, n, constant(1000)),
		counter(nodeL("node_netstat_Tcp_RetransSegs"), last, n, r.tcpRetrans),
		gauge(nodeL("hifreq_agent_remote_write_queue_bytes"), last, n, r.queueBytes),
	}
}

// faultScenario injects one fault into its own cluster.
type faultScenario struct {
	cluster string
	// nodes maps node name to its rates.
	nodes map[string]nodeRates
	// alerting are the labels the rule's Alerting instance must carry.
	alerting map[string]string
}

func modified(f func(*nodeRates)) nodeRates {
	r := healthyRates()
	f(&r)
	return r
}

// faultScenarios maps each provisioned rule's hifreq_template label to the fault that must fire it.
func faultScenarios() map[string]faultScenario {
	one := func(cluster string, f func(*nodeRates)) faultScenario {
		return faultScenario{cluster: cluster, nodes: map[string]nodeRates{"n1": modified(f)},
			alerting: map[string]string{"cluster": cluster}}
	}
	silent := faultScenario{cluster: "fault-silent", nodes: map[string]nodeRates{
		"n1": modified(func(r *nodeRates) { r.silentFor = 180 }),
	}, alerting: map[string]string{"cluster": "fault-silent"}}
	return map[string]faultScenario{
		// A link went down once, 20 s before the end.
		"ib-link-flap": one("fault-link-flap", func(r *nodeRates) { r.ibLinkDowned = at(faultWindow-20, 1) }),
		// Five symbol errors in one second.
		"ib-errors": one("fault-ib-errors", func(r *nodeRates) { r.ibSymbolErr = at(faultWindow-20, 5) }),
		// For the last minute the port waits 100e6 ticks a second while sending 100e6 B/s.
		"ib-congestion": one("fault-congestion", func(r *nodeRates) {
			r.ibWait = lastSeconds(60, 100e6, 0)
			r.ibTx = constant(100e6)
		}),
		// 10 received packets dropped every second for the last 30 s.
		"nic-drops": one("fault-nic-drops", func(r *nodeRates) { r.nicRxDrop = lastSeconds(30, 10, 0) }),
		// The kernel drops 10 packets a second in softnet for the last 30 s.
		"softnet-drops": one("fault-softnet", func(r *nodeRates) { r.softnetDropped = lastSeconds(30, 10, 0) }),
		// 500 TCP retransmits a second.
		"tcp-retrans": one("fault-retrans", func(r *nodeRates) { r.tcpRetrans = constant(500) }),
		// The job sent 250 MB/s for 10 minutes, then nothing for the last minute.
		"job-throughput-collapse": one("fault-collapse", func(r *nodeRates) {
			r.ibTx = lastSeconds(60, 0, 200e6)
			r.nicTx = lastSeconds(60, 0, 50e6)
		}),
		// One node of the job sends 250 MB/s, the other 10 MB/s.
		"job-imbalance": {cluster: "fault-imbalance", nodes: map[string]nodeRates{
			"n1": healthyRates(),
			"n2": modified(func(r *nodeRates) { r.ibTx = constant(10e6); r.nicTx = constant(0) }),
		}, alerting: map[string]string{"cluster": "fault-imbalance", "node": "n2"}},
		// The agent of the only node stopped writing 3 minutes ago.
		"agent-silent":   silent,
		"cluster-silent": silent,
		// The agent's remote-write queue grows by 150 kB a second (the receiver is down).
		"agent-queue-growing": one("fault-queue", func(r *nodeRates) {
			r.queueBytes = func(i int) float64 { return float64(i) * 150e3 }
		}),
	}
}

// faultData is the healthy cluster (two nodes) and every scenario's cluster.
func faultData(end time.Time) []harness.Series {
	var out []harness.Series
	for _, node := range []string{"n1", "n2"} {
		out = append(out, nodeSeries("healthy", node, "healthy-job", healthyRates(), end)...)
	}
	seen := map[string]bool{}
	for _, s := range faultScenarios() {
		if seen[s.cluster] {
			continue
		}
		seen[s.cluster] = true
		for node, r := range s.nodes {
			out = append(out, nodeSeries(s.cluster, node, s.cluster+"-job", r, end)...)
		}
	}
	return out
}

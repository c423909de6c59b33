package plugin

// Signal is one entry of the catalog served at the /signals resource. Ids are stable:
// dashboards, alert rules and the frontend refer to them.
type Signal struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Category    string `json:"category"` // nic | ib | tcp | softnet | pod | job
	Description string `json:"description"`
	// Unit is a Grafana unit id.
	Unit string `json:"unit"`
	// Kind is counter (shown as a per-second rate) or gauge.
	Kind    string   `json:"kind"`
	Metrics []string `json:"metrics"`
	// Scale multiplies the rate or value, e.g. 8 to turn bytes into bits.
	Scale float64 `json:"scale"`
	// DeviceLabels identify one series of the signal on a node (device, port, interface, cpu...);
	// the query model's device field filters the first of them.
	DeviceLabels []string `json:"deviceLabels"`
	// KeepLabels stay in the result whatever the grouping (e.g. the TCP state).
	KeepLabels []string `json:"keepLabels"`
	// Scope tells how a job filter applies: "device" series carry job_name while bound to a job's pod;
	// "node" series do not, so the job selects the nodes it ran on.
	Scope          string   `json:"scope"`
	DefaultGroupBy string   `json:"defaultGroupBy"`
	GroupBys       []string `json:"groupBys"`
	// Aggregation combines series into a group: sum, max or min.
	Aggregation string `json:"aggregation"`
	// Envelope tells whether coarse steps return max/min/avg/band envelopes of one-second values.
	Envelope bool `json:"envelope"`
}

const (
	kindCounter = "counter"
	kindGauge   = "gauge"
	scopeDevice = "device"
	scopeNode   = "node"
)

var (
	allGroupBys     = []string{"device", "node", "pod", "job"}
	nodeGroupBys    = []string{"device", "node", "job"}
	jobGroupBys     = []string{"job", "node"}
	ibDevice        = []string{"device", "port"}
	nicDevice       = []string{"device"}
	podDevice       = []string{"interface"}
	cpuDevice       = []string{"cpu"}
	stateDevice     = []string{"state"}
	ibRecvBytes     = "node_infiniband_port_data_received_bytes_total"
	ibXmitBytes     = "node_infiniband_port_data_transmitted_bytes_total"
	jobMarkerMetric = "node_infiniband_port_data_received_bytes_total|node_network_receive_bytes_total|container_network_receive_bytes_total"
)

func counter(id, cat, title, desc, unit string, scale float64, dev []string, scope, group string, groups []string, metrics ...string) Signal {
	return Signal{ID: id, Title: title, Category: cat, Description: desc, Unit: unit, Kind: kindCounter, Metrics: metrics,
		Scale: scale, DeviceLabels: dev, KeepLabels: []string{}, Scope: scope, DefaultGroupBy: group, GroupBys: groups,
		Aggregation: "sum", Envelope: true}
}

func gauge(id, cat, title, desc, unit, agg string, scale float64, dev []string, scope, group string, groups []string, metrics ...string) Signal {
	return Signal{ID: id, Title: title, Category: cat, Description: desc, Unit: unit, Kind: kindGauge, Metrics: metrics,
		Scale: scale, DeviceLabels: dev, KeepLabels: []string{}, Scope: scope, DefaultGroupBy: group, GroupBys: groups,
		Aggregation: agg, Envelope: true}
}

var signals = func() []Signal {
	s := []Signal{
		counter("nic_rx_bits", "nic", "NIC receive throughput", "Bits per second received by network interfaces.", "bps", 8, nicDevice, scopeDevice, "device", allGroupBys, "node_network_receive_bytes_total"),
		counter("nic_tx_bits", "nic", "NIC transmit throughput", "Bits per second transmitted by network interfaces.", "bps", 8, nicDevice, scopeDevice, "device", allGroupBys, "node_network_transmit_bytes_total"),
		counter("nic_rx_packets", "nic", "NIC receive packets", "Packets per second received by network interfaces.", "pps", 1, nicDevice, scopeDevice, "device", allGroupBys, "node_network_receive_packets_total"),
		counter("nic_tx_packets", "nic", "NIC transmit packets", "Packets per second transmitted by network interfaces.", "pps", 1, nicDevice, scopeDevice, "device", allGroupBys, "node_network_transmit_packets_total"),
		counter("nic_drops", "nic", "NIC drops", "Packets per second dropped on receive plus transmit.", "pps", 1, nicDevice, scopeDevice, "device", allGroupBys, "node_network_receive_drop_total", "node_network_transmit_drop_total"),
		counter("nic_errors", "nic", "NIC errors", "Errors per second on receive plus transmit.", "pps", 1, nicDevice, scopeDevice, "device", allGroupBys, "node_network_receive_errs_total", "node_network_transmit_errs_total"),

		counter("ib_rx_bits", "ib", "InfiniBand receive throughput", "Bits per second received by InfiniBand/RDMA ports.", "bps", 8, ibDevice, scopeDevice, "device", allGroupBys, ibRecvBytes),
		counter("ib_tx_bits", "ib", "InfiniBand transmit throughput", "Bits per second transmitted by InfiniBand/RDMA ports.", "bps", 8, ibDevice, scopeDevice, "device", allGroupBys, ibXmitBytes),
		counter("ib_rx_packets", "ib", "InfiniBand receive packets", "Packets per second received by InfiniBand/RDMA ports.", "pps", 1, ibDevice, scopeDevice, "device", allGroupBys, "node_infiniband_port_packets_received_total"),
		counter("ib_tx_packets", "ib", "InfiniBand transmit packets", "Packets per second transmitted by InfiniBand/RDMA ports.", "pps", 1, ibDevice, scopeDevice, "device", allGroupBys, "node_infiniband_port_packets_transmitted_total"),
		counter("ib_xmit_wait", "ib", "InfiniBand transmit wait (congestion)", "Ticks per second a port had data to send but no credits: congestion.", "short", 1, ibDevice, scopeDevice, "device", allGroupBys, "node_infiniband_port_transmit_wait_total"),
		counter("ib_symbol_errors", "ib", "InfiniBand symbol errors", "Symbol errors per second: a bad cable or transceiver.", "short", 1, ibDevice, scopeDevice, "device", allGroupBys, "node_infiniband_symbol_error_total"),
		counter("ib_link_downed", "ib", "InfiniBand link downed", "Link-down events per second: a flapping link.", "short", 1, ibDevice, scopeDevice, "device", allGroupBys, "node_infiniband_link_downed_total"),
		counter("ib_port_errors", "ib", "InfiniBand port receive errors", "Received packets with errors per second.", "pps", 1, ibDevice, scopeDevice, "device", allGroupBys, "node_infiniband_port_errors_received_total"),
		gauge("ib_state", "ib", "InfiniBand port state", "Port state id (4 = ACTIVE); the lowest across a group, so a down port shows.", "short", "min", 1, ibDevice, scopeDevice, "device", allGroupBys, "node_infiniband_state_id"),
		gauge("ib_rate", "ib", "InfiniBand link rate", "Link speed in bits per second (summed across a group).", "bps", "sum", 8, ibDevice, scopeDevice, "device", allGroupBys, "node_infiniband_rate_bytes_per_second"),

		gauge("tcp_states", "tcp", "TCP connection states", "TCP connections per state.", "short", "sum", 1, stateDevice, scopeNode, "node", nodeGroupBys, "node_tcp_connection_states"),
		counter("tcp_retrans", "tcp", "TCP retransmits", "TCP segments retransmitted per second.", "short", 1, []string{}, scopeNode, "node", []string{"node", "job"}, "node_netstat_Tcp_RetransSegs"),
		counter("softnet_drops", "softnet", "Softnet drops", "Packets per second dropped because a CPU's backlog was full.", "pps", 1, cpuDevice, scopeNode, "node", nodeGroupBys, "node_softnet_dropped_total"),
		counter("softnet_squeezes", "softnet", "Softnet squeezes", "Times per second the NAPI budget ran out with work left.", "short", 1, cpuDevice, scopeNode, "node", nodeGroupBys, "node_softnet_times_squeezed_total"),
		gauge("softnet_backlog", "softnet", "Softnet backlog", "Packets waiting in the per-CPU backlog (summed across a group).", "short", "sum", 1, cpuDevice, scopeNode, "node", nodeGroupBys, "node_softnet_backlog_len"),

		counter("pod_rx_bits", "pod", "Pod receive throughput", "Bits per second received by the pods' own interfaces.", "bps", 8, podDevice, scopeDevice, "pod", allGroupBys, "container_network_receive_bytes_total"),
		counter("pod_tx_bits", "pod", "Pod transmit throughput", "Bits per second transmitted by the pods' own interfaces.", "bps", 8, podDevice, scopeDevice, "pod", allGroupBys, "container_network_transmit_bytes_total"),
		counter("pod_drops", "pod", "Pod drops", "Packets per second dropped on the pods' own interfaces (receive plus transmit).", "pps", 1, podDevice, scopeDevice, "pod", allGroupBys, "container_network_receive_packets_dropped_total", "container_network_transmit_packets_dropped_total"),

		counter("job_rx_bits", "job", "Job receive throughput", "Total InfiniBand/RDMA bits per second received by the job's bound ports.", "bps", 8, ibDevice, scopeDevice, "job", jobGroupBys, ibRecvBytes),
		counter("job_tx_bits", "job", "Job transmit throughput", "Total InfiniBand/RDMA bits per second transmitted by the job's bound ports.", "bps", 8, ibDevice, scopeDevice, "job", jobGroupBys, ibXmitBytes),
	}
	for i := range s {
		if s[i].ID == "tcp_states" {
			s[i].KeepLabels = []string{"state"} // a connection count means nothing without its state
		}
	}
	imb := counter("job_imbalance", "job", "Job per-node imbalance", "Busiest node's InfiniBand/RDMA throughput (rx+tx) divided by the quietest node's, across the job's nodes; 1 is perfectly balanced. Coarse steps compare averages.", "short", 1, ibDevice, scopeDevice, "job", []string{"job"}, ibRecvBytes, ibXmitBytes)
	imb.Envelope = false
	s = append(s, imb)
	return s
}()

var signalByID = func() map[string]*Signal {
	m := make(map[string]*Signal, len(signals))
	for i := range signals {
		m[signals[i].ID] = &signals[i]
	}
	return m
}()

func signalIDs() []string {
	ids := make([]string, len(signals))
	for i, s := range signals {
		ids[i] = s.ID
	}
	return ids
}

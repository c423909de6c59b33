// The ONE catalog of HiFreq alert templates. The provisioning file (scripts/gen-alert-rules.ts),
// the app's Alerts page and the tests all render from here.
//
// Every condition is MetricsQL over the metric names of DESIGN.md §3, evaluated by the backend as
// a range query over the rule's relative time range at a 1 s step; Grafana then reduces each
// series over that window (max, or min for "falls below" templates) and compares it with the
// threshold. A short event inside the window therefore fires even if it is over by evaluation time.

import { matcher, perSecond, quote, seconds, selector } from './metricsql';
import type { AlertTemplate, ParamValues, Scope, TemplateParam } from './types';

const IB_TX = 'node_infiniband_port_data_transmitted_bytes_total';
const IB_RX = 'node_infiniband_port_data_received_bytes_total';
const NIC_TX = 'node_network_transmit_bytes_total';
const NIC_RX = 'node_network_receive_bytes_total';
const POD_RX = 'container_network_receive_bytes_total';
const QUEUE_BYTES = 'hifreq_agent_remote_write_queue_bytes';

/** Labels an IB port alert carries. */
const PORT_DIMS = ['cluster', 'job_name', 'node', 'device', 'port'];

function param(
  name: string,
  label: string,
  unit: string,
  def: number,
  min: number,
  max: number,
  integer: boolean,
  description: string
): TemplateParam {
  return { name, label, unit, default: def, min, max, integer, description };
}

const minDropsParam = param(
  'minDropsPerSecond',
  'Drops per second',
  'packets/s',
  0,
  0,
  1e9,
  false,
  'Fires when drops per second exceed this in every one of those seconds.'
);

const windowParam = (def: number, what: string) =>
  param(
    'window',
    'Window',
    's',
    def,
    5,
    3600,
    true,
    `${what} Must be at least 5 s: VictoriaMetrics widens shorter rate windows on 1 s data.`
  );

function jobSel(s: Scope): string[] {
  return [matcher('cluster', s.cluster), matcher('job_name', s.job)];
}

function clusterSel(s: Scope): string[] {
  return [matcher('cluster', s.cluster)];
}

/**
 * One series per (cluster, node, job_name) for every node a job's pods are bound on. Node-level
 * metrics (softnet, TCP) carry no job_name, so they are joined to this to alert per job.
 */
function jobNodes(s: Scope): string {
  return `group by (cluster,node,job_name) (${selector([IB_RX, NIC_RX, POD_RX], jobSel(s))})`;
}

/** Per-job (or per-node with `by` including node) transmitted bytes/s over a window, IB and bound NICs. */
function jobThroughput(s: Scope, by: string, window: number): string {
  const w = seconds(window);
  return `sum by (${by}) (rate(${selector(IB_TX, jobSel(s))}[${w}]) or rate(${selector(NIC_TX, jobSel(s))}[${w}]))`;
}

const jobLink =
  'Job dashboard: /d/hifreq-job-network?var-cluster={{ urlquery $labels.cluster }}&var-job={{ urlquery $labels.job_name }}';
const clusterLink = 'Dashboard: /d/hifreq-job-network?var-cluster={{ urlquery $labels.cluster }}';

export const TEMPLATES: readonly AlertTemplate[] = [
  {
    id: 'ib-link-flap',
    title: 'IB link down or flapping',
    help: 'An InfiniBand port bound to a job went down (link_downed increased) or is not ACTIVE. One flap of a second stalls every collective of the job.',
    scope: 'job',
    severity: 'critical',
    dimensions: PORT_DIMS,
    params: [
      param(
        'maxDowns',
        'Link-down events per minute',
        'count',
        0,
        0,
        1000,
        true,
        'Fires when the port went down more often than this within a minute, or is not ACTIVE.'
      ),
    ],
    condition: (_p, s) => ({
      expr: `increase(${selector('node_infiniband_link_downed_total', jobSel(s))}[1m]) + (${selector('node_infiniband_state_id', jobSel(s))} != bool 4)`,
      modelJob: s.job,
    }),
    reducer: 'max',
    threshold: (p) => ({ type: 'gt', value: p.maxDowns }),
    noDataState: 'OK',
    execErrState: 'Error',
    summary:
      'IB link {{ $labels.device }} port {{ $labels.port }} on {{ $labels.node }} went down or is not ACTIVE (job {{ $labels.job_name }}, cluster {{ $labels.cluster }})',
    description: (p) =>
      `Link-down events in a minute plus 1 while the port is not ACTIVE: {{ $values.B.Value }} (fires above ${p.maxDowns}). ${jobLink}`,
    runbook:
      'Check the port with `ibstat <device>` / `ibportstate` on the node; look at the cable, transceiver and the switch port (switch logs, `ibdiagnet`). A port that flaps repeatedly should be drained: cordon the node and reschedule the job.',
  },
  {
    id: 'ib-errors',
    title: 'IB symbol or port errors increasing',
    help: 'Symbol errors or received port errors of an InfiniBand port bound to a job increase: a degrading link that will cause retransmits and stalls.',
    scope: 'job',
    severity: 'warning',
    dimensions: PORT_DIMS,
    params: [
      param(
        'maxErrors',
        'Errors per minute',
        'count',
        0,
        0,
        1e9,
        true,
        'Fires when symbol errors plus port receive errors in a minute exceed this.'
      ),
    ],
    condition: (_p, s) => ({
      expr: `sum by (cluster,job_name,node,device,port) (increase(${selector(['node_infiniband_symbol_error_total', 'node_infiniband_port_errors_received_total'], jobSel(s))}[1m]))`,
      modelJob: s.job,
    }),
    reducer: 'max',
    threshold: (p) => ({ type: 'gt', value: p.maxErrors }),
    noDataState: 'OK',
    execErrState: 'Error',
    summary:
      'IB errors on {{ $labels.device }} port {{ $labels.port }} of {{ $labels.node }} (job {{ $labels.job_name }}, cluster {{ $labels.cluster }})',
    description: (p) =>
      `{{ $values.B.Value }} symbol/port receive errors within a minute (fires above ${p.maxErrors}). ${jobLink}`,
    runbook:
      'Rising symbol errors point at the physical link: reseat or replace the cable/transceiver, check the switch port counters (`perfquery`), and compare with the other end. Errors on many ports of one switch point at the switch.',
  },
  {
    id: 'ib-congestion',
    title: 'IB congestion (transmit wait ratio)',
    help: 'The share of an InfiniBand port’s transmit time spent waiting for credits, per second: port_xmit_wait / (port_xmit_wait + port_xmit_data words). High values mean the fabric cannot take what the job sends (congestion, a slow receiver, a bad route).',
    scope: 'job',
    severity: 'warning',
    dimensions: PORT_DIMS,
    params: [
      param(
        'ratio',
        'Transmit wait ratio',
        'ratio',
        0.1,
        0.001,
        1,
        false,
        'Fires when, in any second of the window, the wait ratio exceeds this (0..1).'
      ),
    ],
    condition: (_p, s) => {
      const wait = perSecond(selector('node_infiniband_port_transmit_wait_total', jobSel(s)));
      const words = `${perSecond(selector(IB_TX, jobSel(s)))} / 4`;
      return { expr: `${wait} / (${wait} + ${words})`, modelJob: s.job };
    },
    reducer: 'max',
    threshold: (p) => ({ type: 'gt', value: p.ratio }),
    noDataState: 'OK',
    execErrState: 'Error',
    summary:
      'IB congestion on {{ $labels.device }} port {{ $labels.port }} of {{ $labels.node }} (job {{ $labels.job_name }}, cluster {{ $labels.cluster }})',
    description: (p) =>
      `Peak per-second transmit wait ratio {{ $values.B.Value }} (fires above ${p.ratio}). ${jobLink}`,
    runbook:
      'Look for the congestion tree: which ports of the job wait at the same seconds, and which switch they share. Check adaptive routing and congestion control settings, and other jobs sharing the switches. One port alone waiting points at a slow receiver on the other end.',
  },
  {
    id: 'nic-drops',
    title: 'NIC drops sustained',
    help: 'A network interface bound to a job drops packets (receive + transmit drops) in every second of a stretch of N seconds.',
    scope: 'job',
    severity: 'warning',
    dimensions: ['cluster', 'job_name', 'node', 'device'],
    params: [
      param('seconds', 'Sustained for', 's', 5, 1, 60, true, 'Number of consecutive seconds that must all have drops.'),
      minDropsParam,
    ],
    condition: (p, s) => {
      const drops = `${perSecond(selector('node_network_receive_drop_total', jobSel(s)))} + ${perSecond(selector('node_network_transmit_drop_total', jobSel(s)))}`;
      return { expr: `min_over_time((${drops})[${seconds(p.seconds)}:1s])`, modelJob: s.job };
    },
    reducer: 'max',
    threshold: (p) => ({ type: 'gt', value: p.minDropsPerSecond }),
    noDataState: 'OK',
    execErrState: 'Error',
    summary:
      'Sustained packet drops on {{ $labels.device }} of {{ $labels.node }} (job {{ $labels.job_name }}, cluster {{ $labels.cluster }})',
    description: (p) =>
      `At least {{ $values.B.Value }} drops/s in each of ${p.seconds} consecutive seconds (fires above ${p.minDropsPerSecond}). ${jobLink}`,
    runbook:
      'Check `ethtool -S <dev>` for rx_missed / rx_fifo errors (ring too small: `ethtool -G`), RX queue/IRQ affinity, and the softnet template for the same node. Drops on transmit point at a full qdisc or a saturated link.',
  },
  {
    id: 'softnet-drops',
    title: 'Softnet drops sustained',
    help: 'The kernel drops packets in the softnet backlog (all CPUs of a node that runs the job) in every second of N seconds: the node cannot process what arrives.',
    scope: 'job',
    severity: 'warning',
    dimensions: ['cluster', 'job_name', 'node'],
    params: [
      param('seconds', 'Sustained for', 's', 5, 1, 60, true, 'Number of consecutive seconds that must all have drops.'),
      minDropsParam,
    ],
    condition: (p, s) => {
      const drops = `sum by (cluster,node) (${perSecond(selector('node_softnet_dropped_total', clusterSel(s)))})`;
      return {
        expr: `min_over_time((${drops})[${seconds(p.seconds)}:1s]) * on(cluster,node) group_right() ${jobNodes(s)}`,
        modelJob: '*',
      };
    },
    reducer: 'max',
    threshold: (p) => ({ type: 'gt', value: p.minDropsPerSecond }),
    noDataState: 'OK',
    execErrState: 'Error',
    summary:
      'Sustained softnet drops on {{ $labels.node }} (job {{ $labels.job_name }}, cluster {{ $labels.cluster }})',
    description: (p) =>
      `At least {{ $values.B.Value }} softnet drops/s in each of ${p.seconds} consecutive seconds (fires above ${p.minDropsPerSecond}). ${jobLink}`,
    runbook:
      'Raise `net.core.netdev_max_backlog`, spread receive processing (RPS/RSS, IRQ affinity away from busy training cores), and check `node_softnet_times_squeezed_total` (raise `net.core.netdev_budget`).',
  },
  {
    id: 'tcp-retrans',
    title: 'TCP retransmit rate high',
    help: 'TCP segments retransmitted per second on a node that runs the job are above a threshold (lossy path, overloaded peer, bad NIC).',
    scope: 'job',
    severity: 'warning',
    dimensions: ['cluster', 'job_name', 'node'],
    params: [
      param(
        'retransPerSecond',
        'Retransmits per second',
        'segments/s',
        100,
        0,
        1e9,
        false,
        'Fires when the retransmit rate over the window exceeds this.'
      ),
      windowParam(10, 'Window of the rate.'),
    ],
    condition: (p, s) => ({
      expr: `sum by (cluster,node) (rate(${selector('node_netstat_Tcp_RetransSegs', clusterSel(s))}[${seconds(p.window)}])) * on(cluster,node) group_right() ${jobNodes(s)}`,
      modelJob: '*',
    }),
    reducer: 'max',
    threshold: (p) => ({ type: 'gt', value: p.retransPerSecond }),
    noDataState: 'OK',
    execErrState: 'Error',
    summary: 'TCP retransmits high on {{ $labels.node }} (job {{ $labels.job_name }}, cluster {{ $labels.cluster }})',
    description: (p) =>
      `Peak {{ $values.B.Value }} retransmitted segments/s over ${p.window}s windows (fires above ${p.retransPerSecond}). ${jobLink}`,
    runbook:
      'Find the peers with `ss -ti` (retrans column) on the node; check drops and errors of its NICs and softnet; a single remote peer with retransmits points at that peer or the path to it.',
  },
  {
    id: 'job-throughput-collapse',
    title: 'Job throughput collapse',
    help: 'The job’s total transmit throughput (IB and bound NICs, all nodes) over a short window falls below a fraction of its baseline: a stalled training step or a hung collective.',
    scope: 'job',
    severity: 'critical',
    dimensions: ['cluster', 'job_name'],
    params: [
      param(
        'fraction',
        'Fraction of baseline',
        'ratio',
        0.2,
        0.001,
        1,
        false,
        'Fires when throughput falls below this fraction of the baseline.'
      ),
      windowParam(30, 'Window of the current throughput; make it longer than the compute phase between collectives.'),
      param('baseline', 'Baseline window', 's', 600, 60, 86400, true, 'Window of the baseline (average throughput).'),
      param(
        'minBaselineBitsPerSecond',
        'Minimum baseline',
        'bit/s',
        1e9,
        0,
        1e13,
        false,
        'Jobs whose baseline is below this are ignored (idle or starting).'
      ),
    ],
    condition: (p, s) => {
      const current = jobThroughput(s, 'cluster,job_name', p.window);
      const baseline = jobThroughput(s, 'cluster,job_name', p.baseline);
      return { expr: `${current} / (${baseline} > ${p.minBaselineBitsPerSecond / 8})`, modelJob: s.job };
    },
    reducer: 'min',
    threshold: (p) => ({ type: 'lt', value: p.fraction }),
    noDataState: 'OK',
    execErrState: 'Error',
    summary: 'Throughput of job {{ $labels.job_name }} collapsed (cluster {{ $labels.cluster }})',
    description: (p) =>
      `Throughput over ${p.window}s fell to {{ $values.B.Value }} of its ${p.baseline}s baseline (fires below ${p.fraction}). ${jobLink}`,
    runbook:
      'Open the job dashboard at the alert time: if every node stopped sending at once, look for a hung rank (py-spy / NCCL debug logs of the pods) or a storage/checkpoint stall; if one node stopped first, see the imbalance and link templates for that node.',
  },
  {
    id: 'job-imbalance',
    title: 'Job imbalance (straggler)',
    help: 'One node of a job sends much less than the busiest node: max / this node’s throughput over a window is above a ratio. The alert names the straggling node.',
    scope: 'job',
    severity: 'warning',
    dimensions: ['cluster', 'job_name', 'node'],
    params: [
      param(
        'ratio',
        'Max / node ratio',
        'ratio',
        2,
        1.01,
        1e6,
        false,
        'Fires when the busiest node sends more than this many times what the node sends.'
      ),
      windowParam(10, 'Window of the per-node throughput.'),
      param(
        'minBitsPerSecond',
        'Minimum busiest node',
        'bit/s',
        1e8,
        0,
        1e13,
        false,
        'Ignored while the busiest node sends less than this (idle job).'
      ),
    ],
    condition: (p, s) => {
      const perNode = jobThroughput(s, 'cluster,job_name,node', p.window);
      return {
        expr: `(max by (cluster,job_name) (${perNode}) > ${p.minBitsPerSecond / 8}) / on(cluster,job_name) group_right() clamp_min(${perNode}, 1)`,
        modelJob: s.job,
      };
    },
    reducer: 'max',
    threshold: (p) => ({ type: 'gt', value: p.ratio }),
    noDataState: 'OK',
    execErrState: 'Error',
    summary: 'Node {{ $labels.node }} straggles in job {{ $labels.job_name }} (cluster {{ $labels.cluster }})',
    description: (p) =>
      `The busiest node sends {{ $values.B.Value }}× what {{ $labels.node }} sends over ${p.window}s (fires above ${p.ratio}). ${jobLink}`,
    runbook:
      'Compare the node with its peers on the job dashboard: link rate (`ib_rate`), errors and congestion of its ports, GPU clocks/throttling, and noisy neighbours. A straggler slows every synchronous step of the job.',
  },
  {
    id: 'agent-silent',
    title: 'Agent silent',
    help: 'No samples from a node’s agent for a while (the agent is down, cannot reach VictoriaMetrics, or the node is gone). Nodes silent longer than one hour drop out of this alert; the cluster template covers whole clusters.',
    scope: 'cluster',
    severity: 'critical',
    dimensions: ['cluster', 'node'],
    params: [
      param(
        'silentSeconds',
        'Silent for',
        's',
        120,
        30,
        3000,
        true,
        'Fires when the newest sample of the node is older than this.'
      ),
    ],
    condition: (_p, s) => ({
      expr: `min by (cluster,node) (lag(${selector([NIC_RX, 'node_softnet_processed_total'], clusterSel(s))}[1h]))`,
      modelJob: '*',
    }),
    reducer: 'max',
    threshold: (p) => ({ type: 'gt', value: p.silentSeconds }),
    noDataState: 'NoData',
    execErrState: 'Error',
    summary: 'HiFreq agent on {{ $labels.node }} (cluster {{ $labels.cluster }}) is silent',
    description: (p) =>
      `The newest sample of the node is {{ $values.B.Value }}s old (fires above ${p.silentSeconds}s). ${clusterLink}`,
    runbook:
      'Check the agent pod of the node (`kubectl -n <ns> get pods -o wide | grep <node>`, its logs and `/metrics`: `hifreq_agent_remote_write_*`). A growing queue means VictoriaMetrics is unreachable from the node; samples are kept on disk and arrive when it recovers.',
  },
  {
    id: 'cluster-silent',
    title: 'Cluster silent',
    help: 'No samples from any agent of a cluster for a while: the cluster’s path to VictoriaMetrics is cut, or the cluster is gone. Clusters silent longer than one hour drop out of this alert.',
    scope: 'cluster',
    severity: 'critical',
    dimensions: ['cluster'],
    params: [
      param(
        'silentSeconds',
        'Silent for',
        's',
        120,
        30,
        3000,
        true,
        'Fires when the newest sample of the cluster is older than this.'
      ),
    ],
    condition: (_p, s) => ({
      expr: `min by (cluster) (lag(${selector([NIC_RX, 'node_softnet_processed_total'], clusterSel(s))}[1h]))`,
      modelJob: '*',
    }),
    reducer: 'max',
    threshold: (p) => ({ type: 'gt', value: p.silentSeconds }),
    noDataState: 'NoData',
    execErrState: 'Error',
    summary: 'Cluster {{ $labels.cluster }} sends no HiFreq samples',
    description: (p) =>
      `The newest sample of the cluster is {{ $values.B.Value }}s old (fires above ${p.silentSeconds}s). ${clusterLink}`,
    runbook:
      'Check the network path from the cluster to VictoriaMetrics (egress, proxy, credentials) and the agent DaemonSet. The agents queue to disk, so data of the gap arrives once the path is back.',
  },
  {
    id: 'agent-queue-growing',
    title: 'Agent queue growing',
    help: 'The on-disk remote-write queue of an agent grows: it cannot write to one of its remote-write URLs. Seen through a URL that still works (or a scrape of the agent).',
    scope: 'cluster',
    severity: 'warning',
    dimensions: ['cluster', 'node', 'url'],
    params: [
      param(
        'growthBytes',
        'Growth',
        'bytes',
        1048576,
        1,
        1e12,
        true,
        'Fires when the queue grew by more than this over the window.'
      ),
      param('window', 'Window', 's', 300, 30, 86400, true, 'Window over which the growth is measured.'),
    ],
    condition: (p, s) => ({
      expr: `delta(${selector(QUEUE_BYTES, clusterSel(s))}[${seconds(p.window)}])`,
      modelJob: '*',
    }),
    reducer: 'max',
    threshold: (p) => ({ type: 'gt', value: p.growthBytes }),
    noDataState: 'OK',
    execErrState: 'Error',
    summary: 'Remote-write queue of the agent on {{ $labels.node }} (cluster {{ $labels.cluster }}) grows',
    description: (p) =>
      `The queue for {{ $labels.url }} grew by {{ humanize1024 $values.B.Value }}B within ${p.window}s (fires above ${p.growthBytes} B). ${clusterLink}`,
    runbook:
      'Look at the agent log and `hifreq_agent_remote_write_requests_total{outcome}`: rejects (4xx) mean a configuration or auth problem, retries mean the URL is down or throttling (429). Check free space of the queue directory before it fills (`--remote-write.max-queue-bytes`).',
  },
];

/** The template with this id, or an error naming the ids that exist. */
export function getTemplate(id: string): AlertTemplate {
  const t = TEMPLATES.find((x) => x.id === id);
  if (!t) {
    throw new Error(`Unknown alert template ${quote(id)}: use one of ${TEMPLATES.map((x) => x.id).join(', ')}.`);
  }
  return t;
}

/** The defaults of a template's parameters. */
export function defaultParams(t: AlertTemplate): ParamValues {
  return Object.fromEntries(t.params.map((p) => [p.name, p.default]));
}

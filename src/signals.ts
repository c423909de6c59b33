/**
 * Signal ids of the backend catalog (`GET /signals`, docs/backend.md) that the pages use.
 * Throughput signals are in bits per second (unit `bps`).
 */
export const SIGNALS = {
  jobRx: 'job_rx_bits',
  jobTx: 'job_tx_bits',
  jobImbalance: 'job_imbalance',
  ibRx: 'ib_rx_bits',
  ibTx: 'ib_tx_bits',
  ibXmitWait: 'ib_xmit_wait',
  ibPortErrors: 'ib_port_errors',
  ibSymbolErrors: 'ib_symbol_errors',
  ibLinkDowned: 'ib_link_downed',
  ibState: 'ib_state',
  nicRx: 'nic_rx_bits',
  nicTx: 'nic_tx_bits',
  nicDrops: 'nic_drops',
  nicErrors: 'nic_errors',
  tcpStates: 'tcp_states',
  tcpRetrans: 'tcp_retrans',
  softnetDrops: 'softnet_drops',
  softnetSqueezes: 'softnet_squeezes',
  podRx: 'pod_rx_bits',
  podTx: 'pod_tx_bits',
  podDrops: 'pod_drops',
} as const;

/**
 * What high-frequency monitoring of a job costs, from the figures measured for DESIGN.md §4 on
 * realistic 1 s network counters in VictoriaMetrics: about 2.8 bytes per stored sample.
 */
export const BYTES_PER_SAMPLE = 2.8;
/** Series the agent samples every second per bound InfiniBand/RDMA device (port data, packets, wait, errors, state, rate, hw counters). */
export const SERIES_PER_IB_DEVICE = 12;
/** Series per bound Ethernet interface or pod interface (bytes, packets, errors, drops, each rx and tx). */
export const SERIES_PER_INTERFACE = 8;
const SECONDS_PER_DAY = 86400;

export interface CostInput {
  nodes: number;
  /** IB/RDMA devices bound per node */
  ibDevicesPerNode: number;
  /** labelled pods per node (each adds its own interface series) */
  podsPerNode: number;
}

export interface CostEstimate {
  seriesPerNode: number;
  samplesPerSecondPerNode: number;
  bytesPerDayPerNode: number;
  samplesPerSecondTotal: number;
  bytesPerDayTotal: number;
}

export function estimateCost({ nodes, ibDevicesPerNode, podsPerNode }: CostInput): CostEstimate {
  for (const [name, v] of Object.entries({ nodes, ibDevicesPerNode, podsPerNode })) {
    if (!Number.isInteger(v) || v < 0) {
      throw new Error(`${name} must be a whole number of 0 or more, got ${v}.`);
    }
  }
  const seriesPerNode = ibDevicesPerNode * SERIES_PER_IB_DEVICE + podsPerNode * SERIES_PER_INTERFACE;
  const samplesPerSecondPerNode = seriesPerNode; // one sample per series per second
  const bytesPerDayPerNode = Math.round(samplesPerSecondPerNode * SECONDS_PER_DAY * BYTES_PER_SAMPLE);
  return {
    seriesPerNode,
    samplesPerSecondPerNode,
    bytesPerDayPerNode,
    samplesPerSecondTotal: samplesPerSecondPerNode * nodes,
    bytesPerDayTotal: bytesPerDayPerNode * nodes,
  };
}

/** 1234567 → "1.2 MB" (decimal units, as storage is billed). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

import type { DataQuery, DataSourceJsonData } from '@grafana/schema';

/** How the backend builds the query: a named signal of the catalog, or raw MetricsQL. */
export type QueryType = 'signal' | 'metricsql';

/** Which label the backend aggregates a signal by. */
export type GroupBy = 'device' | 'node' | 'pod' | 'job';

/**
 * What a panel shows when one step covers many seconds:
 * the max, min or average of the per-second values, or the min-max band (three series).
 */
export type Envelope = 'max' | 'min' | 'avg' | 'band';

/** The query model the Go backend (`pkg/`) decodes; complete without dashboard variables (alerting). */
export interface HiFreqQuery extends DataQuery {
  queryType?: QueryType;
  cluster?: string;
  job?: string;
  node?: string;
  device?: string;
  signal?: string;
  groupBy?: GroupBy;
  envelope?: Envelope;
  expr?: string;
  /** stream new seconds through Grafana Live (the backend's RunStream) */
  live?: boolean;
}

export const DEFAULT_QUERY: Partial<HiFreqQuery> = {
  queryType: 'signal',
  signal: 'ib_rx_bits',
  groupBy: 'node',
  envelope: 'max',
};

export type AuthType = 'none' | 'basic' | 'bearer';

/**
 * Non-secret datasource settings (jsonData), as the backend reads them (pkg/plugin/settings.go).
 * The URL is the datasource's own `url`; basic auth uses Grafana's `basicAuth` / `basicAuthUser`.
 */
export interface HiFreqOptions extends DataSourceJsonData {
  /** Which of the auth methods the editor shows; the backend looks at the secrets themselves. */
  authType?: AuthType;
  tlsSkipVerify?: boolean;
  /** Tenant `0` or `accountID:projectID` for the cluster version of VictoriaMetrics. */
  tenant?: string;
  /** Name of the label carrying the cluster; default `cluster`. */
  clusterLabel?: string;
  /** Per request to VictoriaMetrics: seconds or a duration such as `90s`. */
  timeout?: string;
}

/** Secret settings: write-only from the browser, kept by Grafana in secureJsonData. */
export interface HiFreqSecureOptions {
  basicAuthPassword?: string;
  bearerToken?: string;
}

/** One entry of the backend's `/signals` catalog. */
export interface SignalInfo {
  id: string;
  title: string;
  category: string;
  description?: string;
  unit?: string;
  kind?: 'counter' | 'gauge';
  scope?: 'device' | 'node';
  defaultGroupBy?: GroupBy;
  groupBys?: GroupBy[];
  envelope?: boolean;
}

/** A cluster of the backend's `/clusters`. */
export interface ClusterInfo {
  name: string;
  lastSeen: string;
}

/** One job of the backend's `/jobs`: first and last one-second sample of its bound series. */
export interface JobInfo {
  name: string;
  cluster: string;
  start: string;
  end: string;
  nodes: string[];
  /** `namespace/pod` */
  pods: string[];
  /**
   * Highest per-second receive+transmit bits of the job's bound InfiniBand/RDMA ports, summed
   * (the job_rx_bits + job_tx_bits signals); null when the job has no such series.
   */
  peakBitsPerSecond?: number | null;
  /** Resolution of the peak: 1 when exact; coarser on long ranges (each series' 1 s peak per step, summed). */
  peakStepSeconds?: number;
  /** Increase of the job's drop/error counters in the range; null when the job has none. */
  errors?: number | null;
  /** `errors` by signal id (nic_drops, nic_errors, ib_symbol_errors, ib_link_downed, ib_port_errors, pod_drops). */
  errorsBySignal?: Record<string, number> | null;
}

/** `/topology` of one job. */
export interface Topology {
  cluster: string;
  job: string;
  nodes: Array<{
    node: string;
    devices: Array<{ device: string; port?: string; kind: 'ib' | 'nic'; pods: string[] }>;
    pods: Array<{ namespace: string; pod: string; interfaces: string[] }>;
  }>;
}

/** Variable query of the datasource: lists clusters, jobs, nodes or devices (`/values`). */
export interface HiFreqVariableQuery extends DataQuery {
  kind: 'clusters' | 'jobs' | 'nodes' | 'devices';
  cluster?: string;
  job?: string;
}

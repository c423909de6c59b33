import { QueryVariable } from '@grafana/scenes';
import { DATASOURCE_TYPE } from '../constants';
import type { HiFreqVariableQuery } from '../datasource/types';

/** `cluster` variable: every cluster with data in VictoriaMetrics, offline clusters included. */
export function clusterVariable(datasourceUid: string): QueryVariable {
  const query: HiFreqVariableQuery = { refId: 'clusters', kind: 'clusters' };
  return new QueryVariable({
    name: 'cluster',
    label: 'Cluster',
    datasource: { type: DATASOURCE_TYPE, uid: datasourceUid },
    query,
    includeAll: false,
    isMulti: false,
    refresh: 1,
    sort: 1,
  });
}

/** `job` variable: jobs with high-frequency data in the cluster during the time range. */
export function jobVariable(datasourceUid: string): QueryVariable {
  const query: HiFreqVariableQuery = { refId: 'jobs', kind: 'jobs', cluster: '$cluster' };
  return new QueryVariable({
    name: 'job',
    label: 'Job',
    datasource: { type: DATASOURCE_TYPE, uid: datasourceUid },
    query,
    includeAll: false,
    isMulti: false,
    refresh: 2,
    sort: 1,
  });
}

/** `node` / `device` drill-down variables of a job ("All" by default). */
export function topologyVariable(datasourceUid: string, kind: 'nodes' | 'devices'): QueryVariable {
  const query: HiFreqVariableQuery = { refId: kind, kind, cluster: '$cluster', job: '$job' };
  const name = kind === 'nodes' ? 'node' : 'device';
  return new QueryVariable({
    name,
    label: kind === 'nodes' ? 'Node' : 'Device',
    datasource: { type: DATASOURCE_TYPE, uid: datasourceUid },
    query,
    includeAll: true,
    allValue: '*',
    defaultToAll: true,
    isMulti: true,
    refresh: 2,
    sort: 1,
  });
}

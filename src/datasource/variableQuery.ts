import type { MetricFindValue, ScopedVars } from '@grafana/data';
import type { HiFreqVariableQuery } from './types';

/** What a variable query needs from the datasource. */
export interface ValuesApi {
  getValues(
    variable: 'cluster' | 'job' | 'node' | 'device',
    filters: { cluster?: string; job?: string },
    range?: { from: number; to: number }
  ): Promise<string[]>;
  interpolate(value: string | undefined, scopedVars: ScopedVars): string;
}

const VARIABLE_OF_KIND = { clusters: 'cluster', jobs: 'job', nodes: 'node', devices: 'device' } as const;

/** Parses the text form of a variable query: `clusters`, `jobs(<cluster>)`, `nodes(<cluster>, <job>)`, `devices(<cluster>, <job>)`. */
export function parseVariableQueryString(text: string): HiFreqVariableQuery {
  const m = /^\s*(clusters|jobs|nodes|devices)\s*(?:\(\s*([^,)]*?)\s*(?:,\s*([^)]*?)\s*)?\))?\s*$/.exec(text);
  if (!m) {
    throw new Error(
      `Unknown variable query "${text}". Use one of: clusters, jobs(<cluster>), nodes(<cluster>, <job>), devices(<cluster>, <job>).`
    );
  }
  return { refId: 'variable', kind: m[1] as HiFreqVariableQuery['kind'], cluster: m[2] || undefined, job: m[3] || undefined };
}

/** Answers a variable query from the backend's `/values` resource. */
export async function findVariableValues(
  ds: ValuesApi,
  q: HiFreqVariableQuery,
  scopedVars: ScopedVars,
  range?: { from: number; to: number }
): Promise<MetricFindValue[]> {
  const variable = VARIABLE_OF_KIND[q.kind];
  if (!variable) {
    throw new Error(`Unknown variable query kind "${String(q.kind)}": use clusters, jobs, nodes or devices.`);
  }
  const filters: { cluster?: string; job?: string } = {};
  if (q.kind !== 'clusters' && q.cluster) {
    filters.cluster = ds.interpolate(q.cluster, scopedVars);
  }
  if ((q.kind === 'nodes' || q.kind === 'devices') && q.job) {
    filters.job = ds.interpolate(q.job, scopedVars);
  }
  const values = await ds.getValues(variable, filters, range);
  return values.map((v) => ({ text: v, value: v }));
}

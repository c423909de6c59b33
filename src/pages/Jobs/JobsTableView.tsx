import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { type GrafanaTheme2, dateTimeFormat, formattedValueToString, getValueFormat } from '@grafana/data';
import { TextLink, useStyles2 } from '@grafana/ui';

import type { JobInfo } from '../../datasource/types';

export const jobsTestIds = {
  table: 'data-testid hifreq-jobs-table',
  error: 'data-testid hifreq-jobs-error',
};

/** Namespaces of a job's pods (`namespace/pod`). */
export function jobNamespaces(job: JobInfo): string {
  return Array.from(new Set((job.pods ?? []).map((p) => p.split('/')[0]))).sort().join(', ') || '–';
}

/** Peak throughput in Grafana's bit/s unit, e.g. 4080000 → `4.08 Mb/s`; a dash without data. */
export function formatPeak(bitsPerSecond: number | null | undefined): string {
  if (bitsPerSecond === null || bitsPerSecond === undefined) {
    return '–';
  }
  return formattedValueToString(getValueFormat('bps')(bitsPerSecond, 2));
}

/** Error counter total as a whole number; a dash when the job has no error counters. */
export function formatErrors(errors: number | null | undefined): string {
  return errors === null || errors === undefined ? '–' : Math.round(errors).toLocaleString('en-US');
}

/** Tooltip of the errors cell: the total split by signal, largest first. */
export function errorsTitle(job: JobInfo): string {
  const by = Object.entries(job.errorsBySignal ?? {});
  if (job.errors === null || job.errors === undefined || by.length === 0) {
    return 'No drop or error counters are bound to this job (NIC, InfiniBand or pod interfaces)';
  }
  by.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return 'Increase in the time range: ' + by.map(([id, n]) => `${id} ${formatErrors(n)}`).join(', ');
}

function peakTitle(job: JobInfo): string {
  const step = job.peakStepSeconds ?? 1;
  const what = 'Busiest second of the job: InfiniBand/RDMA receive + transmit of its bound ports, summed';
  return step > 1
    ? `${what}. The range is too long for 1 s steps: each port's busiest second within each ${step} s step, summed`
    : what;
}

function formatTime(t: string | undefined): string {
  return t ? dateTimeFormat(t, { format: 'YYYY-MM-DD HH:mm:ss' }) : '–';
}

export type SortKey = 'namespace' | 'job' | 'cluster' | 'nodes' | 'pods' | 'start' | 'end' | 'peak' | 'errors';
export interface Sort {
  key: SortKey;
  desc: boolean;
}

const sortValue: Record<SortKey, (j: JobInfo) => string | number | null | undefined> = {
  namespace: (j) => jobNamespaces(j),
  job: (j) => j.name,
  cluster: (j) => j.cluster,
  nodes: (j) => j.nodes.length,
  pods: (j) => j.pods.length,
  start: (j) => (j.start ? Date.parse(j.start) : null),
  end: (j) => (j.end ? Date.parse(j.end) : null),
  peak: (j) => j.peakBitsPerSecond,
  errors: (j) => j.errors,
};

/**
 * Sorts jobs by a column; ties keep cluster, then job name order. Jobs without a value (no
 * throughput or error series) come last in either direction.
 */
export function sortJobs(jobs: JobInfo[], sort: Sort): JobInfo[] {
  const get = sortValue[sort.key];
  const byName = (a: JobInfo, b: JobInfo) => a.cluster.localeCompare(b.cluster) || a.name.localeCompare(b.name);
  return [...jobs].sort((a, b) => {
    const va = get(a);
    const vb = get(b);
    const na = va === null || va === undefined;
    const nb = vb === null || vb === undefined;
    if (na || nb) {
      return na === nb ? byName(a, b) : na ? 1 : -1;
    }
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return (sort.desc ? -c : c) || byName(a, b);
  });
}

const COLUMNS: Array<{ key: SortKey; label: string; numeric?: boolean }> = [
  { key: 'namespace', label: 'Namespace' },
  { key: 'job', label: 'Job' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'nodes', label: 'Nodes', numeric: true },
  { key: 'pods', label: 'Pods', numeric: true },
  { key: 'start', label: 'First seen' },
  { key: 'end', label: 'Last seen' },
  { key: 'peak', label: 'Peak throughput', numeric: true },
  { key: 'errors', label: 'Errors', numeric: true },
];

interface Props {
  jobs: JobInfo[];
  jobUrl: (job: JobInfo) => string;
}

/** The jobs table: click a column header to sort by it, again to reverse. Numbers sort largest first. */
export function JobsTableView({ jobs, jobUrl }: Props) {
  const styles = useStyles2(getStyles);
  const [sort, setSort] = useState<Sort>({ key: 'cluster', desc: false });
  const rows = useMemo(() => sortJobs(jobs, sort), [jobs, sort]);
  const onSort = (key: SortKey, numeric?: boolean) =>
    setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: Boolean(numeric) }));

  return (
    <table className={styles.table} data-testid={jobsTestIds.table}>
      <caption className={styles.caption}>Jobs with per-second network data in the time range</caption>
      <thead>
        <tr>
          {COLUMNS.map((c) => (
            <th
              key={c.key}
              scope="col"
              aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}
              className={c.numeric ? styles.numeric : undefined}
            >
              <button type="button" className={styles.sortButton} onClick={() => onSort(c.key, c.numeric)}>
                {c.label}
                {sort.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((j) => (
          <tr key={`${j.cluster}/${j.name}`}>
            <td>{jobNamespaces(j)}</td>
            <td>
              <TextLink href={jobUrl(j)} inline={false}>
                {j.name}
              </TextLink>
            </td>
            <td>{j.cluster}</td>
            <td className={styles.numeric} title={j.nodes.join(', ')}>
              {j.nodes.length}
            </td>
            <td className={styles.numeric} title={j.pods.join(', ')}>
              {j.pods.length}
            </td>
            <td>{formatTime(j.start)}</td>
            <td>{formatTime(j.end)}</td>
            <td className={styles.numeric} title={peakTitle(j)}>
              {formatPeak(j.peakBitsPerSecond)}
            </td>
            <td className={styles.numeric} title={errorsTitle(j)}>
              {formatErrors(j.errors)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    'th, td': { padding: theme.spacing(0.75, 1), borderBottom: `1px solid ${theme.colors.border.weak}`, textAlign: 'left' },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  numeric: css({ '&&': { textAlign: 'right' }, fontVariantNumeric: 'tabular-nums' }),
  sortButton: css({
    background: 'none',
    border: 'none',
    padding: 0,
    color: 'inherit',
    font: 'inherit',
    cursor: 'pointer',
  }),
  caption: css({ textAlign: 'left', color: theme.colors.text.secondary, paddingBottom: theme.spacing(1) }),
});

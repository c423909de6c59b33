import React from 'react';
import { css } from '@emotion/css';
import { type GrafanaTheme2, dateTimeFormat, urlUtil } from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import {
  SceneObjectBase,
  type SceneComponentProps,
  type SceneObjectState,
  VariableDependencyConfig,
  sceneGraph,
} from '@grafana/scenes';
import { Alert, LoadingPlaceholder, TextLink, useStyles2 } from '@grafana/ui';

import { ROUTES, prefixRoute } from '../../constants';
import type { HiFreqDataSource } from '../../datasource/datasource';
import type { JobInfo } from '../../datasource/types';
import { errorMessage } from '../../datasource/components/useResource';
import { EmptyJobs } from './EmptyJobs';

export interface JobsTableState extends SceneObjectState {
  datasourceUid: string;
  podSelector: string;
  loading?: boolean;
  jobs?: JobInfo[];
  error?: string;
}

/** Jobs with high-frequency data in the selected cluster and time range, from the backend's `/jobs`. */
export class JobsTable extends SceneObjectBase<JobsTableState> {
  static Component = JobsTableRenderer;
  private requestId = 0;

  protected _variableDependency = new VariableDependencyConfig(this, {
    variableNames: ['cluster'],
    onReferencedVariableValueChanged: () => this.load(),
  });

  constructor(state: JobsTableState) {
    super(state);
    this.addActivationHandler(() => {
      this.load();
      const sub = sceneGraph.getTimeRange(this).subscribeToState(() => this.load());
      return () => sub.unsubscribe();
    });
  }

  get cluster(): string {
    return sceneGraph.interpolate(this, '$cluster');
  }

  async load(): Promise<void> {
    const id = ++this.requestId;
    const range = sceneGraph.getTimeRange(this).state.value;
    this.setState({ loading: true, error: undefined });
    try {
      const ds = (await getDataSourceSrv().get({ uid: this.state.datasourceUid })) as HiFreqDataSource;
      const jobs = await ds.getJobs(this.cluster || undefined, { from: range.from.valueOf(), to: range.to.valueOf() });
      if (id === this.requestId) {
        this.setState({ loading: false, jobs });
      }
    } catch (err) {
      if (id === this.requestId) {
        this.setState({ loading: false, jobs: undefined, error: errorMessage(err) });
      }
    }
  }

  /** Link to the job page for one row, keeping cluster and time range. */
  jobUrl(job: JobInfo): string {
    const range = sceneGraph.getTimeRange(this).state.value.raw;
    return urlUtil.renderUrl(prefixRoute(ROUTES.Job), {
      'var-cluster': job.cluster,
      'var-job': job.name,
      from: String(range.from),
      to: String(range.to),
    });
  }
}

export const jobsTestIds = {
  table: 'data-testid hifreq-jobs-table',
  error: 'data-testid hifreq-jobs-error',
};

/** Namespaces of a job's pods (`namespace/pod`). */
export function jobNamespaces(job: JobInfo): string {
  return Array.from(new Set((job.pods ?? []).map((p) => p.split('/')[0]))).sort().join(', ') || '–';
}

function formatTime(t: string | undefined): string {
  return t ? dateTimeFormat(t, { format: 'YYYY-MM-DD HH:mm:ss' }) : '–';
}

function JobsTableRenderer({ model }: SceneComponentProps<JobsTable>) {
  const { loading, jobs, error, podSelector } = model.useState();
  const styles = useStyles2(getStyles);

  if (error) {
    return (
      <Alert severity="error" title="Could not list the jobs" data-testid={jobsTestIds.error}>
        {error}. Check that the HiFreq datasource is configured (Configuration page) and VictoriaMetrics is reachable.
      </Alert>
    );
  }
  if (loading && !jobs) {
    return <LoadingPlaceholder text="Loading jobs…" />;
  }
  if (!jobs || jobs.length === 0) {
    return <EmptyJobs podSelector={podSelector} cluster={model.cluster} />;
  }
  return (
    <table className={styles.table} data-testid={jobsTestIds.table}>
      <caption className={styles.caption}>Jobs with per-second network data in the time range</caption>
      <thead>
        <tr>
          <th scope="col">Namespace</th>
          <th scope="col">Job</th>
          <th scope="col">Cluster</th>
          <th scope="col">Nodes</th>
          <th scope="col">Pods</th>
          <th scope="col">First seen</th>
          <th scope="col">Last seen</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((j) => (
          <tr key={`${j.cluster}/${j.name}`}>
            <td>{jobNamespaces(j)}</td>
            <td>
              <TextLink href={model.jobUrl(j)} inline={false}>
                {j.name}
              </TextLink>
            </td>
            <td>{j.cluster}</td>
            <td title={j.nodes.join(', ')}>{j.nodes.length}</td>
            <td title={j.pods.join(', ')}>{j.pods.length}</td>
            <td>{formatTime(j.start)}</td>
            <td>{formatTime(j.end)}</td>
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
  caption: css({ textAlign: 'left', color: theme.colors.text.secondary, paddingBottom: theme.spacing(1) }),
});

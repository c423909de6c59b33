import React from 'react';
import { urlUtil } from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import {
  SceneObjectBase,
  type SceneComponentProps,
  type SceneObjectState,
  VariableDependencyConfig,
  sceneGraph,
} from '@grafana/scenes';
import { Alert, LoadingPlaceholder } from '@grafana/ui';

import { ROUTES, prefixRoute } from '../../constants';
import type { HiFreqDataSource } from '../../datasource/datasource';
import type { JobInfo } from '../../datasource/types';
import { errorMessage } from '../../datasource/components/useResource';
import { EmptyJobs } from './EmptyJobs';
import { JobsTableView, jobsTestIds } from './JobsTableView';

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

export { jobNamespaces, jobsTestIds } from './JobsTableView';

function JobsTableRenderer({ model }: SceneComponentProps<JobsTable>) {
  const { loading, jobs, error, podSelector } = model.useState();

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
  return <JobsTableView jobs={jobs} jobUrl={(j) => model.jobUrl(j)} />;
}

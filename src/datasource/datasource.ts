import {
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  CoreApp,
  LiveChannelScope,
  LoadingState,
  StreamingFrameAction,
} from '@grafana/data';
import { DataSourceWithBackend, getGrafanaLiveSrv, getTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { merge, of, type Observable } from 'rxjs';

import { linkStateEvents } from './annotations';

import { interpolateQuery } from './interpolate';
import { liveChannelError, streamPath } from './live';
import {
  type ClusterInfo,
  DEFAULT_QUERY,
  type HiFreqOptions,
  type HiFreqQuery,
  type HiFreqVariableQuery,
  type JobInfo,
  type SignalInfo,
  type Topology,
} from './types';
import { findVariableValues, parseVariableQueryString } from './variableQuery';
import { HiFreqVariableSupport } from './variables';

/** Seconds a Live panel keeps: the backend first sends the last minute, then one push a second. */
const LIVE_BUFFER_MS = 15 * 60 * 1000;

export class HiFreqDataSource extends DataSourceWithBackend<HiFreqQuery, HiFreqOptions> {
  constructor(
    instanceSettings: DataSourceInstanceSettings<HiFreqOptions>,
    private readonly templateSrv: TemplateSrv = getTemplateSrv()
  ) {
    super(instanceSettings);
    this.variables = new HiFreqVariableSupport(this);
    // Link-state changes: the ib_state series through the normal query path, turned into events.
    this.annotations = {
      processEvents: (_anno, frames) => of(linkStateEvents(frames)),
    };
  }

  getDefaultQuery(_app: CoreApp): Partial<HiFreqQuery> {
    return DEFAULT_QUERY;
  }

  /** A query is sent only when it names what to fetch. */
  filterQuery(query: HiFreqQuery): boolean {
    if (query.hide) {
      return false;
    }
    if (query.queryType === 'metricsql') {
      return Boolean(query.expr && query.expr.trim());
    }
    return Boolean(query.signal);
  }

  applyTemplateVariables(query: HiFreqQuery, scopedVars: ScopedVars): HiFreqQuery {
    return interpolateQuery(query, scopedVars, this.templateSrv);
  }

  /**
   * Signal queries with `live` set stream through Grafana Live (the backend's RunStream: the last
   * minute, then every new second); the others go through the backend's QueryData.
   */
  query(request: DataQueryRequest<HiFreqQuery>): Observable<DataQueryResponse> {
    const live = request.targets.filter((q) => q.live && (q.queryType ?? 'signal') === 'signal' && this.filterQuery(q));
    if (live.length === 0) {
      return super.query(request);
    }
    const rest = request.targets.filter((q) => !live.includes(q));
    const streams = live.map((q) => {
      const interpolated = this.applyTemplateVariables(q, request.scopedVars);
      const key = `${request.requestId}-${q.refId}`;
      const path = streamPath(interpolated);
      const tooLong = liveChannelError(this.uid, path);
      if (tooLong) {
        return of<DataQueryResponse>({ key, state: LoadingState.Error, data: [], errors: [{ message: tooLong, refId: q.refId }] });
      }
      return getGrafanaLiveSrv().getDataStream({
        key,
        addr: {
          scope: LiveChannelScope.DataSource,
          stream: this.uid,
          // Grafana 13 names the datasource uid `stream`; hosts written against older versions read `namespace`.
          // eslint-disable-next-line @typescript-eslint/no-deprecated
          namespace: this.uid,
          path,
        },
        buffer: { maxDelta: LIVE_BUFFER_MS, action: StreamingFrameAction.Append },
      });
    });
    return rest.length ? merge(super.query({ ...request, targets: rest }), ...streams) : merge(...streams);
  }

  /** The backend's catalog of signals (`GET /signals`). */
  async getSignals(): Promise<SignalInfo[]> {
    return (await this.getResource<{ signals: SignalInfo[] }>('signals')).signals ?? [];
  }

  /** Clusters with data in VictoriaMetrics, offline ones included (`GET /clusters`). */
  async getClusters(range?: { from: number; to: number }): Promise<ClusterInfo[]> {
    return (await this.getResource<{ clusters: ClusterInfo[] }>('clusters', rangeParams(range))).clusters ?? [];
  }

  /** Jobs with one-second data in a time range (`GET /jobs`); cluster uses the query syntax (exact, `*`, `/regex/`). */
  async getJobs(cluster: string | undefined, range?: { from: number; to: number }): Promise<JobInfo[]> {
    const params: Record<string, string> = { ...rangeParams(range) };
    if (cluster) {
      params.cluster = cluster;
    }
    return (await this.getResource<{ jobs: JobInfo[] }>('jobs', params)).jobs ?? [];
  }

  /** Nodes, devices and pods of a job (`GET /topology`). */
  getTopology(cluster: string, job: string, range?: { from: number; to: number }): Promise<Topology> {
    return this.getResource<Topology>('topology', { cluster, job, ...rangeParams(range) });
  }

  /** Values of a dashboard variable (`GET /values`), filtered by the others. */
  async getValues(
    variable: 'cluster' | 'job' | 'node' | 'device',
    filters: { cluster?: string; job?: string },
    range?: { from: number; to: number }
  ): Promise<string[]> {
    const params: Record<string, string> = { variable, ...rangeParams(range) };
    for (const [k, v] of Object.entries(filters)) {
      if (v) {
        params[k] = v;
      }
    }
    return (await this.getResource<{ values: string[] }>('values', params)).values ?? [];
  }

  /** Legacy variable path; the variable editor uses {@link HiFreqVariableSupport}. */
  async metricFindQuery(
    query: HiFreqVariableQuery | string,
    options?: { scopedVars?: ScopedVars }
  ): Promise<MetricFindValue[]> {
    const q: HiFreqVariableQuery = typeof query === 'string' ? parseVariableQueryString(query) : query;
    return findVariableValues(this, q, options?.scopedVars ?? {});
  }

  /** Replaces variables in a label field (multi-values become `/a|b/`). */
  interpolate(value: string | undefined, scopedVars: ScopedVars): string {
    return value ? (interpolateQuery({ refId: 'x', cluster: value }, scopedVars, this.templateSrv).cluster ?? '') : '';
  }
}

function rangeParams(range?: { from: number; to: number }): Record<string, string> {
  return range ? { from: String(Math.floor(range.from)), to: String(Math.ceil(range.to)) } : {};
}

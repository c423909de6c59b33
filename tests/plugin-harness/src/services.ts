// Host services of the plugin harness: what Grafana's frontend provides to plugins through the
// setters of @grafana/runtime, implemented here against grafana-api-fake (a FAKE of Grafana's
// HTTP API in front of the real plugin backend). Each one is a small fake of the Grafana service
// of the same name, doing what that service does for the calls the plugin makes.
import {
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type DataSourceInstanceSettings,
  type DataSourcePluginMeta,
  type DataSourceRef,
  LoadingState,
  type PanelData,
  type ScopedVars,
  dataFrameFromJSON,
  toDataFrame,
  FieldType,
  type DataFrameJSON,
  type DataSourcePlugin,
} from '@grafana/data';
import type {
  BackendSrv,
  BackendSrvRequest,
  DataSourceSrv,
  FetchResponse,
  GrafanaLiveSrv,
  LiveDataStreamOptions,
  TemplateSrv,
} from '@grafana/runtime';
import { toDataQueryError } from '@grafana/runtime';
import { Observable, from, isObservable, lastValueFrom, of } from 'rxjs';
import { catchError, map } from 'rxjs/operators';

// ---------------------------------------------------------------- BackendSrv (fetch) ----

function serializeParams(params: Record<string, unknown> | undefined): string {
  if (!params) {
    return '';
  }
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) {
      continue;
    }
    for (const one of Array.isArray(v) ? v : [v]) {
      sp.append(k, String(one));
    }
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

/** Requests the harness made, for the specs to inspect (window.__harness.requests). */
export const requestLog: Array<{ method: string; url: string; status: number; body?: unknown }> = [];

/** A fake of Grafana's BackendSrv: fetch() against the fake Grafana, FetchError on non-2xx. */
export class HarnessBackendSrv implements Partial<BackendSrv> {
  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return new Observable<FetchResponse<T>>((subscriber) => {
      const controller = new AbortController();
      let url = options.url.startsWith('/') || /^https?:/.test(options.url) ? options.url : `/${options.url}`;
      url += serializeParams(options.params as Record<string, unknown>);
      const method = (options.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
      let body: BodyInit | undefined;
      if (options.data !== undefined && method !== 'GET') {
        if (typeof options.data === 'string') {
          body = options.data;
        } else {
          body = JSON.stringify(options.data);
          headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
        }
      }
      window
        .fetch(url, { method, headers, body, signal: controller.signal })
        .then(async (res) => {
          const text = await res.text();
          let data: unknown = text;
          if (options.responseType !== 'text' && text) {
            try {
              data = JSON.parse(text);
            } catch {
              data = text;
            }
          }
          requestLog.push({ method, url, status: res.status, body: options.data });
          const response = {
            data: data as T,
            status: res.status,
            statusText: res.statusText,
            ok: res.ok,
            headers: res.headers,
            url: res.url,
            type: res.type,
            redirected: res.redirected,
            config: options,
          } as FetchResponse<T>;
          if (res.ok) {
            subscriber.next(response);
            subscriber.complete();
          } else {
            // Grafana's FetchError shape.
            subscriber.error({ status: res.status, statusText: res.statusText, data, config: options, isHandled: false });
          }
        })
        .catch((err) => {
          if (err?.name !== 'AbortError') {
            subscriber.error({ status: 0, statusText: String(err), data: { message: String(err) }, config: options });
          }
        });
      return () => controller.abort();
    });
  }

  async request<T>(options: BackendSrvRequest): Promise<T> {
    return (await lastValueFrom(this.fetch<T>(options))).data;
  }
  async datasourceRequest<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
    return lastValueFrom(this.fetch<T>(options));
  }
  get<T>(url: string, params?: unknown, requestId?: string, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, params: params as BackendSrvRequest['params'], requestId, method: 'GET' });
  }
  delete<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, data, method: 'DELETE' });
  }
  post<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, data, method: 'POST' });
  }
  patch<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, data, method: 'PATCH' });
  }
  put<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, data, method: 'PUT' });
  }
  resolveCancelerIfExists() {}
}

// ---------------------------------------------------------------- TemplateSrv ----

// Grafana's variable syntax: $var, [[var]], [[var:fmt]], ${var}, ${var.field}, ${var:fmt}.
const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

interface SceneObjectLike {
  parent?: SceneObjectLike;
  state: { $variables?: { getByName?: (name: string) => VariableLike | undefined } };
}
interface VariableLike {
  getValue(fieldPath?: string): unknown;
  getValueText?(): string;
  state: { name: string };
}

function sceneObjectOf(scopedVars?: ScopedVars): SceneObjectLike | undefined {
  const wrapped = scopedVars?.__sceneObject?.value as { valueOf?: () => unknown } | undefined;
  const obj = wrapped?.valueOf?.();
  return obj && typeof obj === 'object' && 'state' in (obj as object) ? (obj as SceneObjectLike) : undefined;
}

function findSceneVariable(obj: SceneObjectLike | undefined, name: string): VariableLike | undefined {
  for (let o = obj; o; o = o.parent) {
    const v = o.state.$variables?.getByName?.(name);
    if (v) {
      return v;
    }
  }
  return undefined;
}

const REGEX_ESCAPE = /[\\^$.*+?()[\]{}|]/g;

function formatValue(value: unknown, format: unknown, variable: unknown): string {
  // Scenes' custom variable values (e.g. CustomAllValue for "All") format themselves, as in
  // Grafana's sceneInterpolator.
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof (value as { formatter?: unknown }).formatter === 'function') {
    return String((value as { formatter: (f: unknown) => unknown }).formatter(format));
  }
  if (typeof format === 'function') {
    return String(format(value, variable, formatValue));
  }
  const arr = Array.isArray(value) ? value.map(String) : undefined;
  switch (format) {
    case 'regex':
      return arr ? (arr.length === 1 ? arr[0].replace(REGEX_ESCAPE, '\\$&') : `(${arr.map((v) => v.replace(REGEX_ESCAPE, '\\$&')).join('|')})`) : String(value).replace(REGEX_ESCAPE, '\\$&');
    case 'pipe':
      return arr ? arr.join('|') : String(value);
    case 'csv':
      return arr ? arr.join(',') : String(value);
    case 'json':
      return JSON.stringify(value);
    case 'raw':
    case 'text':
      return arr ? arr.join(',') : String(value);
    default:
      // Grafana's default for multi-values is the glob format {a,b}.
      return arr ? (arr.length === 1 ? arr[0] : `{${arr.join(',')}}`) : String(value ?? '');
  }
}

/**
 * A fake of Grafana's TemplateSrv. Like Grafana's, it resolves scoped variables first and, when
 * the request comes from a scene (scopedVars.__sceneObject), the scene's variables up the
 * object's parents (Grafana delegates to sceneGraph.interpolate, which does the same lookup).
 */
export const harnessTemplateSrv: TemplateSrv = {
  getVariables: () => [],
  containsTemplate: (target?: string) => Boolean(target && new RegExp(VARIABLE_RE.source).test(target)),
  updateTimeRange: () => {},
  replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
    if (!target) {
      return target ?? '';
    }
    const sceneObj = sceneObjectOf(scopedVars);
    return target.replace(VARIABLE_RE, (match, v1, v2, fmt2, v3, fieldPath, fmt3) => {
      const name = v1 || v2 || v3;
      const fmt = fmt2 || fmt3 || format;
      const scoped = scopedVars?.[name];
      if (scoped && name !== '__sceneObject') {
        return formatValue(scoped.value, fmt, undefined);
      }
      const variable = findSceneVariable(sceneObj, name);
      if (!variable) {
        return match;
      }
      return formatValue(variable.getValue(fieldPath), fmt, variable);
    });
  },
} as TemplateSrv;

// ---------------------------------------------------------------- runRequest ----

/**
 * A fake of Grafana's runRequest (public/app/features/query/state/runRequest.ts): runs the
 * datasource's query, keeps the latest packet of every response key (streams and static data),
 * and turns the result into PanelData with Grafana's states (Loading, Streaming, Done, Error).
 */
export function harnessRunRequest(
  ds: DataSourceApi,
  request: DataQueryRequest,
  queryFunction?: typeof ds.query
): Observable<PanelData> {
  const packets = new Map<string, DataQueryResponse>();
  const base: PanelData = { state: LoadingState.Loading, series: [], timeRange: request.range, request };
  let result: Observable<DataQueryResponse>;
  try {
    const r = (queryFunction ?? ds.query.bind(ds))(request) as Observable<DataQueryResponse> | Promise<DataQueryResponse>;
    result = isObservable(r) ? r : from(r);
  } catch (err) {
    result = new Observable((s) => s.error(err));
  }
  return new Observable<PanelData>((subscriber) => {
    subscriber.next(base);
    const sub = result
      .pipe(
        map((packet): PanelData => {
          packets.set(packet.key ?? 'A', packet);
          const all = [...packets.values()];
          const series: DataFrame[] = all.flatMap((p) => (p.data ?? []).map((f) => toDataFrame(f)));
          const errors = all.flatMap((p) => p.errors ?? (p.error ? [p.error] : []));
          let state = LoadingState.Done;
          if (errors.length) {
            state = LoadingState.Error;
          } else if (all.some((p) => p.state === LoadingState.Streaming)) {
            state = LoadingState.Streaming;
          } else if (all.some((p) => p.state === LoadingState.Loading)) {
            state = LoadingState.Loading;
          }
          return { ...base, state, series, errors: errors.length ? errors : undefined, error: errors[0] };
        }),
        catchError((err) => {
          const error = toDataQueryError(err);
          return of<PanelData>({ ...base, state: LoadingState.Error, error, errors: [error] });
        })
      )
      .subscribe(subscriber);
    return () => sub.unsubscribe();
  });
}

// ---------------------------------------------------------------- DataSourceSrv ----

export interface DatasourceDTO {
  id: number;
  uid: string;
  name: string;
  type: string;
  url: string;
  access: 'proxy' | 'direct';
  isDefault: boolean;
  readOnly: boolean;
  jsonData: Record<string, unknown>;
  secureJsonFields: Record<string, boolean>;
  basicAuth: boolean;
  database: string;
  version: number;
}

/** A fake of Grafana's DatasourceSrv: settings from GET /api/datasources, instances of the plugin's class. */
export class HarnessDataSourceSrv implements DataSourceSrv {
  private settings: DataSourceInstanceSettings[] = [];
  private instances = new Map<string, DataSourceApi>();

  constructor(
    private readonly loadPlugin: (type: string) => Promise<{ plugin: DataSourcePlugin<any, any, any>; meta: DataSourcePluginMeta }>,
    private readonly metas: Record<string, DataSourcePluginMeta>
  ) {}

  async reload(): Promise<void> {
    const list = await new HarnessBackendSrv().get<DatasourceDTO[]>('/api/datasources');
    this.settings = list
      .filter((d) => this.metas[d.type])
      .map((d) => ({
        id: d.id,
        uid: d.uid,
        type: d.type,
        name: d.name,
        meta: this.metas[d.type],
        url: `/api/datasources/proxy/uid/${d.uid}`,
        access: d.access,
        jsonData: d.jsonData as DataSourceInstanceSettings['jsonData'],
        readOnly: d.readOnly,
        isDefault: d.isDefault,
        database: d.database,
        basicAuth: d.basicAuth ? 'enabled' : undefined,
        withCredentials: false,
      }));
    this.instances.clear();
  }

  getInstanceSettings(ref?: DataSourceRef | string | null): DataSourceInstanceSettings | undefined {
    if (ref === null || ref === undefined || ref === 'default') {
      return this.settings.find((s) => s.isDefault) ?? undefined;
    }
    const key = typeof ref === 'string' ? ref : ref.uid;
    if (!key) {
      return typeof ref === 'object' && ref.type ? this.settings.find((s) => s.type === ref.type) : undefined;
    }
    return this.settings.find((s) => s.uid === key || s.name === key);
  }

  async get(ref?: DataSourceRef | string | null): Promise<DataSourceApi> {
    const settings = this.getInstanceSettings(ref);
    if (!settings) {
      throw new Error(`Datasource ${typeof ref === 'object' ? JSON.stringify(ref) : ref} was not found`);
    }
    const cached = this.instances.get(settings.uid);
    if (cached) {
      return cached;
    }
    const { plugin } = await this.loadPlugin(settings.type);
    const instance = new plugin.DataSourceClass(settings) as DataSourceApi;
    instance.components = plugin.components;
    instance.meta = settings.meta;
    this.instances.set(settings.uid, instance);
    return instance;
  }

  getList(filters: { pluginId?: string; type?: string | string[] } = {}): DataSourceInstanceSettings[] {
    return this.settings.filter((s) => {
      if (filters.pluginId && s.type !== filters.pluginId) {
        return false;
      }
      if (filters.type) {
        const types = Array.isArray(filters.type) ? filters.type : [filters.type];
        if (!types.includes(s.type)) {
          return false;
        }
      }
      return true;
    });
  }

  registerRuntimeDataSource(): void {
    throw new Error('the plugin harness does not support runtime datasources');
  }
}

// ---------------------------------------------------------------- GrafanaLiveSrv ----

interface Columns {
  json: DataFrameJSON;
  values: unknown[][];
}

interface LiveHandlers {
  uid: string;
  path: string;
  onPacket: (frame: DataFrameJSON) => void;
  onError: (message: string) => void;
}

/**
 * The page's one Live connection. Grafana Live multiplexes every channel over one Centrifuge
 * WebSocket; the fake does the same over one Server-Sent Events session of grafana-api-fake
 * (`GET /api/live/harness`, then `POST …/subscribe` and `…/unsubscribe` per channel). One
 * connection per channel would exhaust the browser's six HTTP/1.1 connections per host, and
 * every later stream and query would wait forever.
 */
class HarnessLiveConnection {
  private es?: EventSource;
  private session?: string;
  private sessions = 0;
  private waiting: Array<() => void> = [];
  private subs = new Map<string, LiveHandlers>();
  private next = 0;

  subscribe(handlers: LiveHandlers): () => void {
    const sub = String(++this.next);
    this.subs.set(sub, handlers);
    this.open();
    this.whenSession(() => this.post('subscribe', sub, handlers));
    return () => {
      this.subs.delete(sub);
      if (this.session) {
        void fetch(`/api/live/harness/unsubscribe?session=${this.session}&sub=${sub}`, { method: 'POST' });
      }
    };
  }

  private open() {
    if (this.es) {
      return;
    }
    this.es = new EventSource('/api/live/harness');
    this.es.addEventListener('session', (ev) => {
      const reconnect = this.sessions++ > 0;
      this.session = JSON.parse((ev as MessageEvent).data);
      if (reconnect) {
        // A new session after a lost connection: subscribe every open channel again, as
        // Centrifuge resubscribes after reconnecting.
        this.subs.forEach((h, sub) => void this.post('subscribe', sub, h));
      }
      this.waiting.splice(0).forEach((f) => f());
    });
    this.es.addEventListener('packet', (ev) => {
      const { sub, frame } = JSON.parse((ev as MessageEvent).data) as { sub: string; frame: DataFrameJSON };
      this.subs.get(sub)?.onPacket(frame);
    });
    this.es.addEventListener('stream-error', (ev) => {
      const { sub, message } = JSON.parse((ev as MessageEvent).data) as { sub: string; message: string };
      this.subs.get(sub)?.onError(message);
    });
    // Connection lost: EventSource reconnects and the server opens a new session.
    this.es.addEventListener('error', () => (this.session = undefined));
  }

  private whenSession(f: () => void) {
    if (this.session) {
      f();
    } else {
      this.waiting.push(f);
    }
  }

  private async post(op: 'subscribe', sub: string, h: LiveHandlers) {
    const url = `/api/live/harness/${op}?session=${this.session}&sub=${sub}&uid=${encodeURIComponent(h.uid)}&path=${encodeURIComponent(h.path)}`;
    const res = await fetch(url, { method: 'POST' });
    if (!res.ok && this.subs.has(sub)) {
      const body = await res.json().catch(() => ({}));
      h.onError(body.message ?? `Live subscribe failed: HTTP ${res.status}`);
    }
  }
}

const liveConnection = new HarnessLiveConnection();

/**
 * A fake of Grafana's GrafanaLiveSrv. Grafana Live runs the plugin's stream behind a Centrifuge
 * WebSocket; here grafana-api-fake runs the same SubscribeStream/RunStream and forwards each
 * packet over the page's one Server-Sent Events session. getDataStream appends every packet's rows
 * to the frame (Grafana's StreamingDataFrame, Append action), trimmed to the buffer's maxLength and maxDelta.
 */
export const harnessLiveSrv: GrafanaLiveSrv = {
  getConnectionState: () => of(true),
  getStream: () => {
    throw new Error('the plugin harness implements only getDataStream of Grafana Live');
  },
  getPresence: () => Promise.reject(new Error('the plugin harness does not implement Live presence')),
  publish: () => Promise.reject(new Error('the plugin harness does not implement Live publish')),
  getDataStream(options: LiveDataStreamOptions): Observable<DataQueryResponse> {
    const { addr } = options;
    const uid = (addr as { stream?: string }).stream ?? addr.namespace ?? "";
    const key = options.key ?? `${addr.scope}/${uid}/${addr.path}`;
    return new Observable<DataQueryResponse>((subscriber) => {
      let cols: Columns | undefined;
      const init = options.frame as DataFrameJSON | undefined;
      if (init?.schema) {
        const n = init.schema.fields.length;
        cols = { json: init, values: Array.from({ length: n }, (_, i) => [...(init.data?.values?.[i] ?? [])]) };
      }
      const emit = () => {
        if (!cols) {
          return;
        }
        const frame = dataFrameFromJSON({ schema: cols.json.schema, data: { values: cols.values } });
        subscriber.next({ key, state: LoadingState.Streaming, data: [frame] });
      };
      (window as any).__harness.liveConnections++;
      const onPacket = (packet: DataFrameJSON) => {
        const n = packet.schema?.fields.length ?? cols?.json.schema?.fields.length ?? 0;
        if (!cols || (packet.schema && packet.schema.fields.length !== cols.values.length)) {
          cols = { json: packet, values: Array.from({ length: n }, () => []) };
        } else if (packet.schema) {
          // Same structure: labels and config follow the newest schema (StreamingDataFrame does the
          // same), e.g. after the backend's empty first frame of a stream without data.
          cols.json = { ...cols.json, schema: packet.schema };
        }
        packet.data?.values?.forEach((vals, i) => cols!.values[i]?.push(...vals));
        // Trim like StreamingDataFrame: at most maxLength rows, and nothing older than maxDelta.
        const timeIdx = cols.json.schema!.fields.findIndex((f) => f.type === FieldType.time);
        let drop = 0;
        const len = cols.values[0]?.length ?? 0;
        if (options.buffer?.maxLength && len > options.buffer.maxLength) {
          drop = len - options.buffer.maxLength;
        }
        if (options.buffer?.maxDelta && timeIdx >= 0 && len) {
          const times = cols.values[timeIdx] as number[];
          const newest = times[len - 1];
          while (drop < len && newest - times[drop] > options.buffer.maxDelta) {
            drop++;
          }
        }
        if (drop) {
          cols.values = cols.values.map((v) => v.slice(drop));
        }
        (window as any).__harness.livePackets++;
        emit();
      };
      const unsubscribe = liveConnection.subscribe({
        uid,
        path: addr.path,
        onPacket,
        onError: (message) => subscriber.next({ key, state: LoadingState.Error, data: [], error: { message } }),
      });
      return () => {
        unsubscribe();
        (window as any).__harness.liveConnections--;
      };
    });
  },
};

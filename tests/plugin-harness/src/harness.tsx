// The plugin harness: a page that loads the built plugin (dist/module.js and
// dist/datasource/module.js) the way Grafana's frontend does (AMD modules through SystemJS, with
// the libraries Grafana shares registered as SystemJS modules), provides Grafana's host services
// through the setters of @grafana/runtime (see services.ts), and renders the app's root page,
// its configuration page, and the datasource's ConfigEditor and QueryEditor. It is not Grafana:
// Grafana's frontend cannot be built here (docs/browser-tests.md).
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as jsxDevRuntime from 'react/jsx-dev-runtime';
import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as i18next from 'i18next';
import * as lodash from 'lodash';
import * as reactRouter from 'react-router';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';

import {
  type AppPlugin,
  type AppPluginMeta,
  type DataQuery,
  type DataSourceApi,
  type DataSourcePlugin,
  type DataSourcePluginMeta,
  type DataSourceSettings,
  EventBusSrv,
  PluginContextProvider,
  ThemeContext,
  dateTime,
  getDefaultTimeRange,
  LoadingState,
  type PanelData,
} from '@grafana/data';
import {
  config,
  locationService,
  setAppEvents,
  setBackendSrv,
  setDataSourceSrv,
  setEchoSrv,
  setGrafanaLiveSrv,
  setPluginImportUtils,
  setRunRequest,
  setTemplateSrv,
  type BackendSrv,
  getDataSourceSrv,
  getBackendSrv,
  LocationServiceProvider,
} from '@grafana/runtime';
import { Alert, Button, ErrorBoundaryAlert, PortalContainer, Stack } from '@grafana/ui';
import { Route, Router, Routes, useParams } from 'react-router';
import { lastValueFrom } from 'rxjs';

import { harnessPanelPlugin, summarise } from './panels';
import {
  type DatasourceDTO,
  HarnessBackendSrv,
  HarnessDataSourceSrv,
  harnessLiveSrv,
  harnessRunRequest,
  harnessTemplateSrv,
  requestLog,
} from './services';

const APP_ID = 'hifreq-netmon-app';
const DS_TYPE = 'hifreq-netmon-datasource';

declare global {
  interface Window {
    System: any;
    __harness: Record<string, any>;
  }
}
window.__harness = { ready: false, errors: [] as string[], requests: requestLog, livePackets: 0, liveConnections: 0 };
window.addEventListener('error', (e) => window.__harness.errors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => window.__harness.errors.push(String(e.reason?.message ?? e.reason)));

// ---- the libraries Grafana shares with plugins, registered like Grafana's SystemJS setup ----
const shared: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  'react/jsx-runtime': jsxRuntime,
  'react/jsx-dev-runtime': jsxDevRuntime,
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  '@grafana/data': grafanaData,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/ui': grafanaUi,
  i18next,
  lodash,
  'react-router': reactRouter,
  rxjs,
  'rxjs/operators': rxjsOperators,
};
function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const el = document.createElement('script');
    el.src = src;
    el.onload = () => resolve();
    el.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(el);
  });
}

/**
 * Loads SystemJS and its AMD extra (as Grafana does) and registers the shared libraries. This
 * runs after the libraries are initialised: the AMD extra defines a global `define`, and UMD
 * libraries evaluated after it (lodash) would register with it instead of exporting.
 */
async function setUpSystemJS() {
  await loadScript('/harness/system.js');
  await loadScript('/harness/amd.js');
  const imports: Record<string, string> = {};
  for (const [name, mod] of Object.entries(shared)) {
    const id = `app:${name}`;
    // __useDefault: the AMD extra hands the module object itself to define() factories.
    window.System.set(id, { ...(mod as object), default: (mod as any).default ?? mod, __useDefault: true });
    imports[name] = id;
  }
  window.System.addImportMap({ imports });
}

/** Loads a plugin module like Grafana's importPluginModule: SystemJS.import, then the exported plugin. */
async function importPluginModule<T>(path: string): Promise<T> {
  const url = new URL(path, document.baseURI).href;
  const ns = await window.System.import(url);
  // The app module has a top-level await, so its AMD factory returns a promise of its exports.
  const exports = await (ns.__useDefault ? ns.default : ns);
  if (!exports?.plugin) {
    throw new Error(`${path} does not export a plugin`);
  }
  return exports.plugin as T;
}

// ---- plugin metadata from the fake's /api/plugins/:id/settings ----
let appMeta: AppPluginMeta;
let dsMeta: DataSourcePluginMeta;
let dsPluginPromise: Promise<DataSourcePlugin<any, any, any>> | undefined;
function loadDatasourcePlugin() {
  dsPluginPromise ??= importPluginModule<DataSourcePlugin<any, any, any>>(dsMeta.module).then((p) => {
    p.meta = dsMeta;
    return p;
  });
  return dsPluginPromise;
}

const history = locationService.getHistory();

function HarnessRouter({ children }: { children: React.ReactNode }) {
  const [location, setLocation] = React.useState(history.location);
  React.useLayoutEffect(() => history.listen((loc: typeof history.location) => setLocation(loc)), []);
  return (
    <Router location={location} navigator={history as any}>
      {children}
    </Router>
  );
}

function useAsync<T>(fn: () => Promise<T>, deps: React.DependencyList): { value?: T; error?: string } {
  const [state, setState] = React.useState<{ value?: T; error?: string }>({});
  React.useEffect(() => {
    let live = true;
    fn().then(
      (value) => live && setState({ value }),
      (e) => live && setState({ error: String(e?.message ?? e) })
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}

// ---- pages ----

function AppRootPage() {
  const { value: plugin, error } = useAsync(async () => {
    const p = await importPluginModule<AppPlugin>(appMeta.module);
    p.init(appMeta);
    p.meta = appMeta;
    return p;
  }, []);
  if (error) {
    return <Alert title="The app module failed to load">{error}</Alert>;
  }
  if (!plugin?.root) {
    return <div data-testid="harness-loading">Loading app…</div>;
  }
  const Root = plugin.root;
  return (
    <PluginContextProvider meta={appMeta}>
      <div data-testid="harness-app-root">
        <Root meta={appMeta} basename={`/a/${APP_ID}`} query={{}} path={`/a/${APP_ID}`} onNavChanged={() => {}} />
      </div>
    </PluginContextProvider>
  );
}

function AppConfigPage() {
  const { value: plugin, error } = useAsync(async () => {
    const p = await importPluginModule<AppPlugin>(appMeta.module);
    p.init(appMeta);
    p.meta = appMeta;
    return p;
  }, []);
  if (error) {
    return <Alert title="The app module failed to load">{error}</Alert>;
  }
  if (!plugin) {
    return <div data-testid="harness-loading">Loading app…</div>;
  }
  return (
    <PluginContextProvider meta={appMeta}>
      <div data-testid="harness-app-config">
        <h2>{appMeta.name}: plugin configuration (plugin harness)</h2>
        {(plugin.configPages ?? []).map((page) => {
          const Body = page.body;
          return (
            <section key={page.id} data-testid={`harness-config-page-${page.id}`}>
              <h3>{page.title}</h3>
              <Body plugin={plugin} query={{}} />
            </section>
          );
        })}
      </div>
    </PluginContextProvider>
  );
}

/** A fake of Grafana's datasource settings page: the plugin's ConfigEditor, then Save & test. */
function DatasourceSettingsPage() {
  const { uid = '' } = useParams();
  const [options, setOptions] = React.useState<DataSourceSettings | undefined>();
  const [loadError, setLoadError] = React.useState<string>();
  const [result, setResult] = React.useState<{ status: 'success' | 'error'; message: string }>();
  const [busy, setBusy] = React.useState(false);
  const { value: plugin } = useAsync(loadDatasourcePlugin, []);

  React.useEffect(() => {
    getBackendSrv()
      .get<DataSourceSettings>(`/api/datasources/uid/${uid}`)
      .then(setOptions, (e) => setLoadError(e?.data?.message ?? String(e)));
  }, [uid]);

  if (loadError) {
    return <Alert title="Could not load the data source">{loadError}</Alert>;
  }
  if (!options || !plugin) {
    return <div data-testid="harness-loading">Loading data source…</div>;
  }
  const Editor = plugin.components.ConfigEditor!;
  const saveAndTest = async () => {
    setBusy(true);
    setResult(undefined);
    try {
      // As Grafana: PUT the settings, reload the datasource list, then testDatasource() on a new instance.
      const saved = await getBackendSrv().put<{ datasource: DataSourceSettings }>(`/api/datasources/uid/${uid}`, options);
      setOptions(saved.datasource);
      await (getDataSourceSrv() as HarnessDataSourceSrv).reload();
      const ds = await getDataSourceSrv().get(uid);
      const res = await ds.testDatasource();
      setResult({ status: res.status === 'success' ? 'success' : 'error', message: res.message });
    } catch (e: any) {
      setResult({ status: 'error', message: e?.message ?? e?.data?.message ?? String(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="harness-datasource-settings">
      <h2>
        {options.name} ({options.type}) (plugin harness)
      </h2>
      <Editor options={options} onOptionsChange={setOptions} />
      {result && (
        <div data-testid="data-testid Data source settings page test result">
          <Alert severity={result.status} title={result.status === 'success' ? 'Data source is working' : 'Test failed'}>
            <span data-testid="harness-test-message">{result.message}</span>
          </Alert>
        </div>
      )}
      <Stack>
        <Button data-testid="data-testid Data source settings page Save and Test button" disabled={busy} onClick={saveAndTest}>
          Save &amp; test
        </Button>
      </Stack>
    </div>
  );
}

/** A small fake of Explore: the datasource's QueryEditor and the query's result through runRequest. */
function QueryEditorPage() {
  const { uid = '' } = useParams();
  const { value: ds, error } = useAsync(() => getDataSourceSrv().get(uid), [uid]);
  const [query, setQuery] = React.useState<DataQuery | undefined>();
  const [data, setData] = React.useState<PanelData>();
  React.useEffect(() => {
    if (ds && !query) {
      // ?query=<JSON> gives the model the editor opens with (like Explore's URL state).
      const fromUrl = new URLSearchParams(window.location.search).get('query');
      setQuery({
        refId: 'A',
        datasource: { uid: ds.uid, type: ds.type },
        ...(ds.getDefaultQuery?.(grafanaData.CoreApp.Explore) ?? {}),
        ...(fromUrl ? JSON.parse(fromUrl) : {}),
      } as DataQuery);
    }
  }, [ds, query]);
  if (error) {
    return <Alert title="Could not load the data source">{error}</Alert>;
  }
  if (!ds || !query) {
    return <div data-testid="harness-loading">Loading…</div>;
  }
  const run = async () => {
    const params = new URLSearchParams(window.location.search);
    const range = getDefaultTimeRange();
    range.from = dateTime(Date.now() - Number(params.get('rangeMs') ?? 5 * 60 * 1000));
    range.to = dateTime(Date.now());
    range.raw = { from: range.from, to: range.to };
    const request = {
      requestId: 'harness', app: grafanaData.CoreApp.Explore, interval: '1s', intervalMs: 1000, maxDataPoints: 1000,
      range, scopedVars: {}, targets: [query], timezone: 'utc', startTime: Date.now(),
    } as unknown as grafanaData.DataQueryRequest;
    const result = await lastValueFrom(harnessRunRequest(ds as DataSourceApi, request));
    setData(result);
  };
  const Editor = ds.components!.QueryEditor!;
  return (
    <div data-testid="harness-query-editor">
      {/* Like Explore's query rows, the editor has its own error boundary: the query still runs. */}
      <div data-testid="harness-query-editor-plugin">
        <ErrorBoundaryAlert>
          <Editor datasource={ds} query={query} onChange={(q: DataQuery) => setQuery(q)} onRunQuery={run} />
        </ErrorBoundaryAlert>
      </div>
      <Button data-testid="harness-run-query" onClick={run}>
        Run query
      </Button>
      <pre data-testid="harness-query-model">{JSON.stringify(query)}</pre>
      {data && (
        <div data-testid="harness-query-result" data-state={data.state}>
          {data.state === LoadingState.Error && (
            <Alert title="Query error">
              <span data-testid="harness-query-error">{data.errors?.map((e) => e.message).join('; ') ?? data.error?.message}</span>
            </Alert>
          )}
          {summarise(data.series).map((s) => (
            <div
              key={s.name}
              data-testid="harness-series"
              data-name={s.name}
              data-points={s.values.filter((v) => v !== null).length}
              data-max={Math.max(...s.values.filter((v): v is number => v !== null))}
              data-last={s.values.filter((v): v is number => v !== null).pop() ?? ''}
              data-step={s.times.length > 1 ? s.times[1] - s.times[0] : ''}
              data-values={JSON.stringify(s.values.filter((v) => v !== null))}
            >
              {s.name}: {s.values.filter((v) => v !== null).length} points, max {Math.max(...s.values.filter((v): v is number => v !== null))}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

function Shell() {
  return (
    <div style={{ padding: 16 }}>
      <div data-testid="harness-banner" style={{ fontSize: 11, opacity: 0.6, marginBottom: 8 }}>
        plugin harness (fake Grafana host) · {appMeta.name} {appMeta.info.version}
      </div>
      {/* Grafana renders plugin pages inside an error boundary that shows the error as an alert. */}
      <Routes>
        <Route path={`/a/${APP_ID}/*`} element={<ErrorBoundaryAlert><AppRootPage /></ErrorBoundaryAlert>} />
        <Route path={`/plugins/${APP_ID}`} element={<ErrorBoundaryAlert><AppConfigPage /></ErrorBoundaryAlert>} />
        <Route path="/connections/datasources/edit/:uid" element={<ErrorBoundaryAlert><DatasourceSettingsPage /></ErrorBoundaryAlert>} />
        <Route path="/harness/query/:uid" element={<ErrorBoundaryAlert><QueryEditorPage /></ErrorBoundaryAlert>} />
        <Route path="*" element={<div data-testid="harness-not-found">No harness page here</div>} />
      </Routes>
    </div>
  );
}

async function boot() {
  await setUpSystemJS();
  const backendSrv = new HarnessBackendSrv();
  setBackendSrv(backendSrv as unknown as BackendSrv);
  appMeta = await backendSrv.get(`/api/plugins/${APP_ID}/settings`);
  dsMeta = await backendSrv.get(`/api/plugins/${DS_TYPE}/settings`);
  const dsSrv = new HarnessDataSourceSrv(async () => ({ plugin: await loadDatasourcePlugin(), meta: dsMeta }), { [DS_TYPE]: dsMeta });
  setDataSourceSrv(dsSrv);
  setTemplateSrv(harnessTemplateSrv);
  setRunRequest(harnessRunRequest);
  setGrafanaLiveSrv(harnessLiveSrv);
  setAppEvents(new EventBusSrv());
  setEchoSrv({
    logging: false,
    addBackend: () => {},
    addEvent: () => {},
    flush: () => {},
    isEnabled: () => false,
  } as any);
  setPluginImportUtils({
    importPanelPlugin: async (id: string) => harnessPanelPlugin(id),
    getPanelPluginFromCache: (id: string) => harnessPanelPlugin(id),
  });
  await dsSrv.reload();
  config.datasources = Object.fromEntries(dsSrv.getList().map((s) => [s.name, s]));
  config.apps = { [APP_ID]: { id: APP_ID, path: appMeta.module, version: appMeta.info.version, preload: false } as any };
  const list: DatasourceDTO[] = await backendSrv.get('/api/datasources');
  window.__harness.datasources = list.map((d) => d.uid);

  const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  const root = createRoot(document.getElementById('reactRoot')!, {
    // Errors an error boundary caught (Grafana logs them too): the specs report them.
    onCaughtError: (e) => window.__harness.errors.push(`caught by an error boundary: ${describe(e)}`),
    onUncaughtError: (e) => window.__harness.errors.push(`uncaught: ${describe(e)}`),
  });
  root.render(
    <ThemeContext.Provider value={config.theme2}>
      <LocationServiceProvider service={locationService}>
        <HarnessRouter>
          <Shell />
          {/* Grafana's app root renders the portal container menus and tooltips go into. */}
          <PortalContainer />
        </HarnessRouter>
      </LocationServiceProvider>
    </ThemeContext.Provider>
  );
  window.__harness.ready = true;
}

boot().catch((e) => {
  window.__harness.errors.push(`boot: ${e?.message ?? e?.data?.message ?? e}`);
  document.getElementById('reactRoot')!.textContent = `plugin harness failed to start: ${e?.message ?? JSON.stringify(e)}`;
});

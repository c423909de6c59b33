// The `apiserver` pod source: ListWatch of this node's pods (fieldSelector=spec.nodeName=<node>)
// with @kubernetes/client-node 1.x. ListWatch relists by itself after a 410 Gone (ERROR event or
// status); after any other error it stops, and we restart it with backoff (keeping its
// resourceVersion, so a reconnect resumes the watch instead of relisting).
import { CoreV1Api, KubeConfig, ListWatch, Watch, type V1Pod } from '@kubernetes/client-node';
import { Backoff } from './backoff.ts';
import { fromKubernetesPod, type Pod, type PodSource } from './pod.ts';

/** Asks for bookmarks, so an idle watch keeps a fresh resourceVersion and rarely meets 410 Gone. */
class BookmarkWatch extends Watch {
  override watch(path: string, queryParams: Record<string, any>, callback: (phase: string, apiObj: any, watchObj?: any) => void, done: (err: any) => void): Promise<AbortController> {
    return super.watch(path, { ...queryParams, allowWatchBookmarks: true }, callback, done);
  }
}

export function loadKubeConfig(kubeconfigPath: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
    else kc.loadFromCluster();
  } catch (err) {
    throw new Error(`cannot load ${kubeconfigPath ? `--pods.kubeconfig ${kubeconfigPath}` : 'the in-cluster service account config'}: ${(err as Error).message}`);
  }
  if (!kc.getCurrentCluster()) {
    throw new Error(`${kubeconfigPath ? `--pods.kubeconfig ${kubeconfigPath}` : 'the in-cluster config'} names no current cluster; set current-context or run in a pod with a service account`);
  }
  return kc;
}

function describeError(err: any): string {
  const status = err?.statusCode ?? err?.code;
  if (typeof status !== 'number') return String(err?.message ?? err).split('\n')[0];
  let message = String(err?.message ?? '').split('\n')[0];
  let body = err?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // not a Status object
    }
  }
  if (body && typeof body === 'object' && typeof body.message === 'string') message = body.message;
  else if (/^HTTP-Code: /.test(message)) message = `status ${status}`;
  return `HTTP ${status}: ${message}`;
}

export class ApiServerPodSource implements PodSource {
  readonly name = 'apiserver';
  private listWatch: ListWatch<V1Pod> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private pending = false;
  private readonly backoff: Backoff;
  relists = 0;

  constructor(private readonly kc: KubeConfig, private readonly nodeName: string, backoff = new Backoff(500, 30_000)) {
    this.backoff = backoff;
  }

  async start(onPods: (pods: Pod[]) => void, onError: (message: string) => void): Promise<void> {
    const fieldSelector = `spec.nodeName=${this.nodeName}`;
    const api = this.kc.makeApiClient(CoreV1Api);
    const listFn = async () => {
      this.relists++;
      return api.listPodForAllNamespaces({ fieldSelector });
    };
    const lw = new ListWatch<V1Pod>('/api/v1/pods', new BookmarkWatch(this.kc), listFn, false, undefined, fieldSelector);
    this.listWatch = lw;
    // Coalesce the burst of add events of a (re)list into one snapshot.
    const changed = () => {
      if (this.pending) return;
      this.pending = true;
      setImmediate(() => {
        this.pending = false;
        if (this.stopped) return;
        onPods(lw.list().map(fromKubernetesPod).filter((p): p is Pod => p !== undefined));
      });
    };
    lw.on('add', changed);
    lw.on('update', changed);
    lw.on('delete', changed);
    lw.on('error', (err: unknown) => {
      if (this.stopped) return;
      const delay = this.backoff.next();
      onError(`pod watch on the API server failed: ${describeError(err)}; retrying in ${delay} ms`);
      this.retry = setTimeout(() => {
        if (!this.stopped) void lw.start();
      }, delay);
    });
    await lw.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.listWatch?.stop();
  }
}

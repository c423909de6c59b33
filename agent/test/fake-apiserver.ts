// A FAKE Kubernetes API server (HTTP on 127.0.0.1) serving just what a pod ListWatch uses:
// GET /api/v1/pods (list; fieldSelector=spec.nodeName=<n> filtered) and ?watch=true streams of
// newline-delimited events from a resourceVersion, with BOOKMARK events when asked
// (allowWatchBookmarks), 410 Gone (an ERROR event with a Status) for a compacted
// resourceVersion, and knobs to drop connections and fail requests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';

export interface FakePod {
  namespace: string;
  name: string;
  nodeName: string;
  labels?: Record<string, string>;
  uid?: string;
}

interface Event {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: any;
}

export class FakeApiServer {
  private server: Server | undefined;
  private rv = 100;
  /** Events at or below this resourceVersion are compacted: watching from older gets 410 Gone. */
  private compactedRv = 100;
  private readonly pods = new Map<string, any>();
  private readonly events: Event[] = [];
  private readonly watchers = new Set<{ res: ServerResponse; node?: string; bookmarks: boolean }>();
  private bookmarkTimer: NodeJS.Timeout | undefined;
  /** Every request seen: method, path and query, for assertions. */
  readonly requests: Array<{ path: string; query: URLSearchParams }> = [];
  failLists = 0;
  failWatches = 0;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    this.bookmarkTimer = setInterval(() => this.sendBookmarks(), 1000);
  }

  async stop(): Promise<void> {
    clearInterval(this.bookmarkTimer);
    this.dropConnections();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  writeKubeconfig(path: string): void {
    writeFileSync(path, [
      'apiVersion: v1', 'kind: Config', 'current-context: fake',
      'clusters: [{name: fake, cluster: {server: "http://127.0.0.1:' + this.port + '", insecure-skip-tls-verify: true}}]',
      'users: [{name: agent, user: {token: fake-token}}]',
      'contexts: [{name: fake, context: {cluster: fake, user: agent}}]', '',
    ].join('\n'));
  }

  private podObject(p: FakePod, rv: number): any {
    return {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: p.name, namespace: p.namespace, uid: p.uid ?? `uid-${p.namespace}-${p.name}`, resourceVersion: String(rv),
        labels: p.labels ?? {}, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: `${p.name.replace(/-\d+$/, '')}-job`, controller: true, uid: 'o' }],
      },
      spec: { nodeName: p.nodeName, containers: [{ name: 'c', image: 'x' }] },
      status: { phase: 'Running' },
    };
  }

  upsert(p: FakePod): void {
    const key = `${p.namespace}/${p.name}`;
    const type = this.pods.has(key) ? 'MODIFIED' : 'ADDED';
    const obj = this.podObject(p, ++this.rv);
    this.pods.set(key, obj);
    this.publish({ rv: this.rv, type, object: obj });
  }

  remove(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const old = this.pods.get(key);
    if (!old) return;
    this.pods.delete(key);
    const obj = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
    this.publish({ rv: this.rv, type: 'DELETED', object: obj });
  }

  /** Forgets history: a watch resuming from an older resourceVersion gets 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
  }

  /** Cuts every open watch stream mid-flight (as a load balancer or apiserver restart would). */
  dropConnections(): void {
    for (const w of this.watchers) w.res.socket?.destroy();
    this.watchers.clear();
  }

  private publish(e: Event): void {
    this.events.push(e);
    for (const w of this.watchers) {
      if (!w.node || e.object.spec.nodeName === w.node) w.res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
    }
  }

  private sendBookmarks(): void {
    for (const w of this.watchers) {
      if (w.bookmarks) w.res.write(JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } } }) + '\n');
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ path: url.pathname, query: url.searchParams });
    if (url.pathname !== '/api/v1/pods') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }));
      return;
    }
    const fs = url.searchParams.get('fieldSelector');
    let node: string | undefined;
    if (fs) {
      const m = /^spec\.nodeName=(.*)$/.exec(fs);
      if (!m) {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', code: 400, message: `unsupported fieldSelector ${fs}` }));
        return;
      }
      node = m[1];
    }
    const watch = url.searchParams.get('watch') === 'true';
    if ((watch && this.failWatches > 0 && this.failWatches--) || (!watch && this.failLists > 0 && this.failLists--)) {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 500, message: 'fake: internal error' }));
      return;
    }
    const items = [...this.pods.values()].filter((p) => !node || p.spec.nodeName === node);
    if (!watch) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(this.rv) }, items }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const from = Number(url.searchParams.get('resourceVersion') || '0');
    if (from && from < this.compactedRv) {
      res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: `too old resource version: ${from} (${this.compactedRv})` } }) + '\n');
      return;
    }
    for (const e of this.events) {
      if (e.rv > from && (!node || e.object.spec.nodeName === node)) res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
    }
    const w = { res, node, bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true' };
    this.watchers.add(w);
    res.on('close', () => this.watchers.delete(w));
  }
}

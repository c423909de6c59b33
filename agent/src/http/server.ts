// HTTP endpoints: /metrics, /healthz, /-/ready, /api/v1/targets, /api/v1/remote-write.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from '../metrics/promclient.ts';
import type { MetricsCache } from './metricsCache.ts';

export interface HttpDeps {
  cache: MetricsCache;
  registry: Registry;
  logger: Logger;
  ready: () => boolean;
  targets: () => unknown;
  remoteWriteStatus?: () => unknown;
}

/** `:9105` → all interfaces; `127.0.0.1:0` → a free loopback port. */
export function parseListenAddress(address: string): { host: string | undefined; port: number } {
  const m = /^(?:\[?([^\]]*)\]?)?:(\d+)$/.exec(address);
  if (!m || Number(m[2]) > 65535) {
    throw new Error(`invalid --web.listen-address ${JSON.stringify(address)}: expected [host]:port, e.g. :9105 or 127.0.0.1:9105`);
  }
  return { host: m[1] || undefined, port: Number(m[2]) };
}

export async function startHttpServer(address: string, deps: HttpDeps): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const { host, port } = parseListenAddress(address);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'text/plain', `method ${req.method} not allowed; use GET\n`);
      return;
    }
    switch (path) {
      case '/metrics':
        deps.registry.metrics().then(
          (own) => {
            res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
            res.write(deps.cache.render());
            res.end(own);
          },
          (err) => send(500, 'text/plain', `cannot render self-metrics: ${err}\n`),
        );
        return;
      case '/healthz':
        send(200, 'text/plain', 'ok\n');
        return;
      case '/-/ready':
        if (deps.ready()) send(200, 'text/plain', 'ready\n');
        else send(503, 'text/plain', 'not ready: waiting for the first pod list and the first collection\n');
        return;
      case '/api/v1/targets':
        send(200, 'application/json', JSON.stringify(deps.targets(), null, 1));
        return;
      case '/api/v1/remote-write': {
        const rw = deps.remoteWriteStatus?.();
        if (rw !== undefined) send(200, 'application/json', JSON.stringify(rw, null, 1));
        else send(404, 'application/json', JSON.stringify({ error: 'remote write is off: start the agent with --remote-write.url' }));
        return;
      }
      default:
        send(404, 'text/plain', 'not found; endpoints: /metrics /healthz /-/ready /api/v1/targets /api/v1/remote-write\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`cannot listen on --web.listen-address ${address}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  deps.logger.info({ address, port: bound }, 'HTTP server listening');
  return {
    server,
    port: bound,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

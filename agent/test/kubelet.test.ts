// The kubelet pod source against a FAKE kubelet (HTTP /pods on 127.0.0.1 checking the bearer token).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeletPodSource } from '../src/pods/kubelet.ts';
import type { Pod } from '../src/pods/pod.ts';
import { sleep } from './helpers.ts';

function podJson(name: string, nodeName: string, labels: Record<string, string> = {}) {
  return { metadata: { name, namespace: 'train', uid: `uid-${name}`, labels }, spec: { nodeName } };
}

describe('kubelet pod source (fake kubelet)', { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hifreq-kubelet-'));
  const tokenFile = join(dir, 'token');
  let server: Server;
  let port = 0;
  let items: object[] = [podJson('w-0', 'node-1', { monitor: 'high-frequency' })];
  const auth: string[] = [];

  before(async () => {
    writeFileSync(tokenFile, 'good-token\n');
    server = createServer((req, res) => {
      auth.push(req.headers.authorization ?? '');
      if (req.url !== '/pods') {
        res.writeHead(404).end('404 page not found');
      } else if (req.headers.authorization !== 'Bearer good-token') {
        res.writeHead(401).end('Unauthorized');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('polls /pods with the token, delivers changes only, and reports a rejected token once', async () => {
    const snapshots: Pod[][] = [];
    const errors: string[] = [];
    const source = new KubeletPodSource({ url: `http://127.0.0.1:${port}`, tokenFile, insecureTls: false, pollMs: 100 }, 'node-1');
    await source.start((p) => snapshots.push(p), (e) => errors.push(e));
    try {
      assert.equal(snapshots.length, 1);
      assert.deepEqual(snapshots[0], [{ namespace: 'train', name: 'w-0', uid: 'uid-w-0', nodeName: 'node-1', labels: { monitor: 'high-frequency' }, ownerName: undefined }]);
      await sleep(350);
      assert.equal(snapshots.length, 1, 'unchanged lists are not re-delivered');
      items = [...items, podJson('w-1', 'node-1'), podJson('x-0', 'node-2')];
      await sleep(350);
      assert.equal(snapshots.length, 2);
      assert.deepEqual(snapshots[1].map((p) => p.name), ['w-0', 'w-1']);
      writeFileSync(tokenFile, 'stale-token\n');
      await sleep(450);
      assert.deepEqual(errors, [`polling the kubelet http://127.0.0.1:${port}/pods failed: HTTP 401 (check the token and the RBAC rule for nodes/proxy or nodes/pods): Unauthorized; keeping the last pod list`]);
      assert.equal(snapshots.length, 2, 'the last list is kept');
      writeFileSync(tokenFile, 'good-token\n');
      items = [podJson('w-1', 'node-1')];
      await sleep(350);
      assert.deepEqual(snapshots.at(-1)!.map((p) => p.name), ['w-1']);
      assert.ok(auth.includes('Bearer stale-token') && auth.includes('Bearer good-token'), 'token re-read every poll');
    } finally {
      await source.stop();
    }
  });

  it('reports an unreachable kubelet and a missing token file', async () => {
    const errors: string[] = [];
    const s1 = new KubeletPodSource({ url: 'http://127.0.0.1:1', insecureTls: false, pollMs: 100 }, 'node-1');
    await s1.start(() => undefined, (e) => errors.push(e));
    await s1.stop();
    assert.match(errors[0], /^polling the kubelet http:\/\/127\.0\.0\.1:1\/pods failed: connect ECONNREFUSED 127\.0\.0\.1:1; keeping the last pod list$/);
    const s2 = new KubeletPodSource({ url: `http://127.0.0.1:${port}`, tokenFile: join(dir, 'missing'), insecureTls: false, pollMs: 100 }, 'node-1');
    await s2.start(() => undefined, (e) => errors.push(e));
    await s2.stop();
    assert.equal(errors[1], `polling the kubelet http://127.0.0.1:${port}/pods failed: cannot read --pods.kubelet-token-file ${join(dir, 'missing')}: ENOENT; keeping the last pod list`);
    assert.throws(() => new KubeletPodSource({ url: 'not a url', insecureTls: false, pollMs: 100 }, 'n'), { message: 'invalid --pods.kubelet-url "not a url": expected a URL such as https://127.0.0.1:10250' });
  });
});

// The apiserver pod source against a FAKE API server: list + watch with a field selector,
// bookmarks, dropped connections, 410 Gone, failing requests.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiServerPodSource, loadKubeConfig } from '../src/pods/apiserver.ts';
import { Backoff } from '../src/pods/backoff.ts';
import type { Pod } from '../src/pods/pod.ts';
import { FakeApiServer } from './fake-apiserver.ts';
import { sleep } from './helpers.ts';

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('apiserver pod source (fake API server)', { timeout: 60_000 }, () => {
  const fake = new FakeApiServer();
  const dir = mkdtempSync(join(tmpdir(), 'hifreq-kube-'));
  const kubeconfig = join(dir, 'kubeconfig');
  let source: ApiServerPodSource;
  let snapshot: Pod[] = [];
  let snapshots = 0;
  const errors: string[] = [];
  const names = () => snapshot.map((p) => `${p.namespace}/${p.name}`).sort();

  before(async () => {
    await fake.start();
    fake.writeKubeconfig(kubeconfig);
    fake.upsert({ namespace: 'train', name: 'w-0', nodeName: 'node-1', labels: { monitor: 'high-frequency' } });
    fake.upsert({ namespace: 'train', name: 'w-1', nodeName: 'node-2', labels: { monitor: 'high-frequency' } });
    source = new ApiServerPodSource(loadKubeConfig(kubeconfig), 'node-1', new Backoff(100, 400));
    await source.start((pods) => {
      snapshot = pods;
      snapshots++;
    }, (m) => errors.push(m));
  });

  after(async () => {
    await source.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists this node\'s pods with fieldSelector=spec.nodeName and converts them', async () => {
    await until('first snapshot', () => snapshots > 0);
    assert.deepEqual(names(), ['train/w-0']);
    assert.deepEqual(snapshot[0], { namespace: 'train', name: 'w-0', uid: 'uid-train-w-0', nodeName: 'node-1', labels: { monitor: 'high-frequency' }, ownerName: 'w-job' });
    const list = fake.requests.find((r) => r.query.get('watch') !== 'true')!;
    assert.equal(list.query.get('fieldSelector'), 'spec.nodeName=node-1');
    await until('watch request', () => fake.requests.some((r) => r.query.get('watch') === 'true'));
    const watch = fake.requests.find((r) => r.query.get('watch') === 'true')!;
    assert.equal(watch.query.get('fieldSelector'), 'spec.nodeName=node-1');
    assert.equal(watch.query.get('allowWatchBookmarks'), 'true');
    assert.equal(watch.query.get('resourceVersion'), '102');
  });

  it('follows adds, label changes and deletes through the watch; bookmarks change nothing', async () => {
    fake.upsert({ namespace: 'train', name: 'w-2', nodeName: 'node-1' });
    await until('w-2 added', () => names().includes('train/w-2'));
    fake.upsert({ namespace: 'train', name: 'w-2', nodeName: 'node-1', labels: { monitor: 'high-frequency' } });
    await until('w-2 labelled', () => snapshot.find((p) => p.name === 'w-2')?.labels.monitor === 'high-frequency');
    fake.remove('train', 'w-0');
    await until('w-0 deleted', () => !names().includes('train/w-0'));
    const before = snapshots;
    await sleep(1500); // at least one bookmark
    assert.equal(snapshots, before);
    assert.deepEqual(errors, []);
    assert.equal(source.relists, 1);
  });

  it('resumes the watch from its resourceVersion after a dropped connection, without relisting', async () => {
    const watchesBefore = fake.requests.filter((r) => r.query.get('watch') === 'true').length;
    fake.dropConnections();
    fake.upsert({ namespace: 'train', name: 'w-3', nodeName: 'node-1' });
    await until('w-3 seen after reconnect', () => names().includes('train/w-3'));
    assert.ok(fake.requests.filter((r) => r.query.get('watch') === 'true').length > watchesBefore);
    assert.equal(source.relists, 1);
  });

  it('relists after 410 Gone and catches up with what happened meanwhile', async () => {
    fake.dropConnections();
    fake.remove('train', 'w-3');
    fake.upsert({ namespace: 'train', name: 'w-4', nodeName: 'node-1' });
    // Nothing was missed yet if the reconnect won the race; make it lose history on the next one.
    fake.compact();
    fake.dropConnections();
    fake.upsert({ namespace: 'train', name: 'w-5', nodeName: 'node-1' });
    fake.compact();
    fake.dropConnections();
    await until('caught up', () => names().join() === 'train/w-2,train/w-4,train/w-5');
    assert.ok(source.relists >= 2, `relisted (${source.relists})`);
  });

  it('reports watch and list errors and retries with backoff', async () => {
    const relists = source.relists;
    fake.failWatches = 1;
    fake.failLists = 2;
    fake.upsert({ namespace: 'train', name: 'w-6', nodeName: 'node-1' });
    fake.compact();
    fake.dropConnections();
    await until('w-6 after errors', () => names().includes('train/w-6'), 10_000);
    assert.ok(errors.length >= 2, `errors reported: ${errors.join(' | ')}`);
    for (const e of errors) assert.match(e, /^pod watch on the API server failed: .*; retrying in \d+ ms$/);
    assert.ok(errors.some((e) => e.startsWith('pod watch on the API server failed: HTTP 500: Internal Server Error; retrying in ')), errors.join(' | '));
    assert.equal(errors.filter((e) => e.startsWith('pod watch on the API server failed: HTTP 500: fake: internal error; retrying in ')).length, 2, errors.join(' | '));
    assert.equal(fake.failLists, 0, 'both failing lists were retried');
    assert.equal(fake.failWatches, 0);
    assert.ok(source.relists > relists);
  });
});

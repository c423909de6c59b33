// Remote write 1.0 compliance: what the client sends, decoded independently, obeys every rule, and
// a real VictoriaMetrics stores exactly the values and timestamps that were written.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Sample } from '../src/types.ts';
import { decodeBody, type DecodedSeries } from './rw-decoder.ts';
import { startPipeline, tempDir, waitFor } from './rw-fixtures.ts';
import { TestReceiver } from './rw-receiver.ts';
import { VictoriaMetrics } from './rw-vm.ts';

const BASE_MS = Date.now() - 60_000 - (Date.now() % 1000);

function labelMap(series: DecodedSeries): Record<string, string> {
  return Object.fromEntries(series.labels.map((label) => [label.name, label.value]));
}

/** One tick's samples with traps: unsorted and empty labels, a staleness marker, reversed times. */
function trickyTick(): Sample[] {
  return [
    { name: 'node_network_receive_bytes_total', labels: { node: 'n1', device: 'eth0', cluster: 'c1', pod: '' }, value: 123456789012, timestampMs: BASE_MS + 7 },
    { name: 'node_infiniband_port_data_received_bytes_total', labels: { port: '1', device: 'mlx5_0', Zeta: 'upper', cluster: 'c1', node: 'n1' }, value: 0.5, timestampMs: BASE_MS + 11 },
    { name: 'node_softnet_dropped_total', labels: { cpu: '3', cluster: 'c1', node: 'n1', job_name: 'llama "pretrain"' }, value: 2, timestampMs: BASE_MS + 1000 },
    { name: 'node_softnet_dropped_total', labels: { job_name: 'llama "pretrain"', node: 'n1', cluster: 'c1', cpu: '3' }, value: 1, timestampMs: BASE_MS },
    { name: 'container_network_receive_bytes_total', labels: { interface: 'eth0', cluster: 'c1', node: 'n1' }, value: 0, timestampMs: BASE_MS + 2000, stale: true },
    { name: 'hifreq_agent_negative_gauge', labels: { node: 'n1', cluster: 'c1', empty: '' }, value: -1.5e-9, timestampMs: BASE_MS + 3 },
  ];
}

describe('remote write 1.0 compliance', () => {
  const receiver = new TestReceiver();
  let vm: VictoriaMetrics;

  before(async () => {
    await receiver.start();
    vm = await VictoriaMetrics.start();
  });
  after(async () => {
    await receiver.stop();
    await vm?.stop();
  });

  it('sends block-snappy protobuf with the required headers, sorted non-empty labels, ordered samples and StaleNaN', async () => {
    const pipeline = await startPipeline({ urls: [receiver.url] });
    try {
      pipeline.remoteWrite.write(trickyTick());
      await waitFor('one request at the receiver', () => receiver.requests.length >= 1);
    } finally {
      await pipeline.remoteWrite.stop();
    }
    assert.equal(receiver.requests.length, 1);
    const request = receiver.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/api/v1/write');
    assert.equal(request.headers['content-encoding'], 'snappy');
    assert.equal(request.headers['content-type'], 'application/x-protobuf');
    assert.equal(request.headers['x-prometheus-remote-write-version'], '0.1.0');
    assert.match(String(request.headers['user-agent']), /^hifreq-agent\/\d+\.\d+\.\d+$/);

    const series = decodeBody(request.body);
    assert.equal(series.length, 5, 'the two softnet samples (labels given in different orders) share one series');
    for (const one of series) {
      const names = one.labels.map((label) => label.name);
      assert.deepEqual(names, [...names].sort(), `labels sorted by name: ${names.join(',')}`);
      assert.equal(new Set(names).size, names.length, 'no repeated label names');
      assert.ok(names.includes('__name__'));
      for (const label of one.labels) assert.notEqual(label.value, '', `label ${label.name} has an empty value`);
      for (let i = 1; i < one.samples.length; i++) assert.ok(one.samples[i]!.timestamp > one.samples[i - 1]!.timestamp, 'samples in time order');
    }
    const byName = new Map(series.map((one) => [labelMap(one).__name__, one]));
    const ib = byName.get('node_infiniband_port_data_received_bytes_total')!;
    assert.deepEqual(ib.labels.map((label) => label.name), ['Zeta', '__name__', 'cluster', 'device', 'node', 'port']);
    assert.deepEqual(labelMap(byName.get('node_network_receive_bytes_total')!), {
      __name__: 'node_network_receive_bytes_total', cluster: 'c1', device: 'eth0', node: 'n1',
    });
    assert.deepEqual(byName.get('node_network_receive_bytes_total')!.samples.map((s) => [s.value, s.timestamp]), [[123456789012, BASE_MS + 7]]);
    assert.deepEqual(byName.get('node_softnet_dropped_total')!.samples.map((s) => [s.value, s.timestamp]), [[1, BASE_MS], [2, BASE_MS + 1000]]);
    assert.equal(labelMap(byName.get('node_softnet_dropped_total')!).job_name, 'llama "pretrain"');
    assert.deepEqual(byName.get('hifreq_agent_negative_gauge')!.samples.map((s) => [s.value, s.timestamp]), [[-1.5e-9, BASE_MS + 3]]);
    assert.equal(labelMap(byName.get('hifreq_agent_negative_gauge')!).empty, undefined);
    const stale = byName.get('container_network_receive_bytes_total')!.samples;
    assert.equal(stale.length, 1);
    assert.equal(stale[0]!.valueBits, '7ff0000000000002', 'staleness marker is Prometheus StaleNaN');
    assert.equal(stale[0]!.timestamp, BASE_MS + 2000);
  });

  it('re-encodes a series whose label object was changed in place between ticks', async () => {
    const local = new TestReceiver();
    await local.start();
    const pipeline = await startPipeline({ urls: [local.url] });
    const labels: Record<string, string> = { device: 'eth0', pod: 'w-0' };
    try {
      pipeline.remoteWrite.write([{ name: 'reused_labels', labels, value: 1, timestampMs: BASE_MS }]);
      await waitFor('first tick', () => local.requests.length === 1);
      labels.pod = 'w-1';
      pipeline.remoteWrite.write([{ name: 'reused_labels', labels, value: 2, timestampMs: BASE_MS + 1000 }]);
      await waitFor('second tick', () => local.requests.length === 2);
      delete labels.pod;
      labels.zone = 'a';
      pipeline.remoteWrite.write([{ name: 'reused_labels_renamed', labels, value: 3, timestampMs: BASE_MS + 2000 }]);
      await waitFor('third tick', () => local.requests.length === 3);
    } finally {
      await pipeline.remoteWrite.stop();
      await local.stop();
    }
    assert.deepEqual(
      local.requests.map((request) => decodeBody(request.body).map(labelMap)),
      [
        [{ __name__: 'reused_labels', device: 'eth0', pod: 'w-0' }],
        [{ __name__: 'reused_labels', device: 'eth0', pod: 'w-1' }],
        [{ __name__: 'reused_labels_renamed', device: 'eth0', zone: 'a' }],
      ],
    );
  });

  it('batches per tick in real time and splits by --remote-write.max-samples-per-request', async () => {
    const local = new TestReceiver();
    await local.start();
    const pipeline = await startPipeline({ urls: [local.url], maxSamplesPerRequest: 3 });
    try {
      const tick = (t: number, n: number): Sample[] =>
        Array.from({ length: n }, (_, i) => ({ name: 'batch_test', labels: { i: String(i) }, value: i, timestampMs: BASE_MS + t }));
      pipeline.remoteWrite.write(tick(0, 2));
      await waitFor('first tick sent', () => local.requests.length === 1);
      pipeline.remoteWrite.write(tick(1000, 2));
      await waitFor('second tick sent', () => local.requests.length === 2);
      pipeline.remoteWrite.write(tick(2000, 7));
      await waitFor('third tick sent in three requests', () => local.requests.length === 5);
      await waitFor('queue empty', () => pipeline.remoteWrite.status().urls[0]!.pendingSamples === 0);
    } finally {
      await pipeline.remoteWrite.stop();
      await local.stop();
    }
    const perRequest = local.requests.map((request) => decodeBody(request.body).map((series) => series.samples.map((s) => s.timestamp - BASE_MS)));
    assert.deepEqual(perRequest.map((request) => request.flat().length), [2, 2, 3, 3, 1]);
    assert.deepEqual(perRequest.map((request) => [...new Set(request.flat())]), [[0], [1000], [2000], [2000], [2000]]);
  });

  it('sends bearer token, basic auth and custom headers, and keeps a tenant path verbatim', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'token'), 's3cret-token\n');
    writeFileSync(path.join(dir, 'password'), 'p@ss:word\n');
    const local = new TestReceiver();
    await local.start();
    const tenantUrl = `http://127.0.0.1:${local.port}/insert/42:7/prometheus/api/v1/write`;
    const bearer = await startPipeline({ urls: [tenantUrl], auth: { bearerTokenFile: path.join(dir, 'token') }, headers: { 'X-Scope-OrgID': 'team-a' } });
    const sample: Sample = { name: 'auth_test', labels: {}, value: 1, timestampMs: BASE_MS };
    try {
      bearer.remoteWrite.write([sample]);
      await waitFor('bearer request', () => local.requests.length === 1);
    } finally {
      await bearer.remoteWrite.stop();
    }
    const basic = await startPipeline({ urls: [local.url], auth: { basicAuthUsername: 'agent', basicAuthPasswordFile: path.join(dir, 'password') } });
    try {
      basic.remoteWrite.write([sample]);
      await waitFor('basic-auth request', () => local.requests.length === 2);
    } finally {
      await basic.remoteWrite.stop();
    }
    const inUrl = await startPipeline({ urls: [`http://agent:url%20secret@127.0.0.1:${local.port}/api/v1/write`] });
    try {
      inUrl.remoteWrite.write([sample]);
      await waitFor('request with credentials from the URL', () => local.requests.length === 3);
      assert.equal(inUrl.remoteWrite.status().urls[0]!.url, `http://127.0.0.1:${local.port}/api/v1/write`, 'status never shows credentials');
      const metrics = await inUrl.registry.metrics();
      assert.ok(!metrics.includes('secret'), 'metrics never show credentials');
    } finally {
      await inUrl.remoteWrite.stop();
      await local.stop();
    }
    assert.equal(local.requests[2]!.headers.authorization, `Basic ${Buffer.from('agent:url secret').toString('base64')}`);
    assert.equal(local.requests[0]!.url, '/insert/42:7/prometheus/api/v1/write');
    assert.equal(local.requests[0]!.headers.authorization, 'Bearer s3cret-token');
    assert.equal(local.requests[0]!.headers['x-scope-orgid'], 'team-a');
    assert.equal(local.requests[1]!.headers.authorization, `Basic ${Buffer.from('agent:p@ss:word').toString('base64')}`);
  });

  it('keeps one independent queue per URL: a failing URL neither blocks nor loses data of another', async () => {
    let secondUp = false;
    const first = new TestReceiver();
    const second = new TestReceiver(() => (secondUp ? { status: 204 } : { status: 503, body: 'down' }));
    await first.start();
    await second.start();
    const pipeline = await startPipeline({ urls: [first.url, second.url], minBackoffMs: 50, maxBackoffMs: 200 });
    const tick = (t: number): Sample[] => [{ name: 'multi_url', labels: { t: 'x' }, value: t, timestampMs: BASE_MS + t * 1000 }];
    const delivered = (receiver: TestReceiver, ok: (index: number) => boolean) =>
      receiver.requests.filter((_, index) => ok(index)).flatMap((request) => decodeBody(request.body).flatMap((series) => series.samples.map((s) => s.value)));
    let secondOkFrom = 0;
    try {
      for (let t = 0; t < 5; t++) {
        pipeline.remoteWrite.write(tick(t));
        await waitFor(`tick ${t} at the healthy URL`, () => first.requests.length === t + 1);
      }
      const [firstStatus, secondStatus] = pipeline.remoteWrite.status().urls;
      assert.equal(firstStatus!.pendingSamples, 0);
      assert.equal(secondStatus!.pendingSamples, 5);
      assert.equal(secondStatus!.lastError!.message, 'HTTP 503: down');
      secondOkFrom = second.requests.length;
      secondUp = true;
      await waitFor('backlog at the recovered URL', () => pipeline.remoteWrite.status().urls[1]!.pendingSamples === 0);
    } finally {
      await pipeline.remoteWrite.stop();
      await first.stop();
      await second.stop();
    }
    assert.deepEqual(delivered(first, () => true), [0, 1, 2, 3, 4]);
    assert.deepEqual(delivered(second, (index) => index >= secondOkFrom), [0, 1, 2, 3, 4]);
  });

  it('VictoriaMetrics accepts the requests and returns the same values and timestamps', async () => {
    const pipeline = await startPipeline({ urls: [vm.writeUrl] });
    const ticks: Sample[][] = [];
    for (let t = 0; t < 5; t++) {
      ticks.push([
        { name: 'rw_compliance_counter', labels: { device: 'mlx5_0', cluster: 'c1', node: 'n1' }, value: 1e12 + t * 123.25, timestampMs: BASE_MS + t * 1000 + 3 },
        { name: 'rw_compliance_gauge', labels: { cpu: String(t % 2), cluster: 'c1', node: 'n1', namespace: '' }, value: -t * 0.375, timestampMs: BASE_MS + t * 1000 + 17 },
      ]);
    }
    ticks.push([{ name: 'rw_compliance_counter', labels: { device: 'mlx5_0', cluster: 'c1', node: 'n1' }, value: 0, stale: true, timestampMs: BASE_MS + 5000 }]);
    try {
      for (const tick of ticks) pipeline.remoteWrite.write(tick);
      await waitFor('queue drained', () => pipeline.remoteWrite.status().urls[0]!.pendingSamples === 0);
    } finally {
      await pipeline.remoteWrite.stop();
    }
    const counter = await vm.waitForExport('rw_compliance_counter', (series) => series[0]?.values.length === 6);
    assert.equal(counter.length, 1);
    assert.deepEqual(counter[0]!.metric, { __name__: 'rw_compliance_counter', cluster: 'c1', device: 'mlx5_0', node: 'n1' });
    assert.deepEqual(counter[0]!.timestamps, [0, 1, 2, 3, 4, 5].map((t) => BASE_MS + t * 1000 + (t < 5 ? 3 : 0)));
    assert.deepEqual(counter[0]!.values, [0, 1, 2, 3, 4].map((t) => 1e12 + t * 123.25).concat([null as unknown as number]), 'the marker comes back as a stale (null) point');
    const gauges = await vm.waitForExport('rw_compliance_gauge', (series) => series.reduce((n, s) => n + s.values.length, 0) === 5);
    const gaugeByCpu = Object.fromEntries(gauges.map((series) => [series.metric.cpu, series]));
    assert.deepEqual(Object.keys(gaugeByCpu).sort(), ['0', '1']);
    assert.deepEqual(gaugeByCpu['0']!.values, [0, -0.75, -1.5]);
    assert.deepEqual(gaugeByCpu['0']!.timestamps, [0, 2, 4].map((t) => BASE_MS + t * 1000 + 17));
    assert.deepEqual(gaugeByCpu['1']!.values, [-0.375, -1.125]);
    assert.equal(gaugeByCpu['1']!.metric.namespace, undefined);
  });
});

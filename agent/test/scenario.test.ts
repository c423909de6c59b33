// End-to-end scenarios of the agent (in-process, real files, real HTTP), run concurrently in one
// ~65 s window so the suite stays short:
//  A. a labelled pod appears → its devices go to 1 s within 2 s, carry its labels, and 60 s yield
//     60 ± 1 samples per bound series; meanwhile unlabelled pods, a pod with no labels, a pod of
//     another node, a pod naming a missing device, a garbage counter file, a slow collector and a
//     failing collector produce counted, logged errors (or nothing) and nothing else changes.
//  B. a labelled pod goes away → staleness markers at once, 1 s through the grace period, then 15 s.
//  C. pods from a FAKE API server whose watch breaks (dropped connections, HTTP 500, 410 Gone):
//     errors are logged and counted, the pod stays bound and its devices keep their 1 s cadence.
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { Agent } from '../src/agent.ts';
import { NODE, type Collector } from '../src/collectors/collector.ts';
import { parseFlags } from '../src/config/flags.ts';
import type { Sample } from '../src/types.ts';
import { FakeApiServer } from './fake-apiserver.ts';
import { copyFixture, recordingLogger, sleep } from './helpers.ts';

const HF = { monitor: 'high-frequency' };
const POD_UID = '6f1c2a7e-0000-4000-8000-000000000001';

function agentFlags(fx: { procfs: string; sysfs: string; root: string }, podFile: string, source = ['--pods.source=file', `--pods.file=${podFile}`]) {
  return parseFlags([
    `--path.procfs=${fx.procfs}`, `--path.sysfs=${fx.sysfs}`, '--web.listen-address=127.0.0.1:0',
    '--cluster=test', '--node-name=node-1', ...source,
    '--interval.grace=3s', '--binding.pod-resources-socket=', '--collector.timeout=500ms',
  ], undefined, { env: {} });
}

function writePods(file: string, pods: object[]): void {
  // write + rename: an atomic swap, as editors and ConfigMap updates do
  writeFileSync(`${file}.tmp`, stringify({ pods }));
  renameSync(`${file}.tmp`, file);
}

class Recorder {
  samples: Sample[] = [];
  write(s: readonly Sample[]): void {
    for (const x of s) this.samples.push(x);
  }
  of(name: string, match: Record<string, string | undefined>): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
  }
}

/** A collector that takes 2.5 s per read: it must not delay anyone else. */
const slowCollector: Collector = {
  name: 'slow',
  discover: () => [NODE],
  collect: (_d, out) => new Promise((resolve) => setTimeout(() => {
    out.add(NODE, 'test_slow_value', '', undefined, 1, Date.now());
    resolve();
  }, 2500)),
};
const failingCollector: Collector = {
  name: 'failing',
  discover: () => [NODE],
  collect: () => {
    throw new Error('boom: cannot read /proc/net/whatever');
  },
};

describe('scenarios', { timeout: 120_000 }, () => {
  const fxA = copyFixture('node1');
  const fxB = copyFixture('node1');
  const podsA = join(fxA.root, 'pods.yaml');
  const podsB = join(fxB.root, 'pods.yaml');
  const recA = new Recorder();
  const recB = new Recorder();
  const logA = recordingLogger();
  const logB = recordingLogger();
  const fxC = copyFixture('node1');
  const recC = new Recorder();
  const logC = recordingLogger();
  const fakeApi = new FakeApiServer();
  let agentA: Agent;
  let agentB: Agent;
  let agentC: Agent;
  let cStartedAt = 0;
  let appearedAt = 0;
  let removedAt = 0;

  const bystanders = [
    { namespace: 'web', name: 'web-0', uid: 'u-web', nodeName: 'node-1', labels: { app: 'web' }, devices: ['mlx4_0'] },
    { namespace: 'web', name: 'bare-0', uid: 'u-bare', nodeName: 'node-1' },
    { namespace: 'train', name: 'elsewhere-0', uid: 'u-else', nodeName: 'node-2', labels: HF, devices: ['qib0'] },
    { namespace: 'train', name: 'broken-0', uid: 'u-broken', nodeName: 'node-1', labels: { ...HF, 'job-name': 'broken' }, devices: ['mlx5_9'] },
  ];
  const worker = {
    namespace: 'train', name: 'llama-worker-0', uid: POD_UID, nodeName: 'node-1',
    labels: { ...HF, 'job-name': 'llama-pretrain' }, devices: ['mlx5_0', 'eth0'], pid: 4242,
  };

  before(async () => {
    writePods(podsA, bystanders);
    writePods(podsB, [{ ...worker, devices: ['mlx5_0'], pid: undefined, labels: { ...HF } }]);
    // garbage in one counter of the device the pod will use
    writeFileSync(join(fxA.sysfs, 'class/infiniband/mlx5_0/ports/1/hw_counters/rx_write_requests'), '12a\n');
    agentA = new Agent({ flags: agentFlags(fxA, podsA), logger: logA.logger, sinks: [recA], extraCollectors: [slowCollector, failingCollector] });
    agentB = new Agent({ flags: agentFlags(fxB, podsB), logger: logB.logger, sinks: [recB] });
    await fakeApi.start();
    const kubeconfig = join(fxC.root, 'kubeconfig');
    fakeApi.writeKubeconfig(kubeconfig);
    fakeApi.upsert({ namespace: 'train', name: 'gpt-worker-3', nodeName: 'node-1', labels: { ...HF, 'volcano.sh/job-name': 'gpt' } });
    fakeApi.upsert({ namespace: 'train', name: 'gpt-worker-4', nodeName: 'node-2', labels: { ...HF, 'volcano.sh/job-name': 'gpt' } });
    agentC = new Agent({ flags: agentFlags(fxC, '', ['--pods.source=apiserver', `--pods.kubeconfig=${kubeconfig}`]), logger: logC.logger, sinks: [recC] });
    await agentA.start();
    await agentB.start();
    await agentC.start();
    cStartedAt = Date.now();
    // C: the watch breaks in three ways while the agent runs
    setTimeout(() => fakeApi.dropConnections(), 10_000);
    setTimeout(() => {
      fakeApi.failWatches = 2;
      fakeApi.dropConnections();
    }, 20_000);
    setTimeout(() => {
      fakeApi.upsert({ namespace: 'web', name: 'web-1', nodeName: 'node-1' });
      fakeApi.compact();
      fakeApi.dropConnections();
    }, 30_000);
    await sleep(2300);
    appearedAt = Date.now();
    writePods(podsA, [...bystanders, worker]);
    // B: the pod leaves 5 s into the run
    setTimeout(() => {
      removedAt = Date.now();
      writePods(podsB, []);
    }, 5000);
    await sleep(63_000);
  });

  after(async () => {
    await agentA?.stop();
    await agentB?.stop();
    await agentC?.stop();
    await fakeApi.stop();
    fxC.remove();
    fxA.remove();
    fxB.remove();
  });

  const bound = { namespace: 'train', pod: 'llama-worker-0', job_name: 'llama-pretrain', cluster: 'test', node: 'node-1' };

  it('A: devices of a labelled pod go to 1 s within 2 s, with its labels', () => {
    const first = recA.of('node_infiniband_port_data_transmitted_bytes_total', { ...bound, device: 'mlx5_0', port: '1' })[0];
    assert.ok(first, 'bound mlx5_0 series exists');
    assert.ok(first.timestampMs - appearedAt <= 2000, `first bound sample ${first.timestampMs - appearedAt} ms after the pod appeared`);
    assert.deepEqual(first.labels, { ...bound, device: 'mlx5_0', port: '1' });
    // The RoCE netdev of mlx5_0, and eth0 named by the pod, are bound too.
    assert.ok(recA.of('node_network_receive_bytes_total', { ...bound, device: 'enp1s0f0' }).length > 0);
    assert.ok(recA.of('node_network_receive_bytes_total', { ...bound, device: 'eth0' }).length > 0);
    const iface = recA.of('container_network_receive_bytes_total', { ...bound, interface: 'net1' });
    assert.ok(iface.length > 0);
    assert.equal(iface[0].value, 3333);
  });

  it('A: 60 s of running yields 60 ± 1 samples per bound series, one per second', () => {
    const start = Math.ceil((appearedAt + 2000) / 1000) * 1000;
    const end = start + 60_000;
    const series = new Map<object, number[]>();
    for (const s of recA.samples) {
      if (s.labels.pod !== 'llama-worker-0' || s.stale || s.timestampMs < start || s.timestampMs >= end) continue;
      const list = series.get(s.labels) ?? [];
      list.push(s.timestampMs);
      series.set(s.labels, list);
    }
    // 15 good IB series (one is garbage), 11 series each of eth0 and enp1s0f0, 16 pod interface series
    assert.equal(series.size, 15 + 11 + 11 + 16);
    for (const [labels, ts] of series) {
      assert.ok(ts.length >= 59 && ts.length <= 61, `${JSON.stringify(labels)}: ${ts.length} samples in 60 s`);
      const seconds = ts.map((t) => Math.floor(t / 1000));
      assert.equal(new Set(seconds).size, seconds.length, 'one sample per second, each in its own second');
    }
  });

  it('A: unlabelled pods, pods of other nodes and pods without labels change nothing', () => {
    for (const device of ['mlx4_0', 'qib0', 'mlx5_2']) {
      const samples = recA.samples.filter((s) => s.labels.device === device);
      assert.ok(samples.length > 0, `${device} still sampled`);
      for (const s of samples) {
        assert.equal(s.labels.pod, undefined, `${device} carries no pod label`);
        assert.equal(Math.floor(s.timestampMs / 1000) % 15, 0, `${device} stays at 15 s (a sample in second ${Math.floor(s.timestampMs / 1000) % 15} of 15)`);
      }
    }
    const t = agentA.targetsStatus() as any;
    assert.equal(t.targets.find((x: any) => x.id === 'infiniband:mlx4_0').intervalMs, 15000);
    assert.equal(t.targets.find((x: any) => x.id === 'infiniband:mlx5_0').intervalMs, 1000);
    assert.deepEqual(t.highFrequencyPods.map((p: any) => `${p.namespace}/${p.pod}`), ['train/broken-0', 'train/llama-worker-0']);
  });

  it('A: a missing device, a garbage counter, a slow and a failing collector are logged and counted', async () => {
    const warnings = logA.lines.filter((l) => l.level === 40).map((l) => l.msg as string);
    const garbage = join(fxA.sysfs, 'class/infiniband/mlx5_0/ports/1/hw_counters/rx_write_requests');
    assert.ok(warnings.includes(`malformed counter in ${garbage}: "12a"`), 'garbage counter logged');
    assert.equal(warnings.filter((w) => w === `malformed counter in ${garbage}: "12a"`).length, 1, 'logged once, not every second');
    assert.ok(warnings.some((w) => w.startsWith('pod train/broken-0: device mlx5_9 not found on node node-1 (RDMA devices: mlx4_0, mlx5_0, mlx5_2, qib0;')));
    assert.ok(warnings.includes('collector slow took longer than --collector.timeout (500ms)'));
    assert.ok(warnings.includes('collector slow is still busy with the previous tick; skipped this one'));
    assert.ok(warnings.includes('collector failing failed: boom: cannot read /proc/net/whatever'));
    const metrics = await (await fetch(`http://127.0.0.1:${agentA.port}/metrics`)).text();
    const count = (collector: string) => Number(new RegExp(`^hifreq_agent_collect_errors_total\\{collector="${collector}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    assert.ok(count('infiniband') >= 59, `infiniband errors counted every read: ${count('infiniband')}`);
    assert.ok(count('failing') >= 59);
    assert.ok(count('slow') >= 20);
    assert.match(metrics, /^hifreq_agent_binding_errors_total 1$/m);
    assert.match(metrics, /^hifreq_agent_high_frequency_pods 2$/m);
    // The slow collector still delivers, stamped with its own read time, about every 3 s.
    const slow = recA.of('test_slow_value', {});
    assert.ok(slow.length >= 15, `slow collector delivered ${slow.length} times`);
    // Never two reads at once: each read starts on a tick after the previous one finished, so
    // deliveries are at least one read (2.5 s) apart, however long the scenario ran.
    const slowTimes = slow.map((s) => s.timestampMs).sort((a, b) => a - b);
    const overlapping = slowTimes.slice(1).filter((t, i) => t - slowTimes[i]! < 2500);
    assert.deepEqual(overlapping, [], 'slow collector reads never overlap');
    // The targets API shows why.
    const t = agentA.targetsStatus() as any;
    const mlx = t.targets.find((x: any) => x.id === 'infiniband:mlx5_0');
    assert.equal(mlx.reason, 'bound to pod train/llama-worker-0');
    assert.equal(mlx.lastError.message, `malformed counter in ${garbage}: "12a"`);
    const broken = t.highFrequencyPods.find((p: any) => p.pod === 'broken-0');
    assert.equal(broken.errors.length, 1);
  });

  it('A: /metrics exposes the latest bound values in the text format', async () => {
    const text = await (await fetch(`http://127.0.0.1:${agentA.port}/metrics`)).text();
    assert.match(text, /^node_infiniband_port_data_transmitted_bytes_total\{cluster="test",device="mlx5_0",job_name="llama-pretrain",namespace="train",node="node-1",pod="llama-worker-0",port="1"\} 6000000000000 \d{13}$/m);
    assert.match(text, /^hifreq_agent_build_info\{version="0.1.0",nodejs="v\d+/m);
    const targets = await (await fetch(`http://127.0.0.1:${agentA.port}/api/v1/targets`)).json() as any;
    assert.equal(targets.node, 'node-1');
    assert.equal((await fetch(`http://127.0.0.1:${agentA.port}/-/ready`)).status, 200);
    assert.equal(await (await fetch(`http://127.0.0.1:${agentA.port}/healthz`)).text(), 'ok\n');
  });

  it('B: the pod goes away → staleness markers at once, 1 s through the grace period, then 15 s', () => {
    const podLabelled = recB.samples.filter((s) => s.labels.pod === 'llama-worker-0');
    const seriesBefore = new Set(podLabelled.filter((s) => !s.stale).map((s) => s.labels));
    const stale = podLabelled.filter((s) => s.stale);
    assert.ok(seriesBefore.size > 0);
    // one marker per bound series (IB device, its netdev, node-wide stack series are unlabelled)
    assert.equal(stale.length, seriesBefore.size);
    assert.deepEqual(new Set(stale.map((s) => s.labels)), seriesBefore);
    const unboundAfter = recB.samples.filter((s) => s.labels.device === 'mlx5_0' && !s.labels.pod && s.timestampMs >= removedAt);
    for (const s of stale) {
      assert.ok(Number.isNaN(s.value));
      assert.ok(s.timestampMs >= removedAt, 'marker stamped after the removal');
      assert.ok(s.timestampMs <= unboundAfter[0].timestampMs, 'markers come before the unbound series continue');
    }
    assert.equal(podLabelled.filter((s) => s.timestampMs > Math.max(...stale.map((x) => x.timestampMs))).length, 0, 'no pod-labelled samples after the markers');
    const unbound = recB.samples.filter((s) => s.name === 'node_infiniband_port_data_received_bytes_total' && s.labels.device === 'mlx5_0' && !s.labels.pod && s.timestampMs > removedAt);
    const inGrace = unbound.filter((s) => s.timestampMs < removedAt + 3000);
    assert.ok(inGrace.length >= 2, `kept 1 s during the grace period (${inGrace.length})`);
    const afterGrace = unbound.filter((s) => s.timestampMs > removedAt + 6000);
    assert.ok(afterGrace.length >= 2, 'still sampled after the grace period');
    for (const s of afterGrace) assert.equal(Math.floor(s.timestampMs / 1000) % 15, 0, `back at 15 s: a sample in second ${Math.floor(s.timestampMs / 1000) % 15} of 15`);
    const t = agentB.targetsStatus() as any;
    const mlx = t.targets.find((x: any) => x.id === 'infiniband:mlx5_0');
    assert.equal(mlx.intervalMs, 15000);
    assert.equal(mlx.reason, 'no high-frequency pod uses it');
  });

  it('C: a breaking API server watch is logged and counted; the bound devices keep 1 s', async () => {
    const start = Math.ceil((cStartedAt + 2000) / 1000) * 1000;
    const end = start + 60_000;
    const ts = recC.samples
      .filter((s) => s.name === 'node_infiniband_port_data_received_bytes_total' && s.labels.device === 'mlx5_0' && s.timestampMs >= start && s.timestampMs < end)
      .map((s) => s.timestampMs);
    assert.ok(ts.length >= 59 && ts.length <= 61, `${ts.length} samples in 60 s`);
    const bound = recC.samples.find((s) => s.labels.device === 'mlx5_0' && s.timestampMs >= start)!;
    assert.equal(bound.labels.pod, 'gpt-worker-3');
    assert.equal(bound.labels.job_name, 'gpt');
    assert.equal(recC.samples.filter((s) => s.stale).length, 0, 'the pod never looked gone');
    const warnings = logC.lines.filter((l) => l.level === 40 && l.source === 'apiserver').map((l) => l.msg as string);
    assert.ok(warnings.some((w) => w.startsWith('pod watch on the API server failed: HTTP 500: Internal Server Error; retrying in ')), warnings.join(' | '));
    const metrics = await (await fetch(`http://127.0.0.1:${agentC.port}/metrics`)).text();
    const errors = Number(/^hifreq_agent_pod_source_errors_total\{source="apiserver"\} (\d+)$/m.exec(metrics)?.[1]);
    assert.equal(errors, warnings.length);
    assert.ok(errors >= 2);
    const t = agentC.targetsStatus() as any;
    assert.deepEqual(t.highFrequencyPods.map((p: any) => p.pod), ['gpt-worker-3']);
    assert.equal(t.highFrequencyPods[0].deviceSource, 'fallback: all physical RDMA devices');
    assert.deepEqual(t.highFrequencyPods[0].targets, ['infiniband:mlx4_0', 'infiniband:mlx5_0', 'netdev:enp1s0f0', 'infiniband:qib0']);
  });
});

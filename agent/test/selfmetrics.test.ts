// The agent's own metrics (hifreq_agent_*) reach VictoriaMetrics by remote write with the cluster
// and node labels, at the default 15 s cadence even while high-frequency pods move the node-wide
// targets to 1 s, with no credentials of the remote-write URL in any label; /metrics shows each
// self-metric series once (from the registry, not again from the sample cache).
// A real VictoriaMetrics and the real agent (src/main.ts) on the node-1 fixtures.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { NODE1, sleep } from './helpers.ts';
import { VictoriaMetrics, type ExportedSeries } from './rw-vm.ts';

const AGENT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(AGENT_DIR, 'src/main.ts');
const CLUSTER = 'selftest';
const NODE = 'node-1';

/** Whole seconds of a series' timestamps. */
const seconds = (s: ExportedSeries) => s.timestamps.map((t) => Math.floor(t / 1000));

describe('self-metrics by remote write', { timeout: 90_000 }, () => {
  let vm: VictoriaMetrics;
  let dir: string;
  let child: ReturnType<typeof spawn>;
  let exited: Promise<number | null>;
  let stdout = '';
  let stderr = '';
  let port = 0;
  let redactedUrl = '';
  let queueBytes: ExportedSeries[] = [];

  before(async () => {
    vm = await VictoriaMetrics.start();
    dir = mkdtempSync(join(tmpdir(), 'hifreq-self-'));
    const podFile = join(dir, 'pods.yaml');
    // A high-frequency pod on the node: node-wide targets (tcpstat, netstat, softnet) go to 1 s.
    writeFileSync(podFile, `pods:\n  - {namespace: train, name: w-0, nodeName: ${NODE}, labels: {monitor: high-frequency}, devices: [mlx5_0]}\n`);
    // Credentials in the URL (VictoriaMetrics without -httpAuth.* ignores them) must not reach any label.
    const url = `http://agent:s3cret@127.0.0.1:${vm.port}/api/v1/write`;
    redactedUrl = `http://127.0.0.1:${vm.port}/api/v1/write`;
    child = spawn(process.execPath, ['--import', 'tsx', MAIN,
      `--path.procfs=${NODE1.procfs}`, `--path.sysfs=${NODE1.sysfs}`, '--web.listen-address=127.0.0.1:0', `--cluster=${CLUSTER}`,
      '--pods.source=file', `--pods.file=${podFile}`, '--binding.pod-resources-socket=',
      `--remote-write.url=${url}`, `--remote-write.queue-dir=${join(dir, 'queue')}`, '--log.level=info',
    ], { cwd: AGENT_DIR, env: { ...process.env, NODE_NAME: NODE }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    exited = new Promise((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 300 && !port; i++) {
      await sleep(50);
      const line = stdout.split('\n').find((l) => l.includes('"hifreq-agent started"'));
      if (line) port = JSON.parse(line).port;
    }
    assert.ok(port > 0, `the agent did not start within 15 s (stderr: ${stderr}; stdout: ${stdout.slice(0, 1000)})`);
    // Two 15 s boundaries: up to 30 s, plus the time VictoriaMetrics takes to show new series.
    queueBytes = await vm.waitForExport('hifreq_agent_remote_write_queue_bytes', (s) => s.length > 0 && s[0].timestamps.length >= 2, 55_000);
  });

  after(async () => {
    child?.kill('SIGTERM');
    const timer = setTimeout(() => child?.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    await vm?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('hifreq_agent_remote_write_queue_bytes arrives with cluster, node and the URL without credentials', () => {
    assert.equal(queueBytes.length, 1, `one queue_bytes series expected, got ${JSON.stringify(queueBytes.map((s) => s.metric))}`);
    assert.deepEqual(queueBytes[0].metric, { __name__: 'hifreq_agent_remote_write_queue_bytes', cluster: CLUSTER, node: NODE, url: redactedUrl });
    assert.ok(queueBytes[0].timestamps.length >= 2, `two samples expected within 55 s, got ${queueBytes[0].timestamps.length} (agent stderr: ${stderr})`);
    for (const v of queueBytes[0].values) assert.ok(Number.isInteger(v) && v >= 0, `queue bytes ${v}`);
  });

  it('timestamps fall on 15 s boundaries, one sample per boundary, although node-wide targets run at 1 s', async () => {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/api/v1/targets`)).json()) as { targets: Array<{ id: string; intervalMs: number }> };
    assert.equal(targets.targets.find((t) => t.id === 'tcpstat')?.intervalMs, 1000, 'node-wide targets are at 1 s');
    assert.equal(targets.targets.find((t) => t.id === 'self')?.intervalMs, 15_000, 'the self target reports 15 s');
    const secs = seconds(queueBytes[0]);
    for (const s of secs) assert.equal(s % 15, 0, `queue_bytes sample in second ${s % 15} of 15`);
    for (let i = 1; i < secs.length; i++) assert.equal(secs[i] - secs[i - 1], 15, `consecutive samples ${secs[i - 1]} and ${secs[i]} are 15 s apart`);
    const collected = await vm.exportSeries('hifreq_agent_samples_collected_total');
    assert.ok(collected.length > 0, 'hifreq_agent_samples_collected_total arrived');
    for (const series of collected) {
      for (const s of seconds(series)) assert.equal(s % 15, 0, `${JSON.stringify(series.metric)} sample in second ${s % 15} of 15`);
      assert.equal(new Set(seconds(series)).size, series.timestamps.length, `one sample per boundary for ${JSON.stringify(series.metric)}`);
    }
  });

  it('hifreq_agent_samples_collected_total arrives per collector with cluster and node; histograms as _bucket/_sum/_count', async () => {
    const collected = await vm.exportSeries('hifreq_agent_samples_collected_total');
    const infiniband = collected.find((s) => s.metric.collector === 'infiniband');
    assert.deepEqual(infiniband?.metric, { __name__: 'hifreq_agent_samples_collected_total', cluster: CLUSTER, collector: 'infiniband', node: NODE });
    assert.ok(infiniband!.values.every((v) => v > 0), `infiniband samples counted: ${infiniband!.values}`);
    for (const s of collected) {
      assert.equal(s.metric.cluster, CLUSTER);
      assert.equal(s.metric.node, NODE);
    }
    const inf = await vm.exportSeries('hifreq_agent_collect_duration_seconds_bucket{collector="infiniband",le="+Inf"}');
    const count = await vm.exportSeries('hifreq_agent_collect_duration_seconds_count{collector="infiniband"}');
    const sum = await vm.exportSeries('hifreq_agent_collect_duration_seconds_sum{collector="infiniband"}');
    assert.equal(inf.length, 1);
    assert.deepEqual(count.map((s) => s.metric), [{ __name__: 'hifreq_agent_collect_duration_seconds_count', cluster: CLUSTER, collector: 'infiniband', node: NODE }]);
    assert.equal(sum.length, 1);
    // the +Inf bucket equals the count at the same timestamp
    const at = count[0].timestamps[0];
    assert.equal(inf[0].values[inf[0].timestamps.indexOf(at)], count[0].values[0]);
  });

  it('no self-metric label carries the URL credentials, and every hifreq_agent_* series has cluster and node', async () => {
    const all = await vm.exportSeries('{__name__=~"hifreq_agent_.*"}');
    assert.ok(all.length > 10, `self-metric series in VictoriaMetrics: ${all.length}`);
    for (const s of all) {
      assert.ok(!JSON.stringify(s.metric).includes('s3cret'), `credentials leaked: ${JSON.stringify(s.metric)}`);
      assert.equal(s.metric.cluster, CLUSTER, JSON.stringify(s.metric));
      assert.equal(s.metric.node, NODE, JSON.stringify(s.metric));
    }
    assert.ok(all.some((s) => s.metric.__name__ === 'hifreq_agent_build_info'), 'hifreq_agent_build_info arrived (the backend health check looks for it)');
  });

  it('/metrics shows each self-metric series exactly once, without credentials', async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.ok(!text.includes('s3cret'), 'no credentials on /metrics');
    const counts = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line.startsWith('hifreq_agent_')) continue;
      const series = line.slice(0, line.lastIndexOf('}') + 1) || line.split(' ')[0];
      counts.set(series, (counts.get(series) ?? 0) + 1);
    }
    assert.ok(counts.size > 10, `self-metric series on /metrics: ${counts.size}`);
    const repeated = [...counts].filter(([, n]) => n !== 1);
    assert.deepEqual(repeated, [], 'series shown more than once');
    assert.equal(counts.get(`hifreq_agent_remote_write_queue_bytes{url="${redactedUrl}"}`), 1);
    assert.equal(counts.get('hifreq_agent_samples_collected_total{collector="infiniband"}'), 1);
    for (const series of counts.keys()) assert.ok(!series.includes(`cluster="${CLUSTER}"`), `${series} comes from the sample cache`);
  });
});

// Remote-write benchmark against a real VictoriaMetrics on loopback. Prints figures:
//  1. encode-only throughput (protobuf + snappy) in samples/s, and the write()-to-appended latency
//     (the window in which a SIGKILL can lose a tick), with the default fsync policy and with fsync per tick;
//  2. encode-queue-and-send throughput to VictoriaMetrics, in samples/s of wall time and per
//     CPU-second of this (single-threaded) process;
//  3. catch-up time of a 1-hour backlog of a node writing 500 series at 1 s (1.8 M samples),
//     unlimited and at the default --remote-write.catch-up-rate.
// usage: npm run bench:remote-write -w agent [-- --quick]
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createRemoteWrite, withDefaults, REMOTE_WRITE_DEFAULTS } from '../src/remotewrite/index.ts';
import { compressBlock, encodeWriteRequest } from '../src/remotewrite/encode.ts';
import type { Sample } from '../src/types.ts';
import { freePort, VictoriaMetrics } from '../test/rw-vm.ts';
import { tempDir } from '../test/rw-fixtures.ts';

const quick = process.argv.includes('--quick');
const SERIES = 500;
const logger = pino({ level: 'warn' });

const METRIC_NAMES = ['node_network_receive_bytes_total', 'node_infiniband_port_data_received_bytes_total', 'node_softnet_processed_total', 'node_network_transmit_packets_total'];

/** Label objects per run, kept across ticks exactly as the scheduler keeps one per series. */
const labelsByRun = new Map<string, Record<string, string>[]>();

function labelsFor(run: string): Record<string, string>[] {
  let labels = labelsByRun.get(run);
  if (!labels) {
    labels = Array.from({ length: SERIES }, (_, i) => ({
      cluster: 'bench', node: 'gpu-node-17', device: `mlx5_${i % 8}`, port: String(i % 2), cpu: String(i % 64),
      series: String(i), run, namespace: 'train', pod: `llama-worker-${i % 8}`, job_name: 'llama-pretrain',
    }));
    labelsByRun.set(run, labels);
  }
  return labels;
}

/** One tick of a realistic node: NIC, InfiniBand and softnet series with cluster/node/job labels. */
function makeTick(timestampMs: number, run: string, freshLabels = false): Sample[] {
  const labels = labelsFor(run);
  const samples: Sample[] = [];
  for (let i = 0; i < SERIES; i++) {
    samples.push({
      name: METRIC_NAMES[i % 4]!,
      labels: freshLabels ? { ...labels[i]! } : labels[i]!,
      value: Math.round(timestampMs / 1000) * (i + 1) * 1250,
      timestampMs,
    });
  }
  return samples;
}

function formatRate(samples: number, ms: number): string {
  return `${Math.round((samples / ms) * 1000).toLocaleString('en-US')} samples/s`;
}

async function drain(remoteWrite: Awaited<ReturnType<typeof createRemoteWrite>>, total: number, label: string): Promise<void> {
  let lastReport = Date.now();
  while (remoteWrite.status().urls[0]!.pendingSamples > 0) {
    await sleep(20);
    if (Date.now() - lastReport > 5000) {
      const status = remoteWrite.status().urls[0]!;
      console.log(`  ${label}: ${status.samplesSent.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} sent, oldest queued sample ${Math.round(status.oldestSampleAgeSeconds)} s old`);
      lastReport = Date.now();
    }
  }
}

/** freshLabels: every sample brings a new label object (a relay of other agents' samples). */
async function encodeOnly(freshLabels: boolean): Promise<void> {
  const ticks = quick ? 200 : 1000;
  const base = Date.now();
  const all = Array.from({ length: ticks }, (_, t) => makeTick(base + t * 1000, 'encode', freshLabels));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let bytes = 0;
  for (const tick of all) bytes += compressBlock(encodeWriteRequest(tick).protobuf).byteLength;
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`encode only (protobuf + snappy, ${SERIES}-sample ticks, ${freshLabels ? 'new label objects per sample' : 'label objects kept per series like the scheduler'}): ${formatRate(ticks * SERIES, ms)} wall, ${formatRate(ticks * SERIES, cpuMs)} per CPU-second, ${(bytes / (ticks * SERIES)).toFixed(1)} compressed bytes/sample`);
}

/** The window a SIGKILL can hit: from write() until the tick is in the segment file. */
async function appendLatency(fsyncIntervalMs: number): Promise<void> {
  const queueDir = tempDir('rw-bench-');
  const downUrl = `http://127.0.0.1:${await freePort()}/api/v1/write`;
  const remoteWrite = await createRemoteWrite(withDefaults({ urls: [downUrl], queueDir, fsyncIntervalMs }), { logger: pino({ level: 'silent' }), registry: new Registry() });
  const latencies: number[] = [];
  const base = Date.now() - 3_600_000;
  for (let t = 0; t < (quick ? 50 : 200); t++) {
    const started = performance.now();
    remoteWrite.write(makeTick(base + t * 1000, 'append'));
    await remoteWrite.whenAppended();
    latencies.push(performance.now() - started);
  }
  await remoteWrite.stop();
  rmSync(queueDir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
  console.log(`write() to appended, ${SERIES}-sample tick, fsync ${fsyncIntervalMs === 0 ? 'every tick' : `every ${fsyncIntervalMs} ms`}: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
}

async function sendThroughput(vm: VictoriaMetrics): Promise<void> {
  const ticks = quick ? 400 : 2000;
  const total = ticks * SERIES;
  const queueDir = tempDir('rw-bench-');
  const remoteWrite = await createRemoteWrite(withDefaults({ urls: [vm.writeUrl], queueDir, catchUpSamplesPerSecond: 0, maxQueueBytes: 4 * 1024 ** 3 }), { logger, registry: new Registry() });
  // Warm up: create the series in VictoriaMetrics so the figure is steady-state ingestion.
  remoteWrite.write(makeTick(Date.now() - 7_200_000, 'send'));
  await drain(remoteWrite, SERIES, 'warm-up');
  const base = Date.now() - 7_000_000;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let t = 0; t < ticks; t++) {
    remoteWrite.write(makeTick(base + t * 1000, 'send'));
    if (t % 50 === 49) await remoteWrite.whenAppended();
  }
  await drain(remoteWrite, total, 'send');
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  await remoteWrite.stop();
  rmSync(queueDir, { recursive: true, force: true });
  console.log(`encode + queue + send to VictoriaMetrics: ${total.toLocaleString('en-US')} samples in ${(ms / 1000).toFixed(2)} s = ${formatRate(total, ms)} wall, ${formatRate(total, cpuMs)} per CPU-second of the agent (one thread; target >= 200,000)`);
}

async function catchUp(rate: number): Promise<void> {
  const ticks = quick ? 600 : 3600;
  const total = ticks * SERIES;
  const queueDir = tempDir('rw-bench-');
  // Build the backlog against a URL nobody listens on, as during an outage.
  const downPort = await freePort();
  const downUrl = `http://127.0.0.1:${downPort}/api/v1/write`;
  const backlogWriter = await createRemoteWrite(withDefaults({ urls: [downUrl], queueDir, maxQueueBytes: 4 * 1024 ** 3 }), { logger: pino({ level: 'silent' }), registry: new Registry() });
  const base = Date.now() - ticks * 1000 - 60_000;
  const run = `catchup-${rate}`;
  for (let t = 0; t < ticks; t++) {
    backlogWriter.write(makeTick(base + t * 1000, run));
    if (t % 50 === 49) await backlogWriter.whenAppended();
  }
  await backlogWriter.whenAppended();
  const queued = backlogWriter.status().urls[0]!;
  await backlogWriter.stop();
  console.log(`backlog: ${ticks} ticks x ${SERIES} series = ${total.toLocaleString('en-US')} samples, ${(queued.queueBytes / 1024 ** 2).toFixed(1)} MiB on disk`);
  // The outage ends: a VictoriaMetrics comes up on the URL the backlog was queued for.
  const target = await VictoriaMetrics.create(downPort);
  await target.start();
  const started = performance.now();
  const remoteWrite = await createRemoteWrite(withDefaults({ urls: [downUrl], queueDir, catchUpSamplesPerSecond: rate, maxQueueBytes: 4 * 1024 ** 3 }), { logger, registry: new Registry() });
  await drain(remoteWrite, total, `catch-up ${rate === 0 ? 'unlimited' : `at ${rate}/s`}`);
  const ms = performance.now() - started;
  await remoteWrite.stop();
  await target.stop();
  rmSync(target.dataDir, { recursive: true, force: true });
  rmSync(queueDir, { recursive: true, force: true });
  console.log(`catch-up of a 1-hour backlog (${ticks} s x ${SERIES} series)${rate === 0 ? ', unlimited' : ` at --remote-write.catch-up-rate=${rate}`}: ${(ms / 1000).toFixed(1)} s (${formatRate(total, ms)})`);
}

const vm = await VictoriaMetrics.start();
try {
  console.log(`remote-write benchmark (VictoriaMetrics ${vm.baseUrl}, ${SERIES} series per tick${quick ? ', quick' : ''})`);
  await encodeOnly(false);
  await encodeOnly(true);
  await appendLatency(REMOTE_WRITE_DEFAULTS.fsyncIntervalMs);
  await appendLatency(0);
  await sendThroughput(vm);
  await catchUp(0);
  await catchUp(REMOTE_WRITE_DEFAULTS.catchUpSamplesPerSecond);
} finally {
  await vm.stop();
  rmSync(vm.dataDir, { recursive: true, force: true });
}

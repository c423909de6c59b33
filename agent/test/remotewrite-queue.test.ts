// The on-disk queue and bad input: unusable configuration fails at start with a clear message;
// a full queue drops the oldest data and counts it exactly; damaged segments are reported and
// skipped; what is on disk is replayed oldest first, before new data.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { parseFlags } from '../src/config/flags.ts';
import { createRemoteWrite, queueDirFor, remoteWriteConfigFromFlags, withDefaults } from '../src/remotewrite/index.ts';
import { parseHeaders, remoteWriteFlags } from '../src/remotewrite/flags.ts';
import { frameRecord, SEGMENT_MAGIC } from '../src/remotewrite/record.ts';
import type { Sample } from '../src/types.ts';
import { decodeBody } from './rw-decoder.ts';
import { captureLogger } from './rw-log.ts';
import { metricValue, startPipeline, tempDir, waitFor } from './rw-fixtures.ts';
import { TestReceiver } from './rw-receiver.ts';
import { freePort } from './rw-vm.ts';

const BASE_MS = Date.now() - 3_600_000 - (Date.now() % 1000);

function tick(t: number, series = 10): Sample[] {
  return Array.from({ length: series }, (_, i) => ({ name: 'queue_test', labels: { series: String(i), pad: 'x'.repeat(40) }, value: t, timestampMs: BASE_MS + t * 1000 }));
}

/** Tick numbers (value of each sample) in the order the receiver got them. */
function ticksReceived(receiver: TestReceiver): number[] {
  const ticks: number[] = [];
  for (const request of receiver.requests) {
    for (const series of decodeBody(request.body)) {
      if (series.labels.find((label) => label.name === 'series')!.value === '0') ticks.push(...series.samples.map((sample) => sample.value));
    }
  }
  return ticks;
}

async function startError(options: Parameters<typeof withDefaults>[0]): Promise<string> {
  const error = await createRemoteWrite(withDefaults(options), { logger: captureLogger().logger, registry: new Registry() }).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.ok(error, 'start-up must fail');
  return error.message;
}

describe('remote-write start-up errors', () => {
  it('rejects a queue dir under a regular file (ENOTDIR) with a message naming the flag', async () => {
    const file = path.join(tempDir(), 'plain-file');
    writeFileSync(file, 'not a directory');
    const message = await startError({ urls: ['http://127.0.0.1:1/api/v1/write'], queueDir: path.join(file, 'queue') });
    assert.match(message, /^remote-write queue directory ".*plain-file\/queue\/127\.0\.0\.1_1_api_v1_write-[0-9a-f]{10}" cannot be created \(ENOTDIR: not a directory, mkdir .*\): give --remote-write\.queue-dir a writable directory$/);
  });

  it('rejects a URL queue path that exists but is a regular file', async () => {
    const queueDir = tempDir();
    const url = 'http://127.0.0.1:1/api/v1/write';
    writeFileSync(queueDirFor(queueDir, url), 'in the way');
    const message = await startError({ urls: [url], queueDir });
    assert.equal(message, `remote-write queue directory "${queueDirFor(queueDir, url)}" cannot be read (ENOTDIR: not a directory, scandir '${queueDirFor(queueDir, url)}'): fix its permissions or give --remote-write.queue-dir another directory`);
  });

  it('rejects queue dirs in read-only locations (also where recursive mkdir would never return)', async () => {
    const underSys = await startError({ urls: ['http://127.0.0.1:1/api/v1/write'], queueDir: '/sys/hifreq-queue' });
    assert.match(underSys, /^remote-write queue directory "\/sys\/hifreq-queue\/.*" cannot be created \(EPERM: operation not permitted, mkdir '\/sys\/hifreq-queue'\): give --remote-write\.queue-dir a writable directory$/);
    const underProc = await startError({ urls: ['http://127.0.0.1:1/api/v1/write'], queueDir: '/proc/hifreq-queue' });
    assert.match(underProc, /^remote-write queue directory "\/proc\/hifreq-queue\/.*" cannot be created \(ENOENT: no such file or directory, mkdir '\/proc\/hifreq-queue'\): give --remote-write\.queue-dir a writable directory$/);
  });

  it('rejects invalid URLs and inconsistent settings, listing every problem', async () => {
    const message = await startError({
      urls: ['127.0.0.1:8428/api/v1/write', 'ftp://127.0.0.1/x'],
      queueDir: tempDir(),
      maxSamplesPerRequest: 0,
      auth: { basicAuthUsername: 'agent' },
      headers: { 'Bad Header': 'x' },
    });
    assert.equal(
      message,
      [
        'invalid remote-write configuration:',
        '  - --remote-write.url "127.0.0.1:8428/api/v1/write" is not a valid URL: give an absolute http(s) URL such as http://127.0.0.1:8428/api/v1/write',
        '  - --remote-write.url "ftp://127.0.0.1/x" uses ftp: : only http: and https: are supported',
        '  - --remote-write.max-samples-per-request must be a positive integer, got 0',
        '  - basic auth needs both --remote-write.basic-auth.username and --remote-write.basic-auth.password-file',
        '  - --remote-write.header "Bad Header" is not a valid HTTP header name',
      ].join('\n'),
    );
    assert.equal(
      await startError({ urls: ['http://[::1'], queueDir: tempDir() }),
      'invalid remote-write configuration:\n  - --remote-write.url "http://[::1" is not a valid URL: give an absolute http(s) URL such as http://127.0.0.1:8428/api/v1/write',
    );
  });

  it('rejects a missing secret file at start', async () => {
    const message = await startError({ urls: ['http://127.0.0.1:1/api/v1/write'], queueDir: tempDir(), auth: { bearerTokenFile: '/nonexistent/token' } });
    assert.equal(message, 'cannot read --remote-write.bearer-token-file "/nonexistent/token" (ENOENT: no such file or directory, open \'/nonexistent/token\'): mount the secret there or fix the path');
  });

  it('parses its flags through the agent flag parser', () => {
    const values = parseFlags(
      [
        '--remote-write.url=http://127.0.0.1:8428/api/v1/write',
        '--remote-write.url=http://127.0.0.1:8481/insert/0/prometheus/api/v1/write',
        '--remote-write.queue-dir=/tmp/q',
        '--remote-write.max-queue-bytes=64MiB',
        '--remote-write.max-samples-per-request=2000',
        '--remote-write.catch-up-rate=0',
        '--remote-write.fsync-interval=0s',
        '--remote-write.header=X-Scope-OrgID: team-a',
        '--remote-write.tls.insecure-skip-verify',
      ],
      undefined,
      { env: {} },
    );
    const config = remoteWriteConfigFromFlags(values);
    assert.deepEqual(config.urls, ['http://127.0.0.1:8428/api/v1/write', 'http://127.0.0.1:8481/insert/0/prometheus/api/v1/write']);
    assert.equal(config.queueDir, '/tmp/q');
    assert.equal(config.maxQueueBytes, 64 * 1024 * 1024);
    assert.equal(config.maxSamplesPerRequest, 2000);
    assert.equal(config.catchUpSamplesPerSecond, 0);
    assert.equal(config.fsyncIntervalMs, 0);
    assert.deepEqual(config.headers, { 'X-Scope-OrgID': 'team-a' });
    assert.equal(config.tls.insecureSkipVerify, true);
    assert.ok(remoteWriteFlags.every((flag) => flag.name.startsWith('remote-write.')));
    assert.throws(() => parseHeaders(['NoColonHere']), { message: 'invalid --remote-write.header "NoColonHere": expected "Name: value", e.g. "X-Scope-OrgID: team-a"' });
  });
});

describe('remote-write disk queue', () => {
  it('when full, drops the oldest ticks, counts exactly how many samples, and delivers the rest in order', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/api/v1/write`;
    const pipeline = await startPipeline({ urls: [url], maxQueueBytes: 2000, minBackoffMs: 50, maxBackoffMs: 200 });
    const receiver = new TestReceiver();
    let dropped = 0;
    try {
      for (let t = 0; t < 40; t++) pipeline.remoteWrite.write(tick(t));
      await pipeline.remoteWrite.whenAppended();
      const status = pipeline.remoteWrite.status().urls[0]!;
      dropped = await metricValue(pipeline.registry, 'hifreq_agent_remote_write_samples_dropped_total', { reason: 'queue_full' });
      assert.ok(dropped > 0 && dropped % 10 === 0, `whole ticks dropped (${dropped})`);
      assert.equal(dropped + status.pendingSamples, 400, 'every sample is either queued or counted as dropped');
      assert.ok(status.queueBytes <= 2000, `queue stays within max-queue-bytes (${status.queueBytes})`);
      assert.deepEqual(status.samplesDropped, { queue_full: dropped });
      const logged = pipeline.log.lines.filter((line) => line.msg === 'remote-write queue full: dropped the oldest queued samples');
      assert.equal(logged.reduce((sum, line) => sum + (line.droppedSamples as number), 0), dropped, 'logs add up to the counter');
      await receiver.start(port);
      await waitFor('queue drained', () => pipeline.remoteWrite.status().urls[0]!.pendingSamples === 0, 30_000);
    } finally {
      await pipeline.remoteWrite.stop();
      await receiver.stop();
    }
    const firstKept = dropped / 10;
    assert.deepEqual(ticksReceived(receiver), Array.from({ length: 40 - firstKept }, (_, i) => firstKept + i), 'the newest ticks survive, oldest first');
  });

  it('drops (and counts) a single tick larger than max-queue-bytes without stopping', async () => {
    const pipeline = await startPipeline({ urls: ['http://127.0.0.1:1/api/v1/write'], maxQueueBytes: 1024 });
    try {
      pipeline.remoteWrite.write(tick(0, 500));
      pipeline.remoteWrite.write(tick(1, 1));
      await pipeline.remoteWrite.whenAppended();
      assert.deepEqual(pipeline.remoteWrite.status().urls[0]!.samplesDropped, { queue_full: 500 });
      assert.equal(pipeline.remoteWrite.status().urls[0]!.pendingSamples, 1);
      assert.ok(pipeline.log.messages().includes('remote-write queue: one tick is larger than --remote-write.max-queue-bytes; dropped it: raise the limit'));
    } finally {
      await pipeline.remoteWrite.stop();
    }
  });

  it('replays what is on disk oldest first before new data, skipping damaged and truncated segments', async () => {
    const queueDir = tempDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/api/v1/write`;
    // Small segments (max-queue-bytes / 8) so the ticks spread over several files.
    const options = { urls: [url], queueDir, maxQueueBytes: 8 * 1024, minBackoffMs: 50, maxBackoffMs: 200 };
    const first = await startPipeline(options);
    for (let t = 0; t < 30; t++) first.remoteWrite.write(tick(t));
    await first.remoteWrite.stop();

    const dir = queueDirFor(queueDir, url);
    const segments = readdirSync(dir).filter((name) => name.endsWith('.seg')).sort();
    assert.ok(segments.length >= 4, `ticks spread over several segments (${segments.join(', ')})`);
    // Walk each segment's records by their length field (layout documented in agent/docs/remote-write.md).
    const recordOffsets = segments.map((file) => {
      const data = readFileSync(path.join(dir, file));
      const offsets: number[] = [];
      for (let offset = 8; offset < data.length; offset += 20 + data.readUInt32LE(offset)) offsets.push(offset);
      return offsets;
    });
    const ticksPer = recordOffsets.map((offsets) => offsets.length);
    assert.equal(ticksPer.reduce((a, b) => a + b, 0), 30);
    // Damage the second record of segment 2 and cut the last segment in the middle of its last record.
    const damaged = path.join(dir, segments[1]!);
    const bytes = readFileSync(damaged);
    bytes[recordOffsets[1]![1]! + 30] ^= 0xff;
    writeFileSync(damaged, bytes);
    truncateSync(path.join(dir, segments.at(-1)!), statSync(path.join(dir, segments.at(-1)!)).size - 7);
    writeFileSync(path.join(dir, '0000000000000000.seg'), 'garbage that is not a segment');

    const receiver = new TestReceiver();
    await receiver.start(port);
    const second = await startPipeline(options);
    try {
      second.remoteWrite.write(tick(100));
      await waitFor('queue drained', () => second.remoteWrite.status().urls[0]!.pendingSamples === 0, 30_000);
    } finally {
      await second.remoteWrite.stop();
      await receiver.stop();
    }
    const expected: number[] = [];
    let t = 0;
    ticksPer.forEach((n, index) => {
      for (let i = 0; i < n; i++, t++) {
        if (index === 1 && i >= 1) continue; // the rest of the damaged segment is skipped
        if (index === ticksPer.length - 1 && i === n - 1) continue; // the truncated record
        expected.push(t);
      }
    });
    expected.push(100);
    assert.deepEqual(ticksReceived(receiver), expected);
    assert.equal(await metricValue(second.registry, 'hifreq_agent_remote_write_corrupt_segments_total'), 3);
    const warnings = second.log.lines.filter((line) => line.level === 40).map((line) => [line.msg, line.problem]);
    assert.deepEqual(warnings.map(([msg]) => msg).sort(), [
      'remote-write queue: damaged segment; skipping the rest of it and keeping everything before',
      'remote-write queue: damaged segment; skipping the rest of it and keeping everything before',
      'remote-write queue: segment has no valid header; skipping the whole file',
    ]);
    assert.ok(warnings.some(([, problem]) => String(problem).startsWith('checksum mismatch')));
    assert.ok(warnings.some(([, problem]) => String(problem).startsWith('truncated record')));
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.seg')), [], 'delivered segments are deleted');
  });
});

describe('remote-write bad samples', () => {
  it('drops and counts samples with no name or an impossible timestamp, keeping the rest of the tick', async () => {
    const receiver = new TestReceiver();
    await receiver.start();
    const pipeline = await startPipeline({ urls: [receiver.url] });
    try {
      pipeline.remoteWrite.write([
        ...tick(0, 3),
        { name: 'bad_time', labels: {}, value: 1, timestampMs: Number.NaN },
        { name: '', labels: {}, value: 1, timestampMs: BASE_MS },
        { name: 'negative_time', labels: {}, value: 1, timestampMs: -5 },
      ]);
      await waitFor('good samples delivered', () => receiver.requests.length === 1);
    } finally {
      await pipeline.remoteWrite.stop();
      await receiver.stop();
    }
    assert.equal(decodeBody(receiver.requests[0]!.body).length, 3);
    assert.deepEqual(pipeline.remoteWrite.status().urls[0]!.samplesDropped, { invalid_sample: 3 });
    const logged = pipeline.log.lines.find((line) => String(line.msg).startsWith('remote write: dropped samples without a metric name'));
    assert.equal(logged?.droppedSamples, 3);
  });
});

describe('remote-write fsync policy', () => {
  it('with --remote-write.fsync-interval=0 every tick is synced before it counts as appended, and delivered in order', async () => {
    const receiver = new TestReceiver();
    await receiver.start();
    const pipeline = await startPipeline({ urls: [receiver.url], fsyncIntervalMs: 0 });
    try {
      for (let t = 0; t < 5; t++) pipeline.remoteWrite.write(tick(t, 2));
      await pipeline.remoteWrite.whenAppended();
      await waitFor('all delivered', () => pipeline.remoteWrite.status().urls[0]!.samplesSent === 10);
    } finally {
      await pipeline.remoteWrite.stop();
      await receiver.stop();
    }
    assert.deepEqual(ticksReceived(receiver), [0, 1, 2, 3, 4]);
  });
});

describe('remote-write queues of removed URLs', () => {
  it('warns at start about a queue directory whose URL is no longer configured', async () => {
    const queueDir = tempDir();
    const old = await startPipeline({ urls: ['http://127.0.0.1:1/old/api/v1/write'], queueDir });
    old.remoteWrite.write(tick(0, 2));
    await old.remoteWrite.stop();
    const current = await startPipeline({ urls: ['http://127.0.0.1:1/new/api/v1/write'], queueDir });
    await current.remoteWrite.stop();
    const warning = current.log.lines.find((line) => String(line.msg).startsWith('remote-write queue of a URL that is no longer configured'));
    assert.ok(warning, 'warned');
    assert.equal(warning.queueDir, queueDirFor(queueDir, 'http://127.0.0.1:1/old/api/v1/write'));
    assert.equal(warning.segments, 1);
  });
});

describe('remote-write queued data that passes its checksum but is not snappy', () => {
  it('drops and counts the undecodable batch and delivers what follows', async () => {
    const queueDir = tempDir();
    const receiver = new TestReceiver();
    await receiver.start();
    const dir = queueDirFor(queueDir, receiver.url);
    mkdirSync(dir, { recursive: true });
    const garbage = (n: number) => frameRecord({ payload: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, n]), sampleCount: 5, minTimestampMs: BASE_MS });
    writeFileSync(path.join(dir, '0000000000000001.seg'), Buffer.concat([SEGMENT_MAGIC, garbage(1), garbage(2)]));
    const pipeline = await startPipeline({ urls: [receiver.url], queueDir, maxSamplesPerRequest: 10 });
    try {
      pipeline.remoteWrite.write(tick(7, 5));
      await waitFor('the good tick delivered', () => pipeline.remoteWrite.status().urls[0]!.samplesSent === 5);
    } finally {
      await pipeline.remoteWrite.stop();
      await receiver.stop();
    }
    assert.deepEqual(pipeline.remoteWrite.status().urls[0]!.samplesDropped, { corrupt: 10 });
    assert.deepEqual(ticksReceived(receiver), [7]);
    assert.ok(pipeline.log.messages().includes('remote-write queue: queued data cannot be decompressed; dropped the batch'));
  });
});

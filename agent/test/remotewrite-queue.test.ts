// The on-disk queue and bad input: unusable configuration fails at start with a clear message;
// a full queue drops the oldest data and counts it exactly; damaged segments are reported and
// skipped; what is on disk is replayed oldest first, before new data.
import assert from 'node:assert/strict';
import { fstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { parseFlags } from '../src/config/flags.ts';
import { createRemoteWrite, queueDirFor, REMOTE_WRITE_DEFAULTS, remoteWriteConfigFromFlags, withDefaults } from '../src/remotewrite/index.ts';
import { parseHeaders, remoteWriteFlags } from '../src/remotewrite/flags.ts';
import { DiskQueue } from '../src/remotewrite/disk-queue.ts';
import { encodeCompressed } from '../src/remotewrite/encode.ts';
import { frameRecord, SEGMENT_MAGIC } from '../src/remotewrite/record.ts';
import type { Sample } from '../src/types.ts';
import { decodeBody, snappyBlockDecompress } from './rw-decoder.ts';
import { captureLogger } from './rw-log.ts';
import { metricValue, startPipeline, tempDir, waitFor } from './rw-fixtures.ts';
import { TestReceiver } from './rw-receiver.ts';
import { freePort } from './rw-vm.ts';

const BASE_MS = Date.now() - 3_600_000 - (Date.now() % 1000);

function tick(t: number, series = 10): Sample[] {
  return Array.from({ length: series }, (_, i) => ({ name: 'queue_test', labels: { series: String(i), pad: 'x'.repeat(40) }, value: t, timestampMs: BASE_MS + t * 1000 }));
}

/** Tick numbers (value of each sample) of one request body, in order. */
function ticksIn(body: Buffer): number[] {
  const ticks: number[] = [];
  for (const series of decodeBody(body)) {
    if (series.labels.find((label) => label.name === 'series')!.value === '0') ticks.push(...series.samples.map((sample) => sample.value));
  }
  return ticks;
}

/** Tick numbers (value of each sample) in the order the receiver got them. */
function ticksReceived(receiver: TestReceiver): number[] {
  return receiver.requests.flatMap((request) => ticksIn(request.body));
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

describe('remote-write defaults', () => {
  it('the flags\' defaults are the config defaults (max-queue-bytes 1GiB, fsync-interval 1s, ...)', () => {
    const fromFlags = remoteWriteConfigFromFlags(parseFlags([], undefined, { env: {} }));
    const { userAgent, ...numeric } = REMOTE_WRITE_DEFAULTS;
    assert.deepEqual(
      Object.fromEntries(Object.keys(numeric).map((key) => [key, fromFlags[key as keyof typeof numeric]])),
      numeric,
    );
    assert.equal(fromFlags.userAgent, userAgent);
    assert.equal(REMOTE_WRITE_DEFAULTS.maxQueueBytes, 1024 ** 3);
    assert.equal(REMOTE_WRITE_DEFAULTS.fsyncIntervalMs, 1000);
  });
});

describe('the tests\' own snappy block decoder (test/rw-decoder.ts)', () => {
  const abc = [0x61, 0x62, 0x63];
  it('decodes literals and the three copy forms, including copies that overlap their output', () => {
    // "abc" literal, then 9 more bytes copied from 3 back (overlapping): with a 1-, 2- and 4-byte offset.
    assert.equal(snappyBlockDecompress(Buffer.from([12, 0x08, ...abc, 0x15, 0x03])).toString(), 'abcabcabcabc');
    assert.equal(snappyBlockDecompress(Buffer.from([12, 0x08, ...abc, 0x22, 0x03, 0x00])).toString(), 'abcabcabcabc');
    assert.equal(snappyBlockDecompress(Buffer.from([12, 0x08, ...abc, 0x23, 0x03, 0x00, 0x00, 0x00])).toString(), 'abcabcabcabc');
    // A literal of 61 bytes: tag 60 says its length-1 follows in one byte.
    const long = Buffer.alloc(61, 'x');
    assert.deepEqual(snappyBlockDecompress(Buffer.concat([Buffer.from([61, 60 << 2, 60]), long])), long);
    // 300 bytes: a two-byte length varint; copy-1 with the high offset bits in the tag (offset 256).
    const text = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const block = Buffer.concat([Buffer.from([0xac, 0x02, 60 << 2, 255]), text, Buffer.from([(1 << 5) | (7 << 2) | 1, 0x00]), Buffer.from([(32 << 2) | 2, 0x00, 0x01])]);
    assert.deepEqual(snappyBlockDecompress(block), Buffer.concat([text, text.subarray(0, 44)]));
  });

  it('refuses damaged input with a message saying what is wrong', () => {
    assert.throws(() => snappyBlockDecompress(Buffer.from([7, 0x08, ...abc, 0x01, 0x04])), { message: 'snappy: copy offset 4 at output byte 3 points outside the output' });
    assert.throws(() => snappyBlockDecompress(Buffer.from([4, 0x08, ...abc])), { message: 'snappy: 3 bytes decompressed, the header declared 4' });
    assert.throws(() => snappyBlockDecompress(Buffer.from([2, 0x08, ...abc])), { message: 'snappy: output exceeds the declared 2 bytes' });
    assert.throws(() => snappyBlockDecompress(Buffer.from([3, 0x08, 0x61])), { message: 'snappy: literal of 3 bytes runs past the end of the input' });
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

/** One FileHandle.datasync() of a segment file, as the queue issued it. */
interface SyncCall {
  file: string;
  /** Size of the file when the sync was asked for: every byte up to here is on stable storage once it is done. */
  syncedBytes: number;
  startedAt: number;
  doneAt: number;
}

/**
 * Records every datasync() of a segment file under `dir` for the rest of the test by wrapping
 * FileHandle.prototype.datasync (the queue syncs segments only through it), then calls the real one.
 * `delayMs` holds each sync that long first, so anything that wrongly runs before a sync has
 * completed shows up; `now` is the clock the calls are stamped with.
 */
async function recordSegmentSyncs(t: TestContext, dir: string, options: { delayMs?: number; now?: () => number } = {}): Promise<{ started: SyncCall[]; done: SyncCall[] }> {
  const now = options.now ?? (() => performance.now());
  const probe = await open(path.join(dir, 'probe'), 'w');
  const prototype = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  const real = prototype.datasync;
  const root = realpathSync(dir);
  const started: SyncCall[] = [];
  const done: SyncCall[] = [];
  t.mock.method(prototype, 'datasync', async function (this: FileHandle) {
    const file = readlinkSync(`/proc/self/fd/${this.fd}`);
    if (!file.startsWith(root + path.sep) || !file.endsWith('.seg')) return real.call(this);
    const call: SyncCall = { file, syncedBytes: fstatSync(this.fd).size, startedAt: now(), doneAt: Number.NaN };
    started.push(call);
    if (options.delayMs) await sleep(options.delayMs);
    await real.call(this);
    call.doneAt = now();
    done.push(call);
  });
  return { started, done };
}

function openQueue(dir: string, fsyncIntervalMs: number): Promise<DiskQueue> {
  return DiskQueue.open({ dir, maxBytes: 64 * 1024 * 1024, fsyncIntervalMs, logger: captureLogger().logger, onDrop: () => assert.fail('nothing may be dropped') });
}

describe('remote-write fsync policy (--remote-write.fsync-interval, the power-loss bound)', () => {
  it('at 0, every append is fsynced before append() resolves: exactly one sync per append, covering it', async (t) => {
    const dir = tempDir();
    const syncs = await recordSegmentSyncs(t, dir, { delayMs: 20 });
    const queue = await openQueue(dir, 0);
    // As the pipeline does: each tick is handed to the appender without waiting for the previous one.
    const ends: number[] = [];
    let end = SEGMENT_MAGIC.byteLength;
    const atResolve: { tick: number; syncsDone: number; syncedBytes: number }[] = [];
    const appends = Array.from({ length: 10 }, (_, i) => {
      const body = encodeCompressed(tick(i, 2));
      end += frameRecord(body).byteLength;
      ends.push(end);
      return queue.append(body).then(() => atResolve.push({ tick: i, syncsDone: syncs.done.length, syncedBytes: syncs.done.at(-1)?.syncedBytes ?? 0 }));
    });
    await Promise.all(appends);
    assert.deepEqual(atResolve, ends.map((bytes, i) => ({ tick: i, syncsDone: i + 1, syncedBytes: bytes })), 'append n resolves after the n-th sync, which covers its record');
    assert.deepEqual(syncs.started.map((call) => call.syncedBytes), ends, 'no sync other than one per append');
    assert.equal(new Set(syncs.started.map((call) => call.file)).size, 1);
    await queue.close();
    assert.equal(syncs.done.length, 11, 'close syncs once more');
    assert.equal(syncs.done.at(-1)!.syncedBytes, end);
  });

  it('at 0, the pipeline sends a tick only after its sync has completed', async (t) => {
    const queueDir = tempDir();
    const syncs = await recordSegmentSyncs(t, queueDir, { delayMs: 50 });
    const sentAfterSyncs: { ticks: number[]; syncsDone: number }[] = [];
    const receiver = new TestReceiver((request) => {
      sentAfterSyncs.push({ ticks: ticksIn(request.body), syncsDone: syncs.done.length });
      return { status: 204 };
    });
    await receiver.start();
    const pipeline = await startPipeline({ urls: [receiver.url], queueDir, fsyncIntervalMs: 0 });
    try {
      for (let t = 0; t < 5; t++) pipeline.remoteWrite.write(tick(t, 2));
      await pipeline.remoteWrite.whenAppended();
      await waitFor('all delivered', () => pipeline.remoteWrite.status().urls[0]!.samplesSent === 10);
    } finally {
      await pipeline.remoteWrite.stop();
      await receiver.stop();
    }
    assert.deepEqual(ticksReceived(receiver), [0, 1, 2, 3, 4]);
    for (const { ticks, syncsDone } of sentAfterSyncs) {
      assert.ok(syncsDone >= Math.max(...ticks) + 1, `a request with ticks ${ticks.join(',')} was sent after only ${syncsDone} syncs`);
    }
    assert.equal(syncs.done.length, 6, 'one sync per tick, and one at stop');
  });

  it('at 1s, syncs exactly once per second while appends go on, each covering everything appended before it (fake clock, real syncs)', async (t) => {
    const dir = tempDir();
    let now = 0;
    const syncs = await recordSegmentSyncs(t, dir, { now: () => now });
    const queue = await openQueue(dir, 1000);
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const ends: number[] = [];
    let end = SEGMENT_MAGIC.byteLength;
    for (let i = 0; i < 30; i++) {
      // appends at 0, 100, ..., 2900 ms; an awaited append also waits for a sync queued before it
      const body = encodeCompressed(tick(i, 2));
      await queue.append(body);
      end += frameRecord(body).byteLength;
      ends.push(end);
      now += 100;
      t.mock.timers.tick(100);
    }
    await queue.close(); // runs after the sync the timer queued at 3000 ms, then syncs once more
    assert.deepEqual(
      syncs.done.map((call) => [call.startedAt, call.syncedBytes]),
      [[1000, ends[9]], [2000, ends[19]], [3000, ends[29]], [3000, ends[29]]],
      'one sync per second (the first a second after the first append), each covering every append before it; then the one at close',
    );
  });

  it('at 1s, in real time: no appended byte waits more than about a second for its sync, and syncs come at least once a second', async (t) => {
    const dir = tempDir();
    const syncs = await recordSegmentSyncs(t, dir);
    const queue = await openQueue(dir, 1000);
    // Timer and scheduling delays on a loaded machine; the design itself allows the interval plus
    // the time from one sync to the next append (100 ms here) between two syncs.
    const slackMs = 250;
    const appended: { calledAt: number; appendedAt: number; end: number }[] = [];
    const pending: Promise<void>[] = [];
    let end = SEGMENT_MAGIC.byteLength;
    for (let i = 0; i < 35; i++) {
      const body = encodeCompressed(tick(i, 2));
      end += frameRecord(body).byteLength;
      const record = { calledAt: performance.now(), appendedAt: Number.NaN, end };
      appended.push(record);
      pending.push(queue.append(body).then(() => void (record.appendedAt = performance.now())));
      await sleep(100);
    }
    await Promise.all(pending);
    await sleep(1000 + slackMs); // the last appends' sync
    const timed = syncs.done.slice();
    await queue.close();
    assert.equal(syncs.done.length, timed.length + 1, 'close syncs once more');

    assert.ok(timed[0]!.startedAt >= appended[0]!.calledAt + 1000 - 1, `the first sync waits for the interval (came ${(timed[0]!.startedAt - appended[0]!.calledAt).toFixed(0)} ms after the first append)`);
    for (const record of appended) {
      const sync = timed.find((call) => call.syncedBytes >= record.end && call.startedAt >= record.appendedAt);
      assert.ok(sync, `the record ending at byte ${record.end} was synced`);
      const waited = sync.startedAt - record.appendedAt;
      assert.ok(waited <= 1000 + slackMs, `the record ending at byte ${record.end} waited ${waited.toFixed(0)} ms for its sync`);
    }
    const gaps = timed.slice(1).map((call, i) => call.startedAt - timed[i]!.startedAt);
    assert.ok(gaps.length >= 3, `${timed.length} syncs during 3.5 s of appends`);
    for (const gap of gaps) assert.ok(gap <= 1000 + 100 + slackMs, `syncs ${gaps.map((g) => g.toFixed(0)).join(', ')} ms apart`);
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

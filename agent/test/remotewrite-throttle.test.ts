// Throttling and rejection: 429 with Retry-After and 503 are retried with backoff until delivered,
// exactly once; a 400 drops only its batch (counted, body logged) and later batches still flow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../src/remotewrite/backoff.ts';
import { parseRetryAfter } from '../src/remotewrite/http-client.ts';
import { SampleRateLimiter } from '../src/remotewrite/rate-limiter.ts';
import type { Sample } from '../src/types.ts';
import { decodeBody } from './rw-decoder.ts';
import { metricValue, startPipeline, waitFor } from './rw-fixtures.ts';
import { TestReceiver, type ReceivedRequest } from './rw-receiver.ts';

const BASE_MS = Date.now() - 3_600_000 - (Date.now() % 1000);

function tick(t: number, series = 4): Sample[] {
  return Array.from({ length: series }, (_, i) => ({ name: 'throttle_test', labels: { series: String(i) }, value: t * 10 + i, timestampMs: BASE_MS + t * 1000 }));
}

function samplesOf(requests: ReceivedRequest[]): string[] {
  return requests.flatMap((request) =>
    decodeBody(request.body).flatMap((series) => {
      const id = series.labels.find((label) => label.name === 'series')!.value;
      return series.samples.map((sample) => `${id}@${sample.timestamp - BASE_MS}=${sample.value}`);
    }),
  );
}

describe('remote write throttling and rejection', () => {
  it('retries 429 (honouring Retry-After) and 503 with backoff, then delivers everything exactly once', async () => {
    const answers = [
      { status: 429, headers: { 'Retry-After': '2' }, body: 'slow down' },
      { status: 503, body: 'unavailable' },
      { status: 503, body: 'unavailable' },
    ];
    const receiver = new TestReceiver((_request, index) => answers[index] ?? { status: 204 });
    await receiver.start();
    const pipeline = await startPipeline({ urls: [receiver.url], minBackoffMs: 400, maxBackoffMs: 5000 });
    try {
      for (let t = 0; t < 3; t++) pipeline.remoteWrite.write(tick(t));
      await waitFor('queue drained', () => pipeline.remoteWrite.status().urls[0]!.pendingSamples === 0, 30_000);
      await waitFor('every tick delivered', async () => (await metricValue(pipeline.registry, 'hifreq_agent_remote_write_samples_sent_total')) === 12);
    } finally {
      await pipeline.remoteWrite.stop();
      await receiver.stop();
    }
    const failed = receiver.requests.slice(0, 3);
    const delivered = receiver.requests.slice(3);
    assert.equal(samplesOf([failed[0]!]).length, 12, 'the three queued ticks went out as one batch');
    assert.deepEqual(samplesOf([failed[1]!]), samplesOf([failed[0]!]), 'the same batch is retried');
    assert.deepEqual(samplesOf([failed[2]!]), samplesOf([failed[0]!]), 'the same batch is retried');
    const expected = [0, 1, 2].flatMap((t) => tick(t).map((s) => `${s.labels.series}@${t * 1000}=${s.value}`)).sort();
    assert.deepEqual(samplesOf(delivered).sort(), expected, 'every sample delivered exactly once');
    const gaps = receiver.requests.slice(1, 4).map((request, i) => request.receivedAtMs - receiver.requests[i]!.receivedAtMs);
    assert.ok(gaps[0]! >= 2000, `waited for Retry-After: 2 (gap ${gaps[0]} ms)`);
    assert.ok(gaps[1]! >= 400, `backoff after the first 503 is at least half of 2 x 400 ms (gap ${gaps[1]} ms)`);
    assert.ok(gaps[2]! >= 800, `backoff doubles: at least half of 4 x 400 ms (gap ${gaps[2]} ms)`);
    assert.equal(await metricValue(pipeline.registry, 'hifreq_agent_remote_write_requests_total', { outcome: 'retry' }), 3);
    assert.equal(await metricValue(pipeline.registry, 'hifreq_agent_remote_write_samples_retried_total'), 3 * samplesOf([failed[0]!]).length);
    assert.equal(await metricValue(pipeline.registry, 'hifreq_agent_remote_write_samples_dropped_total'), 0);
    assert.ok((await metricValue(pipeline.registry, 'hifreq_agent_remote_write_last_error_timestamp_seconds')) > 0);
    assert.equal(pipeline.remoteWrite.status().urls[0]!.lastError!.message, 'HTTP 503: unavailable');
  });

  it('drops a batch answered 400, counts it, logs the body, and keeps sending later batches', async () => {
    const receiver = new TestReceiver((_request, index) => (index === 0 ? { status: 400, body: 'cannot parse sample: bad label' } : { status: 204 }));
    await receiver.start();
    const pipeline = await startPipeline({ urls: [receiver.url] });
    try {
      pipeline.remoteWrite.write(tick(0, 5));
      await waitFor('rejected request', () => receiver.requests.length === 1);
      await waitFor('rejection counted', async () => (await metricValue(pipeline.registry, 'hifreq_agent_remote_write_samples_dropped_total', { reason: 'rejected' })) === 5);
      pipeline.remoteWrite.write(tick(1, 5));
      pipeline.remoteWrite.write(tick(2, 5));
      await waitFor('later ticks delivered', async () => (await metricValue(pipeline.registry, 'hifreq_agent_remote_write_samples_sent_total')) === 10);
    } finally {
      await pipeline.remoteWrite.stop();
      await receiver.stop();
    }
    assert.equal(samplesOf(receiver.requests.slice(1)).length, 10);
    assert.ok(samplesOf(receiver.requests.slice(1)).every((sample) => !sample.includes('@0=')), 'the rejected batch is not sent again');
    const status = pipeline.remoteWrite.status().urls[0]!;
    assert.deepEqual(status.samplesDropped, { rejected: 5 });
    assert.equal(status.lastError!.message, 'HTTP 400: cannot parse sample: bad label');
    const logged = pipeline.log.lines.find((line) => String(line.msg).startsWith('remote-write request rejected'));
    assert.ok(logged, 'rejection logged');
    assert.equal(logged.response, 'HTTP 400: cannot parse sample: bad label');
    assert.equal(logged.droppedSamples, 5);
    assert.equal(await metricValue(pipeline.registry, 'hifreq_agent_remote_write_requests_total', { outcome: 'reject' }), 1);
  });

  it('paces catch-up at --remote-write.catch-up-rate samples per second', async () => {
    let open = false;
    const delivered: ReceivedRequest[] = [];
    const receiver = new TestReceiver((request) => {
      if (!open) return { status: 503 };
      delivered.push(request);
      return { status: 204 };
    });
    await receiver.start();
    const rate = 2000;
    const pipeline = await startPipeline({ urls: [receiver.url], catchUpSamplesPerSecond: rate, maxSamplesPerRequest: 500, minBackoffMs: 50, maxBackoffMs: 100 });
    try {
      for (let t = 0; t < 60; t++) pipeline.remoteWrite.write(tick(t, 100));
      await pipeline.remoteWrite.whenAppended();
      await waitFor('a failed attempt', () => receiver.requests.length >= 1);
      open = true;
      await waitFor('backlog delivered', () => pipeline.remoteWrite.status().urls[0]!.pendingSamples === 0, 30_000);
    } finally {
      await pipeline.remoteWrite.stop();
      await receiver.stop();
    }
    assert.equal(samplesOf(delivered).length, 6000);
    assert.deepEqual(delivered.map((request) => samplesOf([request]).length), Array(12).fill(500));
    // The bucket holds one second of tokens; the other 4000 samples need at least 2 s.
    const spanMs = delivered.at(-1)!.receivedAtMs - delivered[0]!.receivedAtMs;
    assert.ok(spanMs >= ((6000 - rate - 500) / rate) * 1000, `6000 samples at ${rate}/s took ${spanMs} ms`);
  });

  it('computes backoff, Retry-After and pacing exactly', () => {
    const backoff = new Backoff(100, 1000, () => 1);
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()], [100, 200, 400, 800, 1000]);
    backoff.reset();
    assert.equal(backoff.next(5000), 5000, 'Retry-After above the backoff wins');
    assert.equal(backoff.next(86_400_000), 300_000, 'an absurd Retry-After is cut to 5 minutes');
    assert.equal(new Backoff(100, 1000, () => 0).next(), 50, 'jitter keeps at least half');
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
    let now = 0;
    const limiter = new SampleRateLimiter(1000, () => now);
    assert.equal(limiter.reserve(1000), 0, 'one second of burst');
    assert.equal(limiter.reserve(500), 500);
    now = 500;
    assert.equal(limiter.reserve(500), 500, 'debt from the previous reservation is paid first');
    assert.equal(new SampleRateLimiter(0, () => now).reserve(1e9), 0, '0 means unlimited');
  });
});

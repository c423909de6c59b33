// Delivers one URL's disk queue, oldest first: batch, pace, POST, retry or drop, acknowledge.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { RemoteWriteConfig } from './config.ts';
import { Backoff } from './backoff.ts';
import { DiskQueue, type QueuedBatch } from './disk-queue.ts';
import { mergeCompressedRequests } from './encode.ts';
import { RemoteWriteHttpClient } from './http-client.ts';
import type { RemoteWriteMetrics } from './metrics.ts';
import { SampleRateLimiter } from './rate-limiter.ts';

const STOP_GRACE_MS = 2000;

export interface ShipperStatus {
  url: string;
  state: 'idle' | 'sending' | 'backoff' | 'stopped';
  queueBytes: number;
  maxQueueBytes: number;
  pendingSamples: number;
  pendingTicks: number;
  oldestSampleTime: string | null;
  oldestSampleAgeSeconds: number;
  samplesSent: number;
  samplesRetried: number;
  samplesDropped: Record<string, number>;
  lastSuccess: string | null;
  lastError: { time: string; message: string } | null;
  nextRetry: string | null;
}

export class Shipper {
  private state: ShipperStatus['state'] = 'idle';
  private stopping = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly backoff: Backoff;
  private readonly limiter: SampleRateLimiter;
  private samplesSent = 0;
  private samplesRetried = 0;
  private readonly samplesDropped: Record<string, number> = {};
  private lastSuccessMs: number | null = null;
  private lastError: { timeMs: number; message: string } | null = null;
  private nextRetryMs: number | null = null;

  constructor(
    readonly url: string,
    readonly redactedUrl: string,
    private readonly queue: DiskQueue,
    private readonly client: RemoteWriteHttpClient,
    private readonly config: RemoteWriteConfig,
    private readonly metrics: RemoteWriteMetrics,
    private readonly logger: Logger,
  ) {
    this.backoff = new Backoff(config.minBackoffMs, config.maxBackoffMs);
    this.limiter = new SampleRateLimiter(config.catchUpSamplesPerSecond);
  }

  countDrop(reason: string, samples: number): void {
    this.samplesDropped[reason] = (this.samplesDropped[reason] ?? 0) + samples;
    this.metrics.samplesDropped.inc({ url: this.redactedUrl, reason }, samples);
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.queue.waitForData();
        if (this.stopping) break;
        const batch = await this.queue.peek(this.config.maxSamplesPerRequest);
        if (batch) await this.deliver(batch);
      } catch (error) {
        // E.g. the disk failing under the queue: keep the data, report, and try again later.
        this.recordError((error as Error).message);
        const waitMs = this.backoff.next();
        this.logger.error({ url: this.redactedUrl, err: (error as Error).message, retryInMs: waitMs }, 'remote-write queue error; retrying');
        await this.pause(waitMs);
      }
    }
  }

  /** Sends one batch until it is acknowledged or rejected; returns early only when stopping. */
  private async deliver(batch: QueuedBatch): Promise<void> {
    if (batch.payloads.length === 0) {
      await this.queue.ack(batch.lastRecordId);
      return;
    }
    let body: Buffer;
    try {
      body = mergeCompressedRequests(batch.payloads);
    } catch (error) {
      this.logger.error(
        { url: this.redactedUrl, err: (error as Error).message, droppedSamples: batch.sampleCount },
        'remote-write queue: queued data cannot be decompressed; dropped the batch',
      );
      this.countDrop('corrupt', batch.sampleCount);
      await this.queue.ack(batch.lastRecordId);
      return;
    }
    const paceMs = this.limiter.reserve(batch.sampleCount);
    if (paceMs > 0 && !(await this.pause(paceMs))) return;
    for (;;) {
      this.state = 'sending';
      const started = performance.now();
      const outcome = await this.client.send(body);
      this.metrics.requestDuration.observe({ url: this.redactedUrl }, (performance.now() - started) / 1000);
      this.metrics.requests.inc({ url: this.redactedUrl, outcome: outcome.kind });
      if (outcome.kind === 'ok') {
        this.backoff.reset();
        this.samplesSent += batch.sampleCount;
        this.metrics.samplesSent.inc({ url: this.redactedUrl }, batch.sampleCount);
        this.lastSuccessMs = Date.now();
        this.metrics.lastSuccessTime.set({ url: this.redactedUrl }, this.lastSuccessMs / 1000);
        await this.queue.ack(batch.lastRecordId);
        this.state = 'idle';
        return;
      }
      this.recordError(outcome.message);
      if (outcome.kind === 'reject') {
        this.logger.error(
          { url: this.redactedUrl, status: outcome.status, droppedSamples: batch.sampleCount, response: outcome.message },
          'remote-write request rejected; dropped the batch (4xx answers are not retried: check the response)',
        );
        this.countDrop('rejected', batch.sampleCount);
        await this.queue.ack(batch.lastRecordId);
        this.state = 'idle';
        return;
      }
      const waitMs = this.backoff.next(outcome.retryAfterMs);
      this.samplesRetried += batch.sampleCount;
      this.metrics.samplesRetried.inc({ url: this.redactedUrl }, batch.sampleCount);
      this.logger.warn(
        { url: this.redactedUrl, status: outcome.status, error: outcome.message, retryInMs: waitMs, retryAfterMs: outcome.retryAfterMs, samples: batch.sampleCount },
        'remote-write request failed; retrying',
      );
      this.nextRetryMs = Date.now() + waitMs;
      this.state = 'backoff';
      const completed = await this.pause(waitMs);
      this.nextRetryMs = null;
      if (!completed) return;
    }
  }

  private recordError(message: string): void {
    this.lastError = { timeMs: Date.now(), message };
    this.metrics.lastErrorTime.set({ url: this.redactedUrl }, this.lastError.timeMs / 1000);
  }

  /** Waits unless stop() is called; returns false when interrupted. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.abort.signal });
      return true;
    } catch {
      return false;
    }
  }

  /** Stops sending: the current request may finish; whatever is not acknowledged stays on disk. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    this.queue.wake();
    // A request in flight may finish (and be acknowledged) within the grace period; after that
    // its batch simply stays queued and is sent again on the next start.
    await Promise.race([this.loop, sleep(STOP_GRACE_MS)]);
    await this.queue.close();
    this.client.close();
    this.state = 'stopped';
  }

  status(): ShipperStatus {
    const stats = this.queue.stats();
    return {
      url: this.redactedUrl,
      state: this.state,
      queueBytes: stats.bytes,
      maxQueueBytes: this.config.maxQueueBytes,
      pendingSamples: stats.pendingSamples,
      pendingTicks: stats.pendingRecords,
      oldestSampleTime: stats.oldestTimestampMs === null ? null : new Date(stats.oldestTimestampMs).toISOString(),
      oldestSampleAgeSeconds: stats.oldestTimestampMs === null ? 0 : Math.max(0, (Date.now() - stats.oldestTimestampMs) / 1000),
      samplesSent: this.samplesSent,
      samplesRetried: this.samplesRetried,
      samplesDropped: { ...this.samplesDropped },
      lastSuccess: this.lastSuccessMs === null ? null : new Date(this.lastSuccessMs).toISOString(),
      lastError: this.lastError ? { time: new Date(this.lastError.timeMs).toISOString(), message: this.lastError.message } : null,
      nextRetry: this.nextRetryMs === null ? null : new Date(this.nextRetryMs).toISOString(),
    };
  }
}

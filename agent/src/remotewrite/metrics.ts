// Self-metrics of the remote-write pipeline (hifreq_agent_remote_write_*), one label set per URL.
import { Counter, Gauge, Histogram, type Registry } from '../metrics/promclient.ts';

export interface QueueGaugeSource {
  url: string;
  stats(): { bytes: number; pendingSamples: number; oldestTimestampMs: number | null };
}

export class RemoteWriteMetrics {
  readonly samplesSent: Counter<'url'>;
  readonly samplesRetried: Counter<'url'>;
  readonly samplesDropped: Counter<'url' | 'reason'>;
  readonly requests: Counter<'url' | 'outcome'>;
  readonly requestDuration: Histogram<'url'>;
  readonly lastErrorTime: Gauge<'url'>;
  readonly lastSuccessTime: Gauge<'url'>;
  readonly corruptSegments: Counter<'url'>;
  private readonly sources: QueueGaugeSource[] = [];

  constructor(registry: Registry) {
    const registers = [registry];
    const sources = this.sources;
    this.samplesSent = new Counter({ name: 'hifreq_agent_remote_write_samples_sent_total', help: 'Samples acknowledged by the remote-write URL.', labelNames: ['url'], registers });
    this.samplesRetried = new Counter({ name: 'hifreq_agent_remote_write_samples_retried_total', help: 'Samples in requests that failed with 5xx, 429 or a network error and are sent again.', labelNames: ['url'], registers });
    this.samplesDropped = new Counter({
      name: 'hifreq_agent_remote_write_samples_dropped_total',
      help: 'Samples given up: queue_full (oldest dropped at --remote-write.max-queue-bytes), rejected (4xx answer), corrupt (damaged on disk), staging_full (disk writes stalled), disk_error (append failed), invalid_sample (no name, bad timestamp or value).',
      labelNames: ['url', 'reason'],
      registers,
    });
    this.requests = new Counter({ name: 'hifreq_agent_remote_write_requests_total', help: 'Remote-write requests by outcome (ok, retry, reject).', labelNames: ['url', 'outcome'], registers });
    this.requestDuration = new Histogram({
      name: 'hifreq_agent_remote_write_request_duration_seconds',
      help: 'Latency of remote-write requests.',
      labelNames: ['url'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.lastErrorTime = new Gauge({ name: 'hifreq_agent_remote_write_last_error_timestamp_seconds', help: 'When the last remote-write request failed.', labelNames: ['url'], registers });
    this.lastSuccessTime = new Gauge({ name: 'hifreq_agent_remote_write_last_success_timestamp_seconds', help: 'When the last remote-write request succeeded.', labelNames: ['url'], registers });
    this.corruptSegments = new Counter({ name: 'hifreq_agent_remote_write_corrupt_segments_total', help: 'Damaged queue segments found and skipped.', labelNames: ['url'], registers });
    new Gauge({
      name: 'hifreq_agent_remote_write_queue_bytes',
      help: 'Bytes of the on-disk queue per URL.',
      labelNames: ['url'],
      registers,
      collect() {
        for (const source of sources) this.set({ url: source.url }, source.stats().bytes);
      },
    });
    new Gauge({
      name: 'hifreq_agent_remote_write_queue_samples',
      help: 'Samples queued and not yet acknowledged per URL.',
      labelNames: ['url'],
      registers,
      collect() {
        for (const source of sources) this.set({ url: source.url }, source.stats().pendingSamples);
      },
    });
    new Gauge({
      name: 'hifreq_agent_remote_write_oldest_sample_age_seconds',
      help: 'Age of the oldest queued sample per URL (0 when the queue is empty).',
      labelNames: ['url'],
      registers,
      collect() {
        for (const source of sources) {
          const oldest = source.stats().oldestTimestampMs;
          this.set({ url: source.url }, oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
        }
      },
    });
  }

  addQueue(source: QueueGaugeSource): void {
    this.sources.push(source);
  }
}

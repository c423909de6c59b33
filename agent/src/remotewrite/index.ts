// The agent's remote-write pipeline: every tick is encoded once, appended to one on-disk queue per
// URL, and shipped from there. See agent/docs/remote-write.md.
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from '../metrics/promclient.ts';
import type { Sample, SampleSink } from '../types.ts';
import { redactUrl, validateConfig, type RemoteWriteConfig } from './config.ts';
import { DiskQueue } from './disk-queue.ts';
import { encodeCompressed } from './encode.ts';
import { RemoteWriteHttpClient } from './http-client.ts';
import { RemoteWriteMetrics } from './metrics.ts';
import { Shipper, type ShipperStatus } from './shipper.ts';
import type { RecordBody } from './record.ts';
import { remoteWriteConfigFromFlags } from './flags.ts';
import type { FlagValues } from '../config/flags.ts';

export type { RemoteWriteConfig } from './config.ts';
export { withDefaults, REMOTE_WRITE_DEFAULTS } from './config.ts';
export { remoteWriteFlags, remoteWriteConfigFromFlags } from './flags.ts';

export interface RemoteWriteStatus {
  urls: ShipperStatus[];
}

export interface RemoteWrite extends SampleSink {
  write(samples: readonly Sample[]): void;
  /** Resolves once everything passed to write() so far is appended to every queue's segment. */
  whenAppended(): Promise<void>;
  status(): RemoteWriteStatus;
  stop(): Promise<void>;
}

export interface RemoteWriteDeps {
  logger: Logger;
  registry: Registry;
}

/** Appends waiting for the disk beyond this many per URL are dropped (and counted) rather than held in memory. */
const MAX_STAGED_APPENDS = 600;

function isValidSample(sample: Sample): boolean {
  return (
    typeof sample.name === 'string' &&
    sample.name !== '' &&
    Number.isSafeInteger(Math.trunc(sample.timestampMs)) &&
    sample.timestampMs >= 0 &&
    (sample.stale === true || typeof sample.value === 'number')
  );
}

/** Directory of one URL's queue: readable, and distinct per URL without exposing credentials. */
export function queueDirFor(queueDir: string, url: string): string {
  const parsed = new URL(url);
  const readable = `${parsed.host}${parsed.pathname}`.replace(/[^A-Za-z0-9.-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80);
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 10);
  return path.join(queueDir, `${readable}-${hash}`);
}

/** Backlogs of URLs no longer configured are kept (they may come back) but must not go unnoticed. */
async function warnAboutOrphanedQueues(config: RemoteWriteConfig, logger: Logger): Promise<void> {
  const current = new Set(config.urls.map((url) => path.basename(queueDirFor(config.queueDir, url))));
  const entries = await readdir(config.queueDir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || current.has(entry.name)) continue;
    const dir = path.join(config.queueDir, entry.name);
    const segments = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.seg'));
    if (segments.length === 0) continue;
    let bytes = 0;
    for (const name of segments) bytes += (await stat(path.join(dir, name)).catch(() => ({ size: 0 }))).size;
    logger.warn(
      { queueDir: dir, segments: segments.length, bytes },
      'remote-write queue of a URL that is no longer configured holds unsent data: configure that URL again to deliver it, or delete the directory',
    );
  }
}

interface Destination {
  shipper: Shipper;
  queue: DiskQueue;
  staged: number;
  tail: Promise<void>;
}

/**
 * Opens one disk queue per URL (replaying what earlier runs left) and starts shipping.
 * Accepts a RemoteWriteConfig or the agent's parsed flag values (keys like "remote-write.url").
 * Rejects with a message naming the flag to fix when the configuration or queue dir is unusable.
 */
export async function createRemoteWrite(configOrFlags: RemoteWriteConfig | FlagValues, deps: RemoteWriteDeps): Promise<RemoteWrite> {
  const config = 'remote-write.url' in configOrFlags ? remoteWriteConfigFromFlags(configOrFlags as FlagValues) : (configOrFlags as RemoteWriteConfig);
  const problems = validateConfig(config);
  if (problems.length > 0) throw new Error(`invalid remote-write configuration:\n  - ${problems.join('\n  - ')}`);
  const logger = deps.logger.child({ module: 'remote-write' });
  const metrics = new RemoteWriteMetrics(deps.registry);
  const destinations: Destination[] = [];
  try {
    for (const url of config.urls) {
      const redacted = redactUrl(url);
      const dir = queueDirFor(config.queueDir, url);
      let shipper: Shipper | undefined;
      const queue = await DiskQueue.open({
        dir,
        maxBytes: config.maxQueueBytes,
        fsyncIntervalMs: config.fsyncIntervalMs,
        logger: logger.child({ url: redacted }),
        onDrop: (reason, samples) => shipper?.countDrop(reason, samples),
        onCorruptSegment: () => metrics.corruptSegments.inc({ url: redacted }),
      });
      let client: RemoteWriteHttpClient;
      try {
        client = new RemoteWriteHttpClient(url, config);
      } catch (error) {
        await queue.close();
        throw error;
      }
      shipper = new Shipper(url, redacted, queue, client, config, metrics, logger);
      metrics.addQueue({ url: redacted, stats: () => queue.stats() });
      destinations.push({ shipper, queue, staged: 0, tail: Promise.resolve() });
      logger.info({ url: redacted, queueDir: dir, ...queue.stats() }, 'remote-write queue opened');
    }
  } catch (error) {
    for (const destination of destinations) await destination.queue.close();
    throw error;
  }
  for (const destination of destinations) destination.shipper.start();
  await warnAboutOrphanedQueues(config, logger);

  function append(destination: Destination, body: RecordBody): void {
    if (destination.staged >= MAX_STAGED_APPENDS) {
      destination.shipper.countDrop('staging_full', body.sampleCount);
      logger.error({ url: destination.shipper.redactedUrl, droppedSamples: body.sampleCount }, 'remote-write queue disk is not keeping up; dropped a tick');
      return;
    }
    destination.staged++;
    destination.tail = destination.queue
      .append(body)
      .catch((error) => {
        destination.shipper.countDrop('disk_error', body.sampleCount);
        logger.error(
          { url: destination.shipper.redactedUrl, err: (error as Error).message, droppedSamples: body.sampleCount },
          'remote-write queue could not append a tick to disk; dropped it',
        );
      })
      .finally(() => destination.staged--);
  }

  /** Drops (counts and logs) samples no server would take, so one bad collector cannot block a tick. */
  function withoutInvalidSamples(samples: readonly Sample[]): readonly Sample[] {
    const invalid = samples.filter((sample) => !isValidSample(sample));
    if (invalid.length === 0) return samples;
    for (const destination of destinations) destination.shipper.countDrop('invalid_sample', invalid.length);
    const example = invalid[0]!;
    logger.error(
      { droppedSamples: invalid.length, example: { name: example.name, labels: example.labels, timestampMs: example.timestampMs, value: example.value } },
      'remote write: dropped samples without a metric name, with a timestamp that is not milliseconds since 1970, or with a non-numeric value',
    );
    return samples.filter(isValidSample);
  }

  let stopped = false;
  return {
    write(tickSamples) {
      if (stopped || tickSamples.length === 0 || destinations.length === 0) return;
      const samples = withoutInvalidSamples(tickSamples);
      if (samples.length === 0) return;
      for (let start = 0; start < samples.length; start += config.maxSamplesPerRequest) {
        const chunk = start === 0 && samples.length <= config.maxSamplesPerRequest ? samples : samples.slice(start, start + config.maxSamplesPerRequest);
        const body: RecordBody = encodeCompressed(chunk);
        for (const destination of destinations) append(destination, body);
      }
    },
    async whenAppended() {
      await Promise.all(destinations.map((destination) => destination.tail));
    },
    status() {
      return { urls: destinations.map((destination) => destination.shipper.status()) };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(destinations.map((destination) => destination.tail));
      await Promise.all(destinations.map((destination) => destination.shipper.stop()));
    },
  };
}

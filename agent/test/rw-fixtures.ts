// Shared set-up for remote-write tests: temp queue dirs, configs and pipelines with fresh registries.
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { createRemoteWrite, withDefaults, type RemoteWrite } from '../src/remotewrite/index.ts';
import type { RemoteWriteOptions } from '../src/remotewrite/config.ts';
import { captureLogger, type CapturedLogger } from './rw-log.ts';
import { removedAtExit } from './tmpdirs.ts';

export function tempDir(prefix = 'rw-test-'): string {
  return removedAtExit(prefix);
}

export interface Pipeline {
  remoteWrite: RemoteWrite;
  registry: Registry;
  log: CapturedLogger;
  queueDir: string;
}

export async function startPipeline(options: Partial<RemoteWriteOptions> & { urls: string[] }): Promise<Pipeline> {
  const queueDir = options.queueDir ?? tempDir();
  const registry = new Registry();
  const log = captureLogger();
  const remoteWrite = await createRemoteWrite(
    withDefaults({ minBackoffMs: 100, maxBackoffMs: 1000, ...options, queueDir }),
    { logger: log.logger, registry },
  );
  return { remoteWrite, registry, log, queueDir };
}

/** Waits until `predicate` holds, failing with `what` after timeoutMs. */
export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  if (!metric) throw new Error(`metric ${name} is not registered`);
  let total = 0;
  for (const value of metric.values) {
    if (Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected)) total += value.value;
  }
  return total;
}

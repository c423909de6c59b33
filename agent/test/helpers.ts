// Shared test helpers.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { Collector } from '../src/collectors/collector.ts';
import type { Labels } from '../src/types.ts';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const NODE1 = { procfs: join(FIXTURES, 'node1/proc'), sysfs: join(FIXTURES, 'node1/sys') };

export interface Row {
  device: string;
  name: string;
  key: string;
  extra: Labels | undefined;
  value: number;
  ts: number;
}

export async function collect(c: Collector, devices?: string[]): Promise<{ rows: Row[]; errors: Array<[string, string]> }> {
  const rows: Row[] = [];
  const errors: Array<[string, string]> = [];
  await c.collect(devices ?? c.discover(), {
    add: (device, name, key, extra, value, ts) => rows.push({ device, name, key, extra, value, ts }),
    error: (device, message) => errors.push([device, message]),
  });
  return { rows, errors };
}

/** value of the one row matching, failing loudly when there is not exactly one. */
export function value(rows: Row[], device: string, name: string, key = ''): number {
  const m = rows.filter((r) => r.device === device && r.name === name && r.key === key);
  if (m.length !== 1) throw new Error(`expected one ${name}{device=${device},key=${key}}, found ${m.length}`);
  return m[0].value;
}

/** A writable copy of a fixture tree in a temp dir; remove() deletes it. */
export function copyFixture(name: string): { root: string; procfs: string; sysfs: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'hifreq-fixture-'));
  cpSync(join(FIXTURES, name), root, { recursive: true, verbatimSymlinks: true });
  return { root, procfs: join(root, 'proc'), sysfs: join(root, 'sys'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** A pino logger that records every line (JSON objects) for assertions. */
export function recordingLogger(): { logger: pino.Logger; lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger, lines };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

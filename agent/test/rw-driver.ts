// A stand-in agent for end-to-end tests: ticks on wall-clock second boundaries like the scheduler,
// writes one sample per series per tick through the real remote-write pipeline, and reports on
// stdout (JSON lines) each tick it handed over ("written") and each tick the disk queue accepted
// ("appended"). SIGTERM stops it gracefully and prints the final status.
//
// usage: node --import tsx test/rw-driver.ts <url> <queue-dir> <series> [key=value config overrides]
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createRemoteWrite, withDefaults } from '../src/remotewrite/index.ts';
import type { Sample } from '../src/types.ts';

const [url, queueDir, seriesArg, ...overrides] = process.argv.slice(2);
if (!url || !queueDir || !seriesArg) {
  console.error('usage: rw-driver.ts <url> <queue-dir> <series> [key=value ...]');
  process.exit(2);
}
const seriesCount = Number(seriesArg);
const options: Record<string, number> = {};
for (const override of overrides) {
  const [key, value] = override.split('=');
  options[key!] = Number(value);
}

const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
const remoteWrite = await createRemoteWrite(
  withDefaults({ urls: [url], queueDir, maxBackoffMs: 2000, minBackoffMs: 200, ...options }),
  { logger: pino({ level: 'warn' }, pino.destination(2)), registry: new Registry() },
);
emit({ started: Date.now(), status: remoteWrite.status() });

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});

function tick(timestampMs: number): Sample[] {
  return Array.from({ length: seriesCount }, (_, i) => ({
    name: 'rw_e2e_ticks',
    labels: { series: String(i), cluster: 'test', node: 'driver' },
    value: timestampMs / 1000,
    timestampMs,
  }));
}

let next = Math.ceil(Date.now() / 1000) * 1000;
while (!stopping) {
  const waitMs = next - Date.now();
  if (waitMs > 0) await sleep(waitMs);
  if (stopping) break;
  // Every boundary gets its tick even if the event loop was late, so gaps can only come from the pipeline.
  while (next <= Date.now()) {
    const timestampMs = next;
    emit({ written: timestampMs });
    remoteWrite.write(tick(timestampMs));
    void remoteWrite.whenAppended().then(() => emit({ appended: timestampMs }));
    next += 1000;
  }
}
await remoteWrite.stop();
emit({ stopped: Date.now(), status: remoteWrite.status() });

// prom-client's classes, loaded from their own files. The package's index also loads its push
// gateway (http, https, zlib, hence TLS and OpenSSL), cluster aggregation and summaries, which the
// agent never uses: about 4 MB of RSS (measured in agent/README.md "Benchmark").
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const require = createRequire(import.meta.url);

export const Registry: typeof Prom.Registry = require('prom-client/lib/registry');
export const Counter: typeof Prom.Counter = require('prom-client/lib/counter');
export const Gauge: typeof Prom.Gauge = require('prom-client/lib/gauge');
export const Histogram: typeof Prom.Histogram = require('prom-client/lib/histogram');
export type Registry = Prom.Registry;
export type Counter<T extends string = string> = Prom.Counter<T>;
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export type Histogram<T extends string = string> = Prom.Histogram<T>;

/** How old process_open_fds may be. */
export const OPEN_FDS_REFRESH_MS = 15_000;

type DefaultMetric = (registry: Registry, config: { prefix?: string }) => void;

/**
 * The process metrics of prom-client's collectDefaultMetrics that an operator of the agent reads
 * (CPU, resident memory, file descriptors, start time, V8 heap, Node.js version). Left out: the GC
 * histogram (a performance observer called on every collection, and the agent collects young
 * garbage many times a second), the event-loop lag histogram (the agent reports its own missed
 * ticks and read times) and the per-space heap and active-handle breakdowns. The CPU counters are
 * the agent's own: prom-client's loads OpenTelemetry's API (40 modules) for exemplars. So is the
 * open-descriptor count: the agent keeps ~700 procfs/sysfs files open, and listing /proc/self/fd
 * on every scrape was a tenth of a percent of a core at one scrape a second; it is counted at most
 * every OPEN_FDS_REFRESH_MS.
 */
export function registerProcessMetrics(registry: Registry): void {
  for (const name of ['processStartTime', 'osMemoryHeap', 'processMaxFileDescriptors', 'heapSizeAndUsed', 'version']) {
    (require(`prom-client/lib/metrics/${name}`) as DefaultMetric)(registry, {});
  }
  let countedAt = -Infinity;
  new Gauge({
    name: 'process_open_fds',
    help: `Number of open file descriptors (counted at most every ${OPEN_FDS_REFRESH_MS / 1000} s).`,
    registers: [registry],
    collect() {
      const now = performance.now();
      if (now - countedAt < OPEN_FDS_REFRESH_MS) return;
      countedAt = now;
      try {
        // Minus the descriptor readdirSync itself had open.
        this.set(readdirSync('/proc/self/fd').length - 1);
      } catch {
        // not Linux: no such metric value
      }
    },
  });
  let last = process.cpuUsage();
  const user = new Counter({ name: 'process_cpu_user_seconds_total', help: 'Total user CPU time spent in seconds.', registers: [registry] });
  const system = new Counter({ name: 'process_cpu_system_seconds_total', help: 'Total system CPU time spent in seconds.', registers: [registry] });
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers: [registry],
    collect() {
      const now = process.cpuUsage();
      const userSeconds = (now.user - last.user) / 1e6;
      const systemSeconds = (now.system - last.system) / 1e6;
      last = now;
      user.inc(userSeconds);
      system.inc(systemSeconds);
      this.inc(userSeconds + systemSeconds);
    },
  });
}

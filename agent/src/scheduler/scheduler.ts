// Wall-clock aligned scheduler. Ticks at multiples of the high interval (t mod 1000 ≈ 0 for 1 s),
// re-arming a timer for the next boundary each time (so drift never accumulates, unlike chained
// setInterval). At tick T a target is due when T is a multiple of its interval. Each collector
// runs on its own; one that is still busy from an earlier tick is skipped and counted, so a slow
// or failing collector never delays the others.
import type { Logger } from 'pino';
import { NODE, type Collector, type SampleOut } from '../collectors/collector.ts';
import type { SelfMetrics } from '../metrics/self.ts';
import type { Labels, Sample, SampleSink } from '../types.ts';
import { Target, type Binding } from './target.ts';

export interface SchedulerOptions {
  collectors: Collector[];
  sinks: SampleSink[];
  highIntervalMs: number;
  defaultIntervalMs: number;
  graceMs: number;
  collectorTimeoutMs: number;
  /** cluster and node labels carried by every series. */
  commonLabels: Labels;
  logger: Logger;
  metrics: SelfMetrics;
  /** Collector whose devices are pods (its targets are always high-frequency and pod-labelled). */
  podCollectorName?: string;
  /** Devices per collector name that are never turned into targets (e.g. lo). */
  deviceLabel?: Record<string, string>;
}

export interface DesiredBindings {
  /** target id (`collector:device`) → the pod it is bound to. */
  targets: Map<string, Binding>;
  /** pod key → binding, for the pod-interface targets. */
  pods: Map<string, Binding>;
  /** Node-wide targets go high while any high-frequency pod is on the node. */
  nodeHigh: boolean;
}

export function targetId(collector: string, device: string): string {
  return device === NODE ? collector : `${collector}:${device}`;
}

function sameBinding(a: Binding | undefined, b: Binding | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.namespace === b.namespace && a.pod === b.pod && a.job_name === b.job_name);
}

function sameBindingMaps(a: Map<string, Binding>, b: Map<string, Binding>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, binding] of a) if (!sameBinding(binding, b.get(key))) return false;
  return true;
}

function sameBindings(a: DesiredBindings, b: DesiredBindings): boolean {
  return a.nodeHigh === b.nodeHigh && sameBindingMaps(a.targets, b.targets) && sameBindingMaps(a.pods, b.pods);
}

export class Scheduler {
  readonly targets = new Map<string, Target>();
  private timer: NodeJS.Timeout | undefined;
  private readonly busy = new Set<string>();
  private lastTick = 0;
  private running = false;
  private rediscover = true;
  private desired: DesiredBindings = { targets: new Map(), pods: new Map(), nodeHigh: false };
  private readonly loggedErrors = new Map<string, string>();
  private readonly inFlight = new Set<Promise<void>>();
  ticksRun = 0;

  constructor(private readonly opts: SchedulerOptions) {
    const { highIntervalMs, defaultIntervalMs } = opts;
    if (defaultIntervalMs % highIntervalMs !== 0) {
      throw new Error(`--interval.default (${defaultIntervalMs}ms) must be a multiple of --interval.high (${highIntervalMs}ms) so both tick on the same boundaries`);
    }
  }

  start(): void {
    this.running = true;
    this.arm();
  }

  /** Stops ticking and waits for collections in flight to reach the sinks. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private arm(): void {
    if (!this.running) return;
    const base = this.opts.highIntervalMs;
    const now = Date.now();
    const next = (Math.floor(now / base) + 1) * base;
    this.timer = setTimeout(() => this.onTimer(next), next - now);
  }

  private onTimer(boundary: number): void {
    if (!this.running) return;
    const now = Date.now();
    if (now < boundary) {
      // Timers run on the monotonic clock and may fire a hair before the wall-clock boundary.
      this.timer = setTimeout(() => this.onTimer(boundary), boundary - now);
      return;
    }
    const base = this.opts.highIntervalMs;
    const latest = Math.floor(now / base) * base;
    if (latest > boundary) this.opts.metrics.missedTicks.inc((latest - boundary) / base);
    try {
      this.tick(latest);
    } catch (err) {
      this.opts.logger.error({ err }, 'scheduler tick failed');
    }
    this.arm();
  }

  /** Applies the binder's view: rebinding sends staleness markers for the series of the old binding. */
  applyBindings(desired: DesiredBindings, nowMs = Date.now()): void {
    // The binder re-checks every few seconds and nearly always finds what it found before: that
    // changes nothing, and must not cost a rediscovery of every device on the next tick.
    if (sameBindings(this.desired, desired)) return;
    this.desired = desired;
    const stale: Sample[] = [];
    for (const t of this.targets.values()) {
      if (t.alwaysHigh) continue;
      const wasHigh = t.binding !== undefined;
      const binding = t.device === NODE ? undefined : desired.targets.get(t.id);
      stale.push(...t.rebind(binding, nowMs));
      const isBoundNow = binding !== undefined || (t.device === NODE && desired.nodeHigh);
      if (isBoundNow) t.highUntil = Infinity;
      else if (wasHigh || t.highUntil === Infinity) t.highUntil = nowMs + this.opts.graceMs;
    }
    this.rediscover = true;
    this.syncPodTargets(nowMs, stale);
    this.emit(stale);
  }

  private syncPodTargets(nowMs: number, stale: Sample[]): void {
    const name = this.opts.podCollectorName;
    if (!name) return;
    const collector = this.opts.collectors.find((c) => c.name === name);
    if (!collector) return;
    for (const [id, t] of this.targets) {
      if (t.collector !== collector) continue;
      const b = this.desired.pods.get(t.device);
      if (!b) {
        stale.push(...t.staleMarkers(nowMs));
        this.targets.delete(id);
      } else stale.push(...t.rebind(b, nowMs));
    }
    for (const [podKey, b] of this.desired.pods) {
      const id = targetId(name, podKey);
      if (this.targets.has(id)) continue;
      const t = new Target(id, collector, podKey, this.opts.commonLabels, true);
      t.rebind(b, nowMs);
      this.targets.set(id, t);
    }
  }

  private discover(nowMs: number): void {
    const stale: Sample[] = [];
    for (const collector of this.opts.collectors) {
      if (collector.name === this.opts.podCollectorName) continue;
      let devices: string[];
      try {
        devices = collector.discover();
      } catch (err) {
        this.reportError(collector.name, collector.name, `discovery failed: ${(err as Error).message}`);
        continue;
      }
      const present = new Set(devices);
      for (const [id, t] of this.targets) {
        if (t.collector === collector && !present.has(t.device)) {
          stale.push(...t.staleMarkers(nowMs));
          this.targets.delete(id);
          this.opts.logger.info({ target: id }, 'device gone: target removed');
        }
      }
      for (const device of devices) {
        const id = targetId(collector.name, device);
        if (this.targets.has(id)) continue;
        const labelName = this.opts.deviceLabel?.[collector.name] ?? 'device';
        const base = device === NODE ? this.opts.commonLabels : { ...this.opts.commonLabels, [labelName]: device };
        const t = new Target(id, collector, device, base);
        const binding = device === NODE ? undefined : this.desired.targets.get(id);
        t.rebind(binding, nowMs);
        if (binding || (device === NODE && this.desired.nodeHigh)) t.highUntil = Infinity;
        this.targets.set(id, t);
      }
    }
    this.emit(stale);
  }

  intervalOf(t: Target, nowMs: number): number {
    return t.isHigh(nowMs) ? this.opts.highIntervalMs : this.opts.defaultIntervalMs;
  }

  /** Runs one tick at boundary T (exposed for tests). */
  tick(T: number): void {
    if (T <= this.lastTick) return;
    this.lastTick = T;
    this.ticksRun++;
    this.opts.metrics.ticks.inc();
    if (this.rediscover || T % this.opts.defaultIntervalMs === 0) {
      this.rediscover = false;
      this.discover(T);
    }
    const due = new Map<Collector, Target[]>();
    let high = 0;
    for (const t of this.targets.values()) {
      const interval = this.intervalOf(t, T);
      if (interval === this.opts.highIntervalMs) high++;
      if (T % interval !== 0) continue;
      let list = due.get(t.collector);
      if (!list) due.set(t.collector, (list = []));
      list.push(t);
    }
    this.opts.metrics.targets.set({ interval: `${this.opts.highIntervalMs}ms` }, high);
    this.opts.metrics.targets.set({ interval: `${this.opts.defaultIntervalMs}ms` }, this.targets.size - high);
    for (const [collector, targets] of due) this.runCollector(collector, targets);
  }

  private runCollector(collector: Collector, targets: Target[]): void {
    const name = collector.name;
    if (this.busy.has(name)) {
      this.reportError(name, name, `collector ${name} is still busy with the previous tick; skipped this one`);
      return;
    }
    const byDevice = new Map<string, Target>();
    for (const t of targets) {
      byDevice.set(t.device, t);
      t.samplesLastRead = 0;
    }
    const samples: Sample[] = [];
    const out: SampleOut = {
      add: (device, metric, key, extra, value, ts) => {
        const t = byDevice.get(device);
        if (!t) return;
        samples.push({ name: metric, labels: t.labelsFor(metric, key, extra), value, timestampMs: ts });
        t.lastReadMs = ts;
        t.samplesLastRead++;
      },
      error: (device, message) => {
        const t = byDevice.get(device);
        if (t) t.lastError = { message, atMs: Date.now() };
        this.reportError(name, t?.id ?? targetId(name, device), message);
      },
    };
    const started = performance.now();
    this.busy.add(name);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.reportError(name, name, `collector ${name} took longer than --collector.timeout (${this.opts.collectorTimeoutMs}ms)`);
    }, this.opts.collectorTimeoutMs);
    const finish = (err?: unknown) => {
      clearTimeout(timer);
      this.busy.delete(name);
      const ms = performance.now() - started;
      for (const t of targets) t.lastDurationMs = ms;
      this.opts.metrics.collectDuration.observe({ collector: name }, ms / 1000);
      if (err !== undefined) {
        const message = `collector ${name} failed: ${(err as Error)?.message ?? err}`;
        for (const t of targets) t.lastError = { message, atMs: Date.now() };
        this.reportError(name, name, message);
      }
      // Late results still carry their true read times, so they are delivered even after a timeout.
      void timedOut;
      this.opts.metrics.samplesCollected.inc({ collector: name }, samples.length);
      this.emit(samples);
    };
    let result: void | Promise<void>;
    try {
      result = collector.collect(targets.map((t) => t.device), out);
    } catch (err) {
      finish(err);
      return;
    }
    if (result instanceof Promise) {
      const p = result.then(() => finish(), finish).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    } else finish();
  }

  private reportError(collector: string, where: string, message: string): void {
    this.opts.metrics.collectErrors.inc({ collector });
    // Log a repeating error once, not every second; log again when it changes.
    if (this.loggedErrors.get(where) === message) return;
    this.loggedErrors.set(where, message);
    this.opts.logger.warn({ collector, target: where }, message);
  }

  private emit(samples: Sample[]): void {
    if (samples.length === 0) return;
    let stale = 0;
    for (const s of samples) if (s.stale) stale++;
    if (stale) this.opts.metrics.stalenessMarkers.inc(stale);
    for (const sink of this.opts.sinks) {
      try {
        sink.write(samples);
      } catch (err) {
        this.opts.logger.error({ err }, 'sample sink failed');
      }
    }
  }
}

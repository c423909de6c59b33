// Wires collectors, scheduler, pod source, binder, sinks and HTTP into one agent.
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import type { FlagValues } from './config/flags.ts';
import type { Collector } from './collectors/collector.ts';
import { InfinibandCollector } from './collectors/infiniband.ts';
import { NetDevCollector } from './collectors/netdev.ts';
import { NetStatCollector } from './collectors/netstat.ts';
import { PodNetDevCollector } from './collectors/podnetdev.ts';
import { SELF_COLLECTOR, SelfCollector, isSelfBatch } from './collectors/self.ts';
import { SoftnetCollector } from './collectors/softnet.ts';
import { TcpStatCollector } from './collectors/tcpstat.ts';
import { Binder, parseResourceMap } from './binding/binder.ts';
import { NodeDevices } from './binding/devices.ts';
import { PidResolver } from './binding/pidresolver.ts';
import { MetricsCache } from './http/metricsCache.ts';
import { startHttpServer } from './http/server.ts';
import { createSelfMetrics, type SelfMetrics } from './metrics/self.ts';
import { createPodSource } from './pods/sources.ts';
import type { PodSource } from './pods/pod.ts';
import { parseSelector } from './pods/selector.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { compareStrings, type Labels, type Sample, type SampleSink } from './types.ts';

export interface AgentOptions {
  flags: FlagValues;
  logger?: Logger;
  /** Extra sinks (tests record every sample here). */
  sinks?: SampleSink[];
  /** Extra collectors (tests inject slow or failing ones). */
  extraCollectors?: Collector[];
  /** A ready-made pod source instead of the one --pods.source names. */
  podSource?: PodSource;
  /** Attached by main when remote write is on (see attachRemoteWrite). */
  remoteWrite?: { write: SampleSink['write']; status(): unknown; stop(): Promise<void> };
}

export class Agent {
  readonly cache = new MetricsCache();
  readonly metrics: SelfMetrics;
  readonly scheduler: Scheduler;
  readonly binder: Binder;
  readonly logger: Logger;
  podSource: PodSource | undefined;
  private http: { port: number; close: () => Promise<void> } | undefined;
  private podSourceError = '';
  private firstTickDone = false;
  private remoteWrite: AgentOptions['remoteWrite'];
  private readonly nodeName: string;
  private pendingRemoteWrite: (readonly Sample[])[] = [];

  constructor(private readonly opts: AgentOptions) {
    const f = opts.flags;
    this.logger = opts.logger ?? pino({ level: f['log.level'] as string, base: { component: 'hifreq-agent' } });
    this.metrics = createSelfMetrics();
    const paths = { procfs: f['path.procfs'] as string, sysfs: f['path.sysfs'] as string };
    const nodeName = (f['node-name'] as string) || hostname();
    const common: Labels = { node: nodeName };
    if (f['cluster']) common.cluster = f['cluster'] as string;
    const podCollector = new PodNetDevCollector(paths);
    const collectors: Collector[] = [
      new NetDevCollector(paths),
      new InfinibandCollector(paths, (device, port) =>
        this.logger.warn({ device, port }, `InfiniBand ${device} port ${port} has only 32-bit data counters: they wrap in about 0.34 s at 400 Gb/s, so per-second rates can be wrong (see node_infiniband_port_data_counter_width_bits)`),
      ),
      new TcpStatCollector(paths),
      new NetStatCollector(paths),
      new SoftnetCollector(paths),
      podCollector,
      // hifreq_agent_* as samples for remote write, at --interval.default
      new SelfCollector(this.metrics.registry, f['interval.default'] as number, f['interval.high'] as number),
      ...(opts.extraCollectors ?? []),
    ];
    // /metrics renders the registry itself: the cache skips the self collector's copies of it.
    const cache: SampleSink = { write: (samples) => { if (!isSelfBatch(samples)) this.cache.write(samples); } };
    const sinks: SampleSink[] = [cache, ...(opts.sinks ?? [])];
    // Remote write is attached after construction (it needs this agent's registry); the sink
    // forwards to it once it is there. The collectors of one tick hand over their batches one
    // after another in the same task; they are passed on together (see queueForRemoteWrite).
    sinks.push({ write: (samples) => this.queueForRemoteWrite(samples) });
    const firstTick: SampleSink = { write: () => { this.firstTickDone = true; } };
    sinks.push(firstTick);
    this.scheduler = new Scheduler({
      collectors,
      sinks,
      highIntervalMs: f['interval.high'] as number,
      defaultIntervalMs: f['interval.default'] as number,
      graceMs: f['interval.grace'] as number,
      collectorTimeoutMs: f['collector.timeout'] as number,
      commonLabels: common,
      logger: this.logger,
      metrics: this.metrics,
      podCollectorName: podCollector.name,
    });
    this.binder = new Binder({
      nodeName,
      selector: parseSelector(f['pods.selector'] as string),
      jobNameLabels: f['pods.job-name-labels'] as string[],
      devices: new NodeDevices(paths),
      pids: new PidResolver(paths.procfs),
      resourceMap: parseResourceMap(f['binding.resource-map'] as string[]),
      fallback: f['binding.fallback'] as 'rdma' | 'none',
      podCollector,
      apply: (desired) => this.scheduler.applyBindings(desired),
      logger: this.logger,
      metrics: this.metrics,
    });
    this.nodeName = nodeName;
  }

  attachRemoteWrite(rw: NonNullable<AgentOptions['remoteWrite']>): void {
    this.remoteWrite = rw;
  }

  /**
   * Batches handed over in the same task (all collectors of one tick) go to remote write as one
   * write, on a microtask: one encoding, one snappy block, one queue record, one request per tick
   * instead of one per collector (each of which cost a disk append, and the shipper had to
   * decompress and merge them again). Samples keep their own read timestamps.
   */
  private queueForRemoteWrite(samples: readonly Sample[]): void {
    if (!this.remoteWrite || samples.length === 0) return;
    if (this.pendingRemoteWrite.length === 0) queueMicrotask(() => this.flushRemoteWrite());
    this.pendingRemoteWrite.push(samples);
  }

  private flushRemoteWrite(): void {
    const batches = this.pendingRemoteWrite;
    if (batches.length === 0) return;
    this.pendingRemoteWrite = [];
    const samples = batches.length === 1 ? batches[0] : ([] as Sample[]).concat(...batches);
    try {
      this.remoteWrite?.write(samples);
    } catch (err) {
      this.logger.error({ err }, 'remote write failed to take a tick');
    }
  }

  get port(): number | undefined {
    return this.http?.port;
  }

  async start(): Promise<void> {
    const f = this.opts.flags;
    // Loaded only when used: @grpc/grpc-js and @kubernetes/client-node weigh megabytes of heap.
    const socket = f['binding.pod-resources-socket'] as string;
    if (socket) {
      const { PodResourcesClient } = await import('./binding/podresources.ts');
      this.binder.setPodResources(new PodResourcesClient(socket));
    }
    const podSource = this.opts.podSource ?? (await createPodSource(f, this.nodeName));
    this.podSource = podSource;
    this.http = await startHttpServer(this.opts.flags['web.listen-address'] as string, {
      cache: this.cache,
      registry: this.metrics.registry,
      logger: this.logger,
      ready: () => this.binder.synced && this.firstTickDone,
      targets: () => this.targetsStatus(),
      remoteWriteStatus: () => (this.remoteWrite ? this.remoteWrite.status() : undefined),
    });
    this.binder.start();
    this.scheduler.start();
    await podSource.start(
      (pods) => {
        this.podSourceError = '';
        this.binder.setPods(pods);
      },
      (message) => {
        this.podSourceError = message;
        this.metrics.podSourceErrors.inc({ source: podSource.name });
        this.logger.warn({ source: podSource.name }, message);
      },
    );
  }

  async stop(): Promise<void> {
    await this.podSource?.stop();
    this.binder.stop();
    await this.scheduler.stop();
    this.flushRemoteWrite();
    await this.remoteWrite?.stop();
    await this.http?.close();
  }

  targetsStatus(): unknown {
    const now = Date.now();
    const targets = [...this.scheduler.targets.values()]
      .sort((a, b) => compareStrings(a.id, b.id))
      .map((t) => {
        const self = t.collector.name === SELF_COLLECTOR;
        const interval = self ? (this.opts.flags['interval.default'] as number) : this.scheduler.intervalOf(t, now);
        return {
          id: t.id,
          collector: t.collector.name,
          device: t.device || null,
          intervalMs: interval,
          reason: self
            ? "the agent's own metrics (hifreq_agent_*) are read at --interval.default"
            : t.alwaysHigh
            ? 'pod interfaces are always sampled at the high interval'
            : t.binding
              ? `bound to pod ${t.binding.namespace}/${t.binding.pod}`
              : t.device === '' && t.highUntil === Infinity
                ? 'node-wide: high-frequency pods are on this node'
                : now < t.highUntil
                  ? `grace period after its pod left, until ${new Date(t.highUntil).toISOString()}`
                  : 'no high-frequency pod uses it',
          binding: t.binding ?? null,
          lastRead: t.lastReadMs ? new Date(t.lastReadMs).toISOString() : null,
          lastReadDurationMs: Math.round(t.lastDurationMs * 1000) / 1000,
          samplesLastRead: t.samplesLastRead,
          lastError: t.lastError ? { message: t.lastError.message, at: new Date(t.lastError.atMs).toISOString() } : null,
        };
      });
    return {
      node: this.opts.flags['node-name'],
      podSource: { name: this.podSource?.name ?? this.opts.flags['pods.source'], lastError: this.podSourceError || null },
      selector: this.opts.flags['pods.selector'],
      highFrequencyPods: this.binder.status,
      targets,
    };
  }
}

// The agent's own metrics (hifreq_agent_*, held in the prom-client registry) as samples, so remote
// write ships them to VictoriaMetrics with the cluster and node labels like every other series (the
// backend's health check, the agent-silent and agent-queue-growing alerts look for them there).
// A node-wide collector that reads at most once per --interval.default period, at its boundary: the
// scheduler moves node-wide targets to the high interval while high-frequency pods are on the
// node, but the agent's own figures stay at the default cadence.
import type { Registry } from '../metrics/promclient.ts';
import type { Labels, Sample } from '../types.ts';
import { NODE, type Collector, type SampleOut } from './collector.ts';

export const SELF_COLLECTOR = 'self';
export const SELF_PREFIX = 'hifreq_agent_';

interface RegistryMetric {
  name: string;
  get(): Promise<{ values: Array<{ value: number; labels: Record<string, string | number | undefined>; metricName?: string }> }>;
}

/**
 * True for a batch of this collector's samples. The scheduler hands each collector's samples to the
 * sinks as one batch, and no other collector emits hifreq_agent_* names, so the first sample tells.
 */
export function isSelfBatch(samples: readonly Sample[]): boolean {
  return samples.length > 0 && samples[0].name.startsWith(SELF_PREFIX);
}

export class SelfCollector implements Collector {
  readonly name = SELF_COLLECTOR;
  private lastPeriod = -1;

  /**
   * @param intervalMs  the cadence (--interval.default); reads happen at its multiples only
   * @param slackMs     a call later than this after the boundary is skipped (--interval.high), so
   *                    every timestamp falls in the boundary's own tick
   * @param reserved    label names the target already sets (cluster, node); a metric label of the
   *                    same name is kept as exported_<name> instead of overwriting them
   */
  constructor(
    private readonly registry: Registry,
    private readonly intervalMs: number,
    private readonly slackMs: number,
    private readonly reserved: readonly string[] = ['cluster', 'node'],
  ) {}

  discover(): string[] {
    return [NODE];
  }

  async collect(_devices: readonly string[], out: SampleOut): Promise<void> {
    const now = Date.now();
    const period = Math.floor(now / this.intervalMs);
    if (period === this.lastPeriod || now - period * this.intervalMs >= this.slackMs) return;
    this.lastPeriod = period;
    for (const metric of this.registry.getMetricsAsArray() as unknown as RegistryMetric[]) {
      if (!metric.name.startsWith(SELF_PREFIX)) continue;
      let values: Awaited<ReturnType<RegistryMetric['get']>>['values'];
      try {
        ({ values } = await metric.get());
      } catch (err) {
        out.error(NODE, `cannot read self-metric ${metric.name}: ${(err as Error).message}`);
        continue;
      }
      const ts = Date.now();
      for (const v of values) {
        if (Number.isNaN(v.value)) continue;
        const name = v.metricName ?? metric.name;
        const keys = Object.keys(v.labels).sort();
        let key = '';
        let extra: Labels | undefined;
        for (const k of keys) {
          const value = v.labels[k];
          if (value === undefined) continue;
          const labelName = this.reserved.includes(k) ? `exported_${k}` : k;
          (extra ??= {})[labelName] = String(value);
          key += `${labelName}\u0001${String(value)}\u0000`;
        }
        out.add(NODE, name, key, extra, v.value, ts);
      }
    }
  }
}

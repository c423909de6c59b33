// Synthetic per-second series with the agent's metric names (DESIGN.md §3), relative to an
// evaluation time T: `sec` is seconds before (negative) T. Timestamps carry a few ms of jitter
// like real samples read just after the tick.
import type { ImportSeries } from './vm';

/** Seconds of history written before T (baselines look 10 minutes back). */
export const HISTORY_SECONDS = 900;

export type Labels = Record<string, string>;

export interface SeriesOptions {
  /** First second written (default -HISTORY_SECONDS). */
  from?: number;
  /** Last second written (default 0). */
  to?: number;
  /** Seconds between samples (default 1; the agent's default interval is 15). */
  every?: number;
}

function jitterMs(sec: number): number {
  return (((sec * 7919) % 23) + 23) % 23;
}

function seconds(opts: SeriesOptions): number[] {
  const from = opts.from ?? -HISTORY_SECONDS;
  const to = opts.to ?? 0;
  const every = opts.every ?? 1;
  const out: number[] = [];
  for (let s = from; s <= to; s++) {
    if (((s % every) + every) % every === 0) {
      out.push(s);
    }
  }
  return out;
}

export class Synthetic {
  readonly series: ImportSeries[] = [];
  constructor(readonly T: number) {}

  private ts(sec: number): number {
    return this.T + sec * 1000 + jitterMs(sec);
  }

  /** A counter whose increase during second `sec` is `perSecond(sec)`. */
  counter(name: string, labels: Labels, perSecond: (sec: number) => number, opts: SeriesOptions = {}): this {
    const secs = seconds(opts);
    let total = 1000;
    const values: number[] = [];
    let prev = secs[0];
    for (const s of secs) {
      for (let k = prev + 1; k <= s; k++) {
        total += perSecond(k);
      }
      prev = s;
      values.push(total);
    }
    this.series.push({ labels: { __name__: name, ...labels }, values, timestamps: secs.map((s) => this.ts(s)) });
    return this;
  }

  gauge(name: string, labels: Labels, value: (sec: number) => number, opts: SeriesOptions = {}): this {
    const secs = seconds(opts);
    this.series.push({
      labels: { __name__: name, ...labels },
      values: secs.map(value),
      timestamps: secs.map((s) => this.ts(s)),
    });
    return this;
  }
}

/** Labels of an IB port bound to a job's pod. */
export function ibPort(cluster: string, node: string, job: string): Labels {
  return { cluster, node, device: 'mlx5_0', port: '1', namespace: 'train', pod: `${job}-${node}`, job_name: job };
}

/** Labels of a NIC bound to a job's pod. */
export function nic(cluster: string, node: string, job: string, device = 'eth1'): Labels {
  return { cluster, node, device, namespace: 'train', pod: `${job}-${node}`, job_name: job };
}

/** `value` during seconds [from, to] (inclusive), else `otherwise`. */
export function during(from: number, to: number, value: number, otherwise = 0): (sec: number) => number {
  return (sec) => (sec >= from && sec <= to ? value : otherwise);
}

// A target: one device of one collector (or a node-wide collector, or a pod's own interfaces),
// with its interval, its binding to a high-frequency pod, and a cache of its series label sets so
// the hot path allocates no labels and every series keeps one stable label object.
import type { Collector } from '../collectors/collector.ts';
import type { Labels, Sample } from '../types.ts';

export interface Binding {
  namespace: string;
  pod: string;
  job_name: string;
}

export interface SeriesRef {
  name: string;
  labels: Labels;
}

export class Target {
  /** Binding of the current label set; undefined when unbound. */
  binding: Binding | undefined;
  /** Stays at the high interval until this time (ms) after its last pod is gone. */
  highUntil = 0;
  lastReadMs = 0;
  lastError: { message: string; atMs: number } | undefined;
  lastDurationMs = 0;
  samplesLastRead = 0;
  /** name → key → labels */
  private series = new Map<string, Map<string, Labels>>();
  private labels: Labels;

  constructor(
    readonly id: string,
    readonly collector: Collector,
    readonly device: string,
    private readonly baseLabels: Labels,
    /** Pod targets are high-frequency for as long as they exist. */
    readonly alwaysHigh = false,
  ) {
    this.labels = { ...baseLabels };
  }

  isHigh(nowMs: number): boolean {
    return this.alwaysHigh || this.binding !== undefined || nowMs < this.highUntil;
  }

  labelsFor(name: string, key: string, extra: Labels | undefined): Labels {
    let byKey = this.series.get(name);
    if (!byKey) this.series.set(name, (byKey = new Map()));
    let labels = byKey.get(key);
    if (!labels) {
      labels = extra ? { ...this.labels, ...extra } : { ...this.labels };
      byKey.set(key, labels);
    }
    return labels;
  }

  /** Staleness markers for every series emitted under the current label set, which is then forgotten. */
  staleMarkers(nowMs: number): Sample[] {
    const out: Sample[] = [];
    for (const [name, byKey] of this.series) {
      for (const labels of byKey.values()) out.push({ name, labels, value: NaN, timestampMs: nowMs, stale: true });
    }
    this.series = new Map();
    return out;
  }

  /** Changes the binding; returns the staleness markers of the series that carried the old labels. */
  rebind(binding: Binding | undefined, nowMs: number): Sample[] {
    const same = binding === this.binding ||
      (binding && this.binding && binding.namespace === this.binding.namespace && binding.pod === this.binding.pod && binding.job_name === this.binding.job_name);
    if (same) return [];
    const stale = this.staleMarkers(nowMs);
    this.binding = binding;
    this.labels = binding ? { ...this.baseLabels, ...binding } : { ...this.baseLabels };
    return stale;
  }
}

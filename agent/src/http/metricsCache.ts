// The latest value of every series, rendered in the Prometheus text format for /metrics.
import type { Labels, Sample, SampleSink } from '../types.ts';

function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeValue(labels[k])}"`).join(',')}}`;
}

export class MetricsCache implements SampleSink {
  /**
   * Series are identified by their (stable) label object; one object per series. Each entry is
   * the cache's own and is updated in place: keeping the tick's sample objects instead would make
   * every sample outlive its tick, so V8 would promote ~2000 objects a second to the old generation.
   */
  private readonly latest = new Map<Labels, Sample>();
  private readonly labelText = new WeakMap<Labels, string>();

  write(samples: readonly Sample[]): void {
    for (const s of samples) {
      if (s.stale) {
        this.latest.delete(s.labels);
        continue;
      }
      const entry = this.latest.get(s.labels);
      if (entry) {
        entry.name = s.name;
        entry.value = s.value;
        entry.timestampMs = s.timestampMs;
      } else this.latest.set(s.labels, { name: s.name, labels: s.labels, value: s.value, timestampMs: s.timestampMs });
    }
  }

  get size(): number {
    return this.latest.size;
  }

  samples(): Sample[] {
    return [...this.latest.values()].map((s) => ({ ...s }));
  }

  render(): string {
    const byName = new Map<string, Sample[]>();
    for (const s of this.latest.values()) {
      let list = byName.get(s.name);
      if (!list) byName.set(s.name, (list = []));
      list.push(s);
    }
    const parts: string[] = [];
    for (const name of [...byName.keys()].sort()) {
      parts.push(`# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}\n`);
      for (const s of byName.get(name)!) {
        let text = this.labelText.get(s.labels);
        if (text === undefined) {
          text = formatLabels(s.labels);
          this.labelText.set(s.labels, text);
        }
        parts.push(`${name}${text} ${formatValue(s.value)} ${s.timestampMs}\n`);
      }
    }
    return parts.join('');
  }
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

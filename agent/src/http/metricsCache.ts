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

/** A series' latest sample and, once rendered, the bytes of `name{labels} ` that start its line. */
interface Entry extends Sample {
  prefix: Buffer | undefined;
}

/** Longest value, space, timestamp and newline after a line's prefix ("-1.2345678901234567e+308 " + ms). */
const MAX_LINE_SUFFIX = 48;

export class MetricsCache implements SampleSink {
  /**
   * Series are identified by their (stable) label object; one object per series. Each entry is
   * the cache's own and is updated in place: keeping the tick's sample objects instead would make
   * every sample outlive its tick, so V8 would promote ~2000 objects a second to the old generation.
   */
  private readonly latest = new Map<Labels, Entry>();

  write(samples: readonly Sample[]): void {
    for (const s of samples) {
      if (s.stale) {
        this.latest.delete(s.labels);
        continue;
      }
      const entry = this.latest.get(s.labels);
      if (entry) {
        if (entry.name !== s.name) {
          entry.name = s.name;
          entry.prefix = undefined;
        }
        entry.value = s.value;
        entry.timestampMs = s.timestampMs;
      } else this.latest.set(s.labels, { name: s.name, labels: s.labels, value: s.value, timestampMs: s.timestampMs, prefix: undefined });
    }
  }

  get size(): number {
    return this.latest.size;
  }

  samples(): Sample[] {
    return [...this.latest.values()].map(({ name, labels, value, timestampMs }) => ({ name, labels, value, timestampMs }));
  }

  /**
   * The exposition of every series, grouped by name. Written straight into one buffer from each
   * series' cached line prefix: a scrape of a node's ~2000 series used to build as many strings,
   * join them and encode the result (0.4% of a core and +10 MB of RSS at one scrape a second).
   */
  render(): Buffer {
    const byName = new Map<string, Entry[]>();
    let size = 0;
    for (const e of this.latest.values()) {
      let list = byName.get(e.name);
      if (!list) byName.set(e.name, (list = []));
      list.push(e);
      e.prefix ??= Buffer.from(`${e.name}${formatLabels(e.labels)} `);
      size += e.prefix.length + MAX_LINE_SUFFIX;
    }
    const names = [...byName.keys()].sort();
    const types = names.map((name) => `# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}\n`);
    for (const t of types) size += Buffer.byteLength(t);
    const out = Buffer.allocUnsafe(size);
    let o = 0;
    for (let i = 0; i < names.length; i++) {
      o += out.write(types[i], o);
      for (const e of byName.get(names[i])!) {
        o += e.prefix!.copy(out, o);
        o = writeValue(out, o, e.value);
        out[o++] = 0x20;
        o = writeInteger(out, o, e.timestampMs);
        out[o++] = 0x0a;
      }
    }
    return out.subarray(0, o);
  }
}

/** Writes a safe integer in decimal at `o`; returns the offset after it. */
function writeInteger(out: Buffer, o: number, n: number): number {
  if (n < 0) {
    out[o++] = 0x2d;
    n = -n;
  }
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let i = o + digits - 1; i >= o; i--) {
    out[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return o + digits;
}

function writeValue(out: Buffer, o: number, v: number): number {
  if (Number.isSafeInteger(v)) return writeInteger(out, o, v);
  return o + out.write(formatValue(v), o, 'latin1');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

// /proc/net/softnet_stat: one line per online cpu, hex columns: 0 processed, 1 dropped,
// 2 time_squeeze, 11 backlog_len (from 5.10), 12 cpu index (from 5.14; before that the line
// number is the cpu, which is wrong once a cpu is offline).
import { join } from 'node:path';
import { NODE, type Collector, type CollectorPaths, type SampleOut } from './collector.ts';
import { readCachedOrUndefined } from './fsread.ts';

export class SoftnetCollector implements Collector {
  readonly name = 'softnet';
  private readonly file: string;
  private readonly extras = new Map<string, { cpu: string }>();

  constructor(paths: CollectorPaths) {
    this.file = join(paths.procfs, 'net/softnet_stat');
  }

  discover(): string[] {
    return [NODE];
  }

  collect(_devices: readonly string[], out: SampleOut): void {
    const text = readCachedOrUndefined(this.file);
    if (text === undefined) {
      out.error(NODE, `cannot read ${this.file}`);
      return;
    }
    const ts = Date.now();
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]) continue;
      const cols = lines[i].trim().split(/\s+/);
      if (cols.length < 3 || !cols.every((c) => /^[0-9a-fA-F]+$/.test(c))) {
        out.error(NODE, `malformed line ${i + 1} in ${this.file}: ${JSON.stringify(lines[i].slice(0, 120))}`);
        continue;
      }
      const cpu = cols.length >= 13 ? String(parseInt(cols[12], 16)) : String(i);
      let extra = this.extras.get(cpu);
      if (!extra) this.extras.set(cpu, (extra = { cpu }));
      out.add(NODE, 'node_softnet_processed_total', cpu, extra, parseInt(cols[0], 16), ts);
      out.add(NODE, 'node_softnet_dropped_total', cpu, extra, parseInt(cols[1], 16), ts);
      out.add(NODE, 'node_softnet_times_squeezed_total', cpu, extra, parseInt(cols[2], 16), ts);
      if (cols.length >= 12) out.add(NODE, 'node_softnet_backlog_len', cpu, extra, parseInt(cols[11], 16), ts);
    }
  }
}

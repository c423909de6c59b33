// A pod's own interfaces, from /proc/<pid>/net/dev of a process in the pod (cAdvisor's names).
import { join } from 'node:path';
import type { Collector, CollectorPaths, SampleOut } from './collector.ts';
import { readText } from './fsread.ts';
import { RX_BYTES, RX_DROP, RX_ERRS, RX_PACKETS, TX_BYTES, TX_DROP, TX_ERRS, TX_PACKETS, forEachNetDevLine } from './netdevparse.ts';

const COUNTERS: ReadonlyArray<[string, number]> = [
  ['container_network_receive_bytes_total', RX_BYTES],
  ['container_network_receive_packets_total', RX_PACKETS],
  ['container_network_receive_errors_total', RX_ERRS],
  ['container_network_receive_packets_dropped_total', RX_DROP],
  ['container_network_transmit_bytes_total', TX_BYTES],
  ['container_network_transmit_packets_total', TX_PACKETS],
  ['container_network_transmit_errors_total', TX_ERRS],
  ['container_network_transmit_packets_dropped_total', TX_DROP],
];

/** Devices of this collector are pod keys (`namespace/name`); the binder tells it each pod's pid. */
export class PodNetDevCollector implements Collector {
  readonly name = 'podnetdev';
  private readonly pids = new Map<string, number>();

  constructor(private readonly paths: CollectorPaths) {}

  private readonly files = new Map<string, string>();

  setPid(podKey: string, pid: number | undefined): void {
    if (pid === undefined) {
      this.pids.delete(podKey);
      this.files.delete(podKey);
    } else if (this.pids.get(podKey) !== pid) {
      this.pids.set(podKey, pid);
      this.files.set(podKey, join(this.paths.procfs, String(pid), 'net/dev'));
    }
  }

  discover(): string[] {
    return [...this.pids.keys()];
  }

  collect(devices: readonly string[], out: SampleOut): void {
    for (const podKey of devices) {
      const pid = this.pids.get(podKey);
      if (pid === undefined) continue;
      const file = this.files.get(podKey) ?? join(this.paths.procfs, String(pid), 'net/dev');
      let text: string;
      try {
        text = readText(file);
      } catch (err) {
        out.error(podKey, `cannot read ${file} (process ${pid} of pod ${podKey} gone?): ${(err as NodeJS.ErrnoException).code ?? err}`);
        continue;
      }
      const ts = Date.now();
      forEachNetDevLine(text, (device, fields, start, end) => {
        if (device === 'lo') return;
        if (!fields) {
          out.error(podKey, `malformed line in ${file}: ${JSON.stringify(text.slice(start, end).trim().slice(0, 120))}`);
          return;
        }
        const extra = { interface: device };
        for (const [name, index] of COUNTERS) out.add(podKey, name, device, extra, fields[index], ts);
      });
    }
  }
}

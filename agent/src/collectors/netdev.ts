// NIC counters: /proc/net/dev plus /sys/class/net/<if>/{operstate,speed,carrier_changes}.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Collector, CollectorPaths, SampleOut } from './collector.ts';
import { readCached, readCachedCounter, readCachedOrUndefined } from './fsread.ts';
import { RX_BYTES, RX_DROP, RX_ERRS, RX_PACKETS, TX_BYTES, TX_DROP, TX_ERRS, TX_PACKETS, forEachNetDevLine, netDevInterfaces } from './netdevparse.ts';

const COUNTERS: ReadonlyArray<[string, number]> = [
  ['node_network_receive_bytes_total', RX_BYTES],
  ['node_network_receive_packets_total', RX_PACKETS],
  ['node_network_receive_errs_total', RX_ERRS],
  ['node_network_receive_drop_total', RX_DROP],
  ['node_network_transmit_bytes_total', TX_BYTES],
  ['node_network_transmit_packets_total', TX_PACKETS],
  ['node_network_transmit_errs_total', TX_ERRS],
  ['node_network_transmit_drop_total', TX_DROP],
];

/** The sysfs files of one interface that exist (looked up again at each discovery, not each tick). */
interface SysfsFiles {
  operstate?: string;
  speed?: string;
  carrierChanges?: string;
}

export class NetDevCollector implements Collector {
  readonly name = 'netdev';
  private readonly devFile: string;
  private readonly classNet: string;
  private readonly sysfs = new Map<string, SysfsFiles>();

  constructor(paths: CollectorPaths) {
    this.devFile = join(paths.procfs, 'net/dev');
    this.classNet = join(paths.sysfs, 'class/net');
  }

  discover(): string[] {
    this.sysfs.clear();
    return netDevInterfaces(readCached(this.devFile));
  }

  private sysfsFiles(device: string): SysfsFiles {
    let files = this.sysfs.get(device);
    if (!files) {
      const dir = join(this.classNet, device);
      const present = (name: string) => (existsSync(join(dir, name)) ? join(dir, name) : undefined);
      files = { operstate: present('operstate'), speed: present('speed'), carrierChanges: present('carrier_changes') };
      this.sysfs.set(device, files);
    }
    return files;
  }

  collect(devices: readonly string[], out: SampleOut): void {
    const text = readCached(this.devFile);
    const ts = Date.now();
    const wanted = new Set(devices);
    const seen = new Set<string>();
    forEachNetDevLine(text, (device, fields, start, end) => {
      if (!wanted.has(device)) return;
      seen.add(device);
      if (!fields) {
        out.error(device, `malformed line in ${this.devFile}: ${JSON.stringify(text.slice(start, end).trim().slice(0, 120))}`);
        return;
      }
      for (const [name, index] of COUNTERS) out.add(device, name, '', undefined, fields[index], ts);
      this.collectSysfs(device, out);
    });
    for (const device of devices) {
      if (!seen.has(device)) out.error(device, `interface ${device} not found in ${this.devFile}`);
    }
  }

  private collectSysfs(device: string, out: SampleOut): void {
    const files = this.sysfsFiles(device);
    const operstate = files.operstate === undefined ? undefined : readCachedOrUndefined(files.operstate, true);
    const ts = Date.now();
    if (operstate !== undefined) out.add(device, 'node_network_up', '', undefined, operstate.trim() === 'up' ? 1 : 0, ts);
    // A down link reports -1 or fails with EINVAL: no speed then.
    const mbps = files.speed === undefined ? undefined : readCachedCounter(files.speed);
    if (mbps !== undefined && mbps >= 0) out.add(device, 'node_network_speed_bytes', '', undefined, (mbps * 1e6) / 8, ts);
    const n = files.carrierChanges === undefined ? undefined : readCachedCounter(files.carrierChanges);
    if (n !== undefined && n >= 0) out.add(device, 'node_network_carrier_changes_total', '', undefined, n, ts);
  }
}

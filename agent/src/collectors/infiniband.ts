// InfiniBand/RDMA ports: /sys/class/infiniband/<dev>/ports/<p>/{counters,counters_ext,hw_counters}/*,
// state, phys_state, rate. Data counters count 4-byte words. The 64-bit source is preferred; when
// only 32-bit data counters exist the width is reported (metric + one log line) because a 32-bit
// data counter wraps in about 0.34 s at 400 Gb/s.
import { join } from 'node:path';
import type { Collector, CollectorPaths, SampleOut } from './collector.ts';
import { NOT_AVAILABLE, dropCachedUnder, listDir, readCachedCounter, readCachedOrUndefined, readLinkOrUndefined } from './fsread.ts';

/** counters/<file> → metric name, and whether it counts 4-byte words. */
const PORT_COUNTERS: Record<string, [string, boolean]> = {
  port_rcv_data: ['node_infiniband_port_data_received_bytes_total', true],
  port_xmit_data: ['node_infiniband_port_data_transmitted_bytes_total', true],
  port_rcv_packets: ['node_infiniband_port_packets_received_total', false],
  port_xmit_packets: ['node_infiniband_port_packets_transmitted_total', false],
  port_xmit_wait: ['node_infiniband_port_transmit_wait_total', false],
  link_downed: ['node_infiniband_link_downed_total', false],
  symbol_error: ['node_infiniband_symbol_error_total', false],
  port_rcv_errors: ['node_infiniband_port_errors_received_total', false],
  port_xmit_discards: ['node_infiniband_port_discards_transmitted_total', false],
  port_rcv_remote_physical_errors: ['node_infiniband_port_receive_remote_physical_errors_total', false],
  port_rcv_switch_relay_errors: ['node_infiniband_port_receive_switch_relay_errors_total', false],
  port_rcv_constraint_errors: ['node_infiniband_port_constraint_errors_received_total', false],
  port_xmit_constraint_errors: ['node_infiniband_port_constraint_errors_transmitted_total', false],
  local_link_integrity_errors: ['node_infiniband_local_link_integrity_errors_total', false],
  excessive_buffer_overrun_errors: ['node_infiniband_excessive_buffer_overrun_errors_total', false],
  link_error_recovery: ['node_infiniband_link_error_recovery_total', false],
  VL15_dropped: ['node_infiniband_vl15_dropped_total', false],
  unicast_rcv_packets: ['node_infiniband_unicast_packets_received_total', false],
  unicast_xmit_packets: ['node_infiniband_unicast_packets_transmitted_total', false],
  multicast_rcv_packets: ['node_infiniband_multicast_packets_received_total', false],
  multicast_xmit_packets: ['node_infiniband_multicast_packets_transmitted_total', false],
};

/** counters_ext/<file> (old kernels) → the counters/ file it replaces with 64 bits. */
const EXT_COUNTERS: Record<string, string> = {
  port_rcv_data_64: 'port_rcv_data',
  port_xmit_data_64: 'port_xmit_data',
  port_rcv_packets_64: 'port_rcv_packets',
  port_xmit_packets_64: 'port_xmit_packets',
  unicast_rcv_packets: 'unicast_rcv_packets',
  unicast_xmit_packets: 'unicast_xmit_packets',
  multicast_rcv_packets: 'multicast_rcv_packets',
  multicast_xmit_packets: 'multicast_xmit_packets',
};

/** hw_counters whose node_exporter-style name is not simply `<file>_total`. */
const HW_NAMES: Record<string, string> = {
  out_of_buffer: 'node_infiniband_out_of_buffer_drops_total',
  out_of_sequence: 'node_infiniband_out_of_sequence_total',
};

/** Drivers whose HCAs always support extended (64-bit) PMA counters, reported in counters/. */
const EXTENDED_WIDTH_DRIVERS = new Set(['mlx5_core', 'mlx5_ib']);

interface PortFiles {
  port: string;
  dir: string;
  state: string;
  physState: string;
  rate: string;
  /** [metric, path, words] for every counter file, the 64-bit source chosen where there is one. */
  counters: Array<[string, string, boolean]>;
  hw: Array<[string, string]>;
  width: 32 | 64;
}

interface DeviceFiles {
  ports: PortFiles[];
  /** Set once the 32-bit warning was given. */
  warned: boolean;
}

export function hwCounterMetric(file: string): string {
  return HW_NAMES[file] ?? `node_infiniband_${file.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_total`;
}

export class InfinibandCollector implements Collector {
  readonly name = 'infiniband';
  private readonly classDir: string;
  /** File layout per device, built once: the hot path only reads. */
  private readonly layout = new Map<string, DeviceFiles>();

  constructor(paths: CollectorPaths, private readonly onNarrowCounters?: (device: string, port: string) => void) {
    this.classDir = join(paths.sysfs, 'class/infiniband');
  }

  discover(): string[] {
    const devices = listDir(this.classDir);
    for (const d of this.layout.keys()) {
      if (!devices.includes(d)) {
        this.layout.delete(d);
        dropCachedUnder(join(this.classDir, d));
      }
    }
    return devices;
  }

  private scan(device: string): DeviceFiles | undefined {
    const devDir = join(this.classDir, device);
    const portNames = listDir(join(devDir, 'ports'));
    if (portNames.length === 0) return undefined;
    const driver = readLinkOrUndefined(join(devDir, 'device/driver'))?.split('/').pop() ?? '';
    const ports: PortFiles[] = [];
    for (const port of portNames) {
      const dir = join(devDir, 'ports', port);
      const chosen = new Map<string, [string, boolean]>();
      for (const file of listDir(join(dir, 'counters'))) {
        if (PORT_COUNTERS[file]) chosen.set(file, [join(dir, 'counters', file), false]);
      }
      let ext = false;
      for (const file of listDir(join(dir, 'counters_ext'))) {
        const base = EXT_COUNTERS[file];
        if (base) {
          chosen.set(base, [join(dir, 'counters_ext', file), true]);
          if (base === 'port_xmit_data' || base === 'port_rcv_data') ext = true;
        }
      }
      const counters: Array<[string, string, boolean]> = [];
      for (const [file, [path]] of chosen) counters.push([PORT_COUNTERS[file][0], path, PORT_COUNTERS[file][1]]);
      const hw: Array<[string, string]> = [];
      for (const file of listDir(join(dir, 'hw_counters'))) {
        if (file === 'lifespan') continue;
        hw.push([hwCounterMetric(file), join(dir, 'hw_counters', file)]);
      }
      ports.push({ port, dir, state: join(dir, 'state'), physState: join(dir, 'phys_state'), rate: join(dir, 'rate'), counters, hw, width: ext || EXTENDED_WIDTH_DRIVERS.has(driver) ? 64 : 32 });
    }
    return { ports, warned: false };
  }

  collect(devices: readonly string[], out: SampleOut): void {
    for (const device of devices) {
      let files = this.layout.get(device);
      if (!files) {
        files = this.scan(device);
        if (!files) {
          out.error(device, `InfiniBand device ${device} has no ports under ${join(this.classDir, device, 'ports')}`);
          continue;
        }
        this.layout.set(device, files);
      }
      for (const p of files.ports) this.collectPort(device, files, p, out);
    }
  }

  private collectPort(device: string, files: DeviceFiles, p: PortFiles, out: SampleOut): void {
    const extra = { port: p.port };
    const state = readCachedOrUndefined(p.state, true);
    if (state === undefined) {
      out.error(device, `port ${p.port} of ${device} is gone (${p.state} unreadable)`);
      this.layout.delete(device);
      dropCachedUnder(join(this.classDir, device));
      return;
    }
    const ts = Date.now();
    const stateId = /^(\d+):/.exec(state)?.[1];
    if (stateId !== undefined) out.add(device, 'node_infiniband_state_id', p.port, extra, Number(stateId), ts);
    const phys = readCachedOrUndefined(p.physState, true);
    const physId = phys === undefined ? undefined : /^(\d+):/.exec(phys)?.[1];
    if (physId !== undefined) out.add(device, 'node_infiniband_physical_state_id', p.port, extra, Number(physId), ts);
    const rate = readCachedOrUndefined(p.rate, true);
    const gbps = rate === undefined ? undefined : /^(\d+(?:\.\d+)?) Gb\/sec/.exec(rate)?.[1];
    if (gbps !== undefined) out.add(device, 'node_infiniband_rate_bytes_per_second', p.port, extra, (Number(gbps) * 1e9) / 8, ts);
    out.add(device, 'node_infiniband_port_data_counter_width_bits', p.port, extra, p.width, ts);
    if (p.width === 32 && !files.warned) {
      files.warned = true;
      this.onNarrowCounters?.(device, p.port);
    }
    for (const [metric, path, words] of p.counters) this.readCounter(device, p.port, extra, metric, path, words ? 4 : 1, out);
    for (const [metric, path] of p.hw) this.readCounter(device, p.port, extra, metric, path, 1, out);
  }

  private readCounter(device: string, port: string, extra: { port: string }, metric: string, path: string, factor: number, out: SampleOut): void {
    const value = readCachedCounter(path);
    const ts = Date.now();
    if (value === undefined) {
      out.error(device, `cannot read ${path}`);
      return;
    }
    if (value === NOT_AVAILABLE) return; // "N/A (no PMA)": the port has no performance management agent.
    if (Number.isNaN(value)) {
      out.error(device, `malformed counter in ${path}: ${JSON.stringify((readCachedOrUndefined(path, true) ?? '').trim().slice(0, 60))}`);
      return;
    }
    out.add(device, metric, port, extra, value * factor, ts);
  }
}

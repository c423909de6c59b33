// The tiny collector interface (after node_exporter's collector/): a collector knows which devices
// it can see and reads the ones it is asked for, stamping each value with the time it was read.
import type { Labels } from '../types.ts';

/** The node-wide pseudo device of collectors that have no per-device targets (tcp, netstat, softnet). */
export const NODE = '';

export interface SampleOut {
  /**
   * One value of one series of `device`. `key` identifies the series within the device and metric
   * (e.g. the port, or `port=1,cpu=3`); `extra` are its labels beyond the target's, only read the
   * first time the key is seen, so callers may pass a fresh object.
   */
  add(device: string, name: string, key: string, extra: Labels | undefined, value: number, timestampMs: number): void;
  /** A problem reading `device` (the other devices carry on). */
  error(device: string, message: string): void;
}

export interface Collector {
  readonly name: string;
  /** Devices this collector currently sees; [NODE] for node-wide collectors. */
  discover(): string[];
  /** Reads the given devices. May be async; the scheduler never lets one collector delay another. */
  collect(devices: readonly string[], out: SampleOut): void | Promise<void>;
}

export interface CollectorPaths {
  procfs: string;
  sysfs: string;
}

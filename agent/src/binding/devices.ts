// What sysfs/procfs say about this node's devices: IB/RDMA devices, network interfaces, the
// netdevs behind an RDMA device, and the devices behind an SR-IOV PCI address.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectorPaths } from '../collectors/collector.ts';
import { listDir, readTextOrUndefined } from '../collectors/fsread.ts';
import { netDevInterfaces } from '../collectors/netdevparse.ts';

export class NodeDevices {
  constructor(private readonly paths: CollectorPaths) {}

  rdmaDevices(): string[] {
    return listDir(join(this.paths.sysfs, 'class/infiniband'));
  }

  /** RDMA devices that are not SR-IOV virtual functions (no device/physfn). */
  physicalRdmaDevices(): string[] {
    return this.rdmaDevices().filter((d) => !existsSync(join(this.paths.sysfs, 'class/infiniband', d, 'device/physfn')));
  }

  interfaces(): string[] {
    const text = readTextOrUndefined(join(this.paths.procfs, 'net/dev'));
    return text === undefined ? [] : netDevInterfaces(text);
  }

  /** Netdevs of an RDMA device (e.g. the RoCE interface or IPoIB ib0 of mlx5_0). */
  netdevsOfRdma(device: string): string[] {
    return listDir(join(this.paths.sysfs, 'class/infiniband', device, 'device/net'));
  }

  /** Devices behind a PCI address (SR-IOV VF as reported by device plugins), or undefined if unknown. */
  devicesOfPci(address: string): { rdma: string[]; net: string[] } | undefined {
    const dir = join(this.paths.sysfs, 'bus/pci/devices', address);
    if (!existsSync(dir)) return undefined;
    return { rdma: listDir(join(dir, 'infiniband')), net: listDir(join(dir, 'net')) };
  }
}

export const PCI_ADDRESS = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;

// Binds this node's high-frequency pods to the devices they use and tells the scheduler.
// Device sources, merged: the pod's `devices` (file source), the kubelet PodResources API
// (SR-IOV PCI addresses mapped through sysfs, device names, or resource names mapped by
// --binding.resource-map), and with none of those the fallback (all physical RDMA devices).
// An RDMA device also binds its netdevs (RoCE / IPoIB interface). A device shared by several
// high-frequency pods carries the labels of the first pod by namespace/name.
import type { Logger } from 'pino';
import type { PodNetDevCollector } from '../collectors/podnetdev.ts';
import type { SelfMetrics } from '../metrics/self.ts';
import { jobNameOf } from '../pods/jobname.ts';
import { podKey, type Pod } from '../pods/pod.ts';
import type { Selector } from '../pods/selector.ts';
import type { DesiredBindings } from '../scheduler/scheduler.ts';
import type { Binding } from '../scheduler/target.ts';
import { PCI_ADDRESS, type NodeDevices } from './devices.ts';
import type { PidResolver } from './pidresolver.ts';
import type { PodDevices, PodResourcesClient } from './podresources.ts';
import { compareStrings } from '../types.ts';

export interface BinderOptions {
  nodeName: string;
  selector: Selector;
  jobNameLabels: readonly string[];
  devices: NodeDevices;
  pids: PidResolver;
  podResources?: PodResourcesClient;
  /** resource name → device names (RDMA shared device plugin reports bare indices). */
  resourceMap: Map<string, string[]>;
  fallback: 'rdma' | 'none';
  podCollector: PodNetDevCollector;
  apply: (desired: DesiredBindings) => void;
  logger: Logger;
  metrics: SelfMetrics;
  /** Re-binding period while high-frequency pods exist (devices and pids can appear late). */
  refreshMs?: number;
}

export interface PodStatus {
  namespace: string;
  pod: string;
  job_name: string;
  uid: string;
  devices: string[];
  deviceSource: string;
  targets: string[];
  pid?: number;
  errors: string[];
}

export function parseResourceMap(entries: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const e of entries) {
    const m = /^([^=]+)=(.+)$/.exec(e);
    const devices = m?.[2].split(',').map((d) => d.trim()).filter(Boolean);
    if (!m || !devices?.length) {
      throw new Error(`invalid --binding.resource-map ${JSON.stringify(e)}: expected resource=dev1,dev2 (e.g. rdma/hca_shared_devices_a=mlx5_0,mlx5_1)`);
    }
    map.set(m[1].trim(), devices);
  }
  return map;
}

export class Binder {
  private pods: Pod[] = [];
  private current: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly loggedErrors = new Set<string>();
  private lastPodResourcesError = '';
  status: PodStatus[] = [];
  synced = false;

  constructor(private readonly opts: BinderOptions) {}

  setPodResources(client: PodResourcesClient): void {
    this.opts.podResources = client;
  }

  setPods(pods: Pod[]): void {
    this.pods = pods;
    void this.recompute();
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.status.length > 0) void this.recompute();
    }, this.opts.refreshMs ?? 5000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.opts.podResources?.close();
  }

  /** Recomputes all bindings; calls during a run coalesce into one more run, awaited by all. */
  recompute(): Promise<void> {
    if (this.current) {
      this.again = true;
      return this.current;
    }
    this.current = (async () => {
      try {
        do {
          this.again = false;
          await this.computeOnce();
        } while (this.again);
      } catch (err) {
        this.opts.logger.error({ err }, 'binding failed');
      } finally {
        this.current = undefined;
      }
    })();
    return this.current;
  }

  private error(errors: string[], message: string): void {
    errors.push(message);
    if (this.loggedErrors.has(message)) return;
    this.loggedErrors.add(message);
    this.opts.metrics.bindingErrors.inc();
    this.opts.logger.warn(message);
  }

  private async computeOnce(): Promise<void> {
    const { nodeName, selector, devices } = this.opts;
    const high = this.pods
      .filter((p) => p.nodeName === nodeName && selector(p.labels))
      .sort((a, b) => compareStrings(podKey(a), podKey(b)));
    let resources: Map<string, PodDevices> | undefined;
    if (high.length > 0 && this.opts.podResources) {
      try {
        resources = new Map((await this.opts.podResources.list()).map((p) => [podKey(p), p]));
        this.lastPodResourcesError = '';
      } catch (err) {
        const message = (err as Error).message;
        if (message !== this.lastPodResourcesError) {
          this.lastPodResourcesError = message;
          this.opts.metrics.bindingErrors.inc();
          this.opts.logger.warn(`${message}; binding from pod files and the fallback only`);
        }
      }
    }
    const rdma = new Set(devices.rdmaDevices());
    const ifaces = new Set(devices.interfaces());
    const physical = devices.physicalRdmaDevices();
    const targets = new Map<string, Binding>();
    const pods = new Map<string, Binding>();
    const status: PodStatus[] = [];
    for (const pod of high) {
      const key = podKey(pod);
      const binding: Binding = { namespace: pod.namespace, pod: pod.name, job_name: jobNameOf(pod, this.opts.jobNameLabels) };
      const errors: string[] = [];
      const names: string[] = [...(pod.devices ?? [])];
      const sources: string[] = names.length ? ['pod file'] : [];
      const pr = resources?.get(key);
      if (pr) {
        for (const [resource, ids] of pr.resources) {
          const mapped = this.opts.resourceMap.get(resource);
          if (mapped) {
            names.push(...mapped);
            sources.push(`resource map (${resource})`);
            continue;
          }
          for (const id of ids) {
            if (PCI_ADDRESS.test(id)) {
              const found = devices.devicesOfPci(id);
              if (!found) this.error(errors, `pod ${key}: PCI device ${id} of resource ${resource} not found under /sys/bus/pci/devices`);
              else {
                names.push(...found.rdma, ...found.net);
                sources.push(`PodResources (${resource})`);
              }
            } else if (rdma.has(id) || ifaces.has(id)) {
              names.push(id);
              sources.push(`PodResources (${resource})`);
            }
            // Other ids (GPU UUIDs, bare indices of unmapped resources) name no network device.
          }
        }
      }
      if (names.length === 0 && this.opts.fallback === 'rdma') {
        names.push(...physical);
        sources.push('fallback: all physical RDMA devices');
      }
      const bound: string[] = [];
      const bind = (id: string) => {
        bound.push(id);
        if (!targets.has(id)) targets.set(id, binding);
      };
      for (const name of [...new Set(names)]) {
        if (rdma.has(name)) {
          bind(`infiniband:${name}`);
          for (const netdev of devices.netdevsOfRdma(name)) if (ifaces.has(netdev)) bind(`netdev:${netdev}`);
        } else if (ifaces.has(name)) bind(`netdev:${name}`);
        else {
          this.error(errors, `pod ${key}: device ${name} not found on node ${nodeName} (RDMA devices: ${[...rdma].join(', ') || 'none'}; interfaces: ${[...ifaces].join(', ') || 'none'})`);
        }
      }
      const pid = pod.pid ?? this.opts.pids.resolve(pod.uid);
      this.opts.podCollector.setPid(key, pid);
      if (pid !== undefined) pods.set(key, binding);
      status.push({ ...binding, uid: pod.uid, devices: [...new Set(names)], deviceSource: [...new Set(sources)].join(', ') || 'none', targets: bound, pid, errors });
    }
    for (const key of this.opts.podCollector.discover()) {
      if (!pods.has(key)) this.opts.podCollector.setPid(key, undefined);
    }
    this.status = status;
    this.opts.metrics.highFrequencyPods.set(high.length);
    this.opts.apply({ targets, pods, nodeHigh: high.length > 0 });
    this.synced = true;
  }
}

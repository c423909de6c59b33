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
    const { nodeName, selector } = this.opts;
    const high = this.pods
      .filter((p) => p.nodeName === nodeName && selector(p.labels))
      .sort((a, b) => compareStrings(podKey(a), podKey(b)));
    const resources = high.length > 0 ? await this.listPodResources() : undefined;
    this.bindAll(high, resources);
  }

  private async listPodResources(): Promise<Map<string, PodDevices> | undefined> {
    if (!this.opts.podResources) return undefined;
    try {
      const resources = new Map((await this.opts.podResources.list()).map((p) => [podKey(p), p]));
      this.lastPodResourcesError = '';
      return resources;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastPodResourcesError) {
        this.lastPodResourcesError = message;
        this.opts.metrics.bindingErrors.inc();
        this.opts.logger.warn(`${message}; binding from pod files and the fallback only`);
      }
      return undefined;
    }
  }

  // Kept in small functions on purpose: V8 optimizes this code after a few minutes of 5 s refreshes,
  // and optimizing it as one large function cost ~6 MB of compiler memory that stayed in the process.
  private bindAll(high: readonly Pod[], resources: Map<string, PodDevices> | undefined): void {
    const { devices } = this.opts;
    const node: NodeView = { rdma: new Set(devices.rdmaDevices()), ifaces: new Set(devices.interfaces()), physical: devices.physicalRdmaDevices() };
    const targets = new Map<string, Binding>();
    const pods = new Map<string, Binding>();
    const status: PodStatus[] = [];
    const previous = new Map(this.status.map((s) => [podKey({ namespace: s.namespace, name: s.pod }), s]));
    for (const pod of high) {
      const key = podKey(pod);
      const binding: Binding = { namespace: pod.namespace, pod: pod.name, job_name: jobNameOf(pod, this.opts.jobNameLabels) };
      const errors: string[] = [];
      const { names, sources } = this.deviceNames(pod, key, resources?.get(key), node, errors);
      const bound = this.bindDevices(names, key, binding, node, targets, errors);
      const pid = pod.pid ?? this.opts.pids.resolve(pod.uid);
      this.opts.podCollector.setPid(key, pid);
      if (pid !== undefined) pods.set(key, binding);
      status.push(reuseIfSame(previous.get(key), { ...binding, uid: pod.uid, devices: names, deviceSource: sources.join(', ') || 'none', targets: bound, pid, errors }));
    }
    for (const key of this.opts.podCollector.discover()) {
      if (!pods.has(key)) this.opts.podCollector.setPid(key, undefined);
    }
    // The refresh nearly always finds what it found before: the objects of the last run are kept
    // then, as replacing them moves ~100 kB of garbage into V8's old generation every 5 s (the
    // status outlives two young-generation cycles).
    if (status.length !== this.status.length || status.some((s, i) => s !== this.status[i])) this.status = status;
    this.opts.metrics.highFrequencyPods.set(high.length);
    this.opts.apply({ targets, pods, nodeHigh: high.length > 0 });
    this.synced = true;
  }

  /** The pod's device names (deduplicated) and where they came from. */
  private deviceNames(pod: Pod, key: string, pr: PodDevices | undefined, node: NodeView, errors: string[]): { names: string[]; sources: string[] } {
    const names = new Set<string>(pod.devices ?? []);
    const sources = new Set<string>(names.size ? ['pod file'] : []);
    for (const [resource, ids] of pr?.resources ?? []) {
      const mapped = this.opts.resourceMap.get(resource);
      if (mapped) {
        for (const name of mapped) names.add(name);
        sources.add(`resource map (${resource})`);
        continue;
      }
      for (const id of ids) {
        if (PCI_ADDRESS.test(id)) {
          const found = this.opts.devices.devicesOfPci(id);
          if (!found) this.error(errors, `pod ${key}: PCI device ${id} of resource ${resource} not found under /sys/bus/pci/devices`);
          else {
            for (const name of [...found.rdma, ...found.net]) names.add(name);
            sources.add(`PodResources (${resource})`);
          }
        } else if (node.rdma.has(id) || node.ifaces.has(id)) {
          names.add(id);
          sources.add(`PodResources (${resource})`);
        }
        // Other ids (GPU UUIDs, bare indices of unmapped resources) name no network device.
      }
    }
    if (names.size === 0 && this.opts.fallback === 'rdma') {
      for (const name of node.physical) names.add(name);
      sources.add('fallback: all physical RDMA devices');
    }
    return { names: [...names], sources: [...sources] };
  }

  /** Binds the pod's devices (an RDMA device with its netdevs) in `targets`; returns the target ids. */
  private bindDevices(names: readonly string[], key: string, binding: Binding, node: NodeView, targets: Map<string, Binding>, errors: string[]): string[] {
    const bound: string[] = [];
    const bind = (id: string) => {
      bound.push(id);
      if (!targets.has(id)) targets.set(id, binding);
    };
    for (const name of names) {
      if (node.rdma.has(name)) {
        bind(`infiniband:${name}`);
        for (const netdev of this.opts.devices.netdevsOfRdma(name)) if (node.ifaces.has(netdev)) bind(`netdev:${netdev}`);
      } else if (node.ifaces.has(name)) bind(`netdev:${name}`);
      else {
        this.error(errors, `pod ${key}: device ${name} not found on node ${this.opts.nodeName} (RDMA devices: ${[...node.rdma].join(', ') || 'none'}; interfaces: ${[...node.ifaces].join(', ') || 'none'})`);
      }
    }
    return bound;
  }
}

/** What sysfs and /proc/net/dev list on this node, read once per binding run. */
interface NodeView {
  rdma: Set<string>;
  ifaces: Set<string>;
  physical: string[];
}

function reuseIfSame(prev: PodStatus | undefined, next: PodStatus): PodStatus {
  return prev !== undefined && prev.namespace === next.namespace && prev.pod === next.pod && prev.job_name === next.job_name &&
    prev.uid === next.uid && prev.pid === next.pid && prev.deviceSource === next.deviceSource &&
    sameStrings(prev.devices, next.devices) && sameStrings(prev.targets, next.targets) && sameStrings(prev.errors, next.errors)
    ? prev
    : next;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}


// Binding pods to devices: pod files, a FAKE PodResources gRPC server (SR-IOV PCI addresses,
// resource map for the RDMA shared device plugin), pid discovery via cgroups, the fallback, and
// job_name rules.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Binder, parseResourceMap } from '../src/binding/binder.ts';
import { NodeDevices } from '../src/binding/devices.ts';
import { PidResolver } from '../src/binding/pidresolver.ts';
import { PodResourcesClient } from '../src/binding/podresources.ts';
import { PodNetDevCollector } from '../src/collectors/podnetdev.ts';
import { DEFAULT_JOB_NAME_LABELS } from '../src/config/flags.ts';
import { createSelfMetrics } from '../src/metrics/self.ts';
import { jobNameOf } from '../src/pods/jobname.ts';
import type { Pod } from '../src/pods/pod.ts';
import { parseSelector } from '../src/pods/selector.ts';
import type { DesiredBindings } from '../src/scheduler/scheduler.ts';
import { FakePodResourcesServer } from './fake-podresources.ts';
import { NODE1, recordingLogger } from './helpers.ts';

const HF = { monitor: 'high-frequency' };
const pod = (name: string, extra: Partial<Pod> = {}): Pod => ({ namespace: 'train', name, uid: `uid-${name}`, nodeName: 'node-1', labels: { ...HF }, ...extra });

function makeBinder(opts: { socket?: string; fallback?: 'rdma' | 'none'; resourceMap?: string[] } = {}) {
  let desired: DesiredBindings | undefined;
  const log = recordingLogger();
  const metrics = createSelfMetrics();
  const podCollector = new PodNetDevCollector(NODE1);
  const binder = new Binder({
    nodeName: 'node-1',
    selector: parseSelector('monitor=high-frequency'),
    jobNameLabels: DEFAULT_JOB_NAME_LABELS,
    devices: new NodeDevices(NODE1),
    pids: new PidResolver(NODE1.procfs),
    podResources: opts.socket ? new PodResourcesClient(opts.socket, 1000) : undefined,
    resourceMap: parseResourceMap(opts.resourceMap ?? []),
    fallback: opts.fallback ?? 'rdma',
    podCollector,
    apply: (d) => (desired = d),
    logger: log.logger,
    metrics,
  });
  const targets = () => Object.fromEntries([...desired!.targets].map(([id, b]) => [id, b.pod]));
  return { binder, log, metrics, podCollector, targets, desired: () => desired! };
}

describe('binding', { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hifreq-podres-'));
  const socket = join(dir, 'kubelet.sock');
  const fake = new FakePodResourcesServer(socket);

  before(() => fake.start());
  after(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds SR-IOV VFs by PCI address, shared RDMA resources by the map, and finds pids via cgroups', async () => {
    fake.pods = [
      { namespace: 'train', name: 'a', containers: [{ name: 'c', devices: [{ resource_name: 'nvidia.com/gpu', device_ids: ['GPU-1'] }, { resource_name: 'mellanox.com/sriov_vf', device_ids: ['0000:3b:00.2'] }] }] },
      { namespace: 'train', name: 'b', containers: [{ name: 'c', devices: [{ resource_name: 'rdma/hca_shared_devices_a', device_ids: ['1'] }] }] },
      { namespace: 'web', name: 'unlabelled', containers: [{ name: 'c', devices: [{ resource_name: 'rdma/hca_shared_devices_a', device_ids: ['2'] }] }] },
    ];
    const b = makeBinder({ socket, resourceMap: ['rdma/hca_shared_devices_a=mlx4_0'] });
    b.binder.setPods([
      pod('a', { uid: '6f1c2a7e-0000-4000-8000-000000000001', labels: { ...HF, 'training.kubeflow.org/job-name': 'bert' } }),
      pod('b', { uid: '6f1c2a7e-0000-4000-8000-000000000002' }),
      { ...pod('unlabelled'), namespace: 'web', labels: {} },
    ]);
    await b.binder.recompute();
    assert.deepEqual(b.targets(), { 'infiniband:mlx5_2': 'a', 'netdev:enp59s0f0v0': 'a', 'infiniband:mlx4_0': 'b' });
    assert.equal(b.desired().targets.get('infiniband:mlx5_2')!.job_name, 'bert');
    assert.deepEqual(Object.fromEntries([...b.desired().pods].map(([k, v]) => [k, v.pod])), { 'train/a': 'a', 'train/b': 'b' });
    assert.deepEqual(b.podCollector.discover().sort(), ['train/a', 'train/b']);
    assert.equal(b.desired().nodeHigh, true);
    const a = b.binder.status.find((s) => s.pod === 'a')!;
    assert.equal(a.pid, 4242, 'cgroupfs-style uid');
    assert.equal(a.deviceSource, 'PodResources (mellanox.com/sriov_vf)');
    assert.equal(b.binder.status.find((s) => s.pod === 'b')!.pid, 4243, 'systemd-style uid');
    assert.equal(b.binder.status.find((s) => s.pod === 'b')!.deviceSource, 'resource map (rdma/hca_shared_devices_a)');
    b.binder.stop();
  });

  it('falls back to all physical RDMA devices (not VFs), first pod wins a shared device', async () => {
    fake.pods = [];
    const b = makeBinder({ socket });
    b.binder.setPods([pod('c'), pod('d', { devices: ['eth0'] })]);
    await b.binder.recompute();
    assert.deepEqual(b.targets(), { 'infiniband:mlx4_0': 'c', 'infiniband:mlx5_0': 'c', 'netdev:enp1s0f0': 'c', 'infiniband:qib0': 'c', 'netdev:eth0': 'd' });
    assert.equal(b.binder.status[0].deviceSource, 'fallback: all physical RDMA devices');
    b.binder.stop();
  });

  it('with --binding.fallback=none a pod without device information binds nothing but still counts', async () => {
    const b = makeBinder({ fallback: 'none' });
    b.binder.setPods([pod('e')]);
    await b.binder.recompute();
    assert.deepEqual(b.targets(), {});
    assert.equal(b.desired().nodeHigh, true);
    b.binder.stop();
  });

  it('a refresh that finds nothing new keeps the status objects; a change replaces only that pod', async () => {
    const b = makeBinder({ fallback: 'none' });
    b.binder.setPods([pod('f', { devices: ['eth0'], pid: 4242 }), pod('g', { devices: ['enp1s0f0'], pid: 4243 })]);
    await b.binder.recompute();
    const first = b.binder.status;
    const firstDesired = b.desired();
    await b.binder.recompute();
    assert.equal(b.binder.status, first, 'same list object after an unchanged refresh');
    assert.equal(b.desired().targets.get('netdev:eth0')!.pod, 'f');
    assert.deepEqual([...b.desired().targets.keys()], [...firstDesired.targets.keys()]);
    b.binder.setPods([pod('f', { devices: ['eth0'], pid: 4242 }), pod('g', { devices: ['enp1s0f0', 'eth0'], pid: 4243 })]);
    await b.binder.recompute();
    assert.notEqual(b.binder.status, first);
    assert.equal(b.binder.status[0], first[0], 'pod f did not change');
    assert.notEqual(b.binder.status[1], first[1]);
    assert.deepEqual(b.binder.status[1].devices, ['enp1s0f0', 'eth0']);
    assert.deepEqual(b.binder.status[1].targets, ['netdev:enp1s0f0', 'netdev:eth0']);
    assert.deepEqual(first[1].devices, ['enp1s0f0'], 'the earlier status is not mutated');
    b.binder.stop();
  });

  it('reports an unknown PCI address, a missing device and an unreachable PodResources socket', async () => {
    fake.pods = [{ namespace: 'train', name: 'f', containers: [{ name: 'c', devices: [{ resource_name: 'mellanox.com/sriov_vf', device_ids: ['0000:af:00.7'] }] }] }];
    const b = makeBinder({ socket });
    b.binder.setPods([pod('f', { devices: ['mlx5_0', 'ib7'] })]);
    await b.binder.recompute();
    assert.deepEqual(b.targets(), { 'infiniband:mlx5_0': 'f', 'netdev:enp1s0f0': 'f' });
    assert.deepEqual(b.binder.status[0].errors, [
      'pod train/f: PCI device 0000:af:00.7 of resource mellanox.com/sriov_vf not found under /sys/bus/pci/devices',
      'pod train/f: device ib7 not found on node node-1 (RDMA devices: mlx4_0, mlx5_0, mlx5_2, qib0; interfaces: lo, eth0, enp1s0f0, enp59s0f0v0, veth1234)',
    ]);
    await b.binder.recompute();
    const warns = b.log.lines.filter((l) => l.level === 40).map((l) => l.msg);
    assert.equal(warns.length, 2, 'each problem logged once');
    b.binder.stop();

    const missing = join(dir, 'nothing.sock');
    const c = makeBinder({ socket: missing });
    c.binder.setPods([pod('g', { devices: ['eth0'] })]);
    await c.binder.recompute();
    assert.deepEqual(c.targets(), { 'netdev:eth0': 'g' });
    const warn = c.log.lines.find((l) => l.level === 40)!.msg as string;
    assert.match(warn, new RegExp(`^PodResources List on ${missing} failed: .*\\(is --binding.pod-resources-socket right and its directory mounted\\?\\); binding from pod files and the fallback only$`));
    assert.match(await c.metrics.registry.getSingleMetricAsString('hifreq_agent_binding_errors_total'), /^hifreq_agent_binding_errors_total 1$/m);
    c.binder.stop();
  });

  it('job_name: first configured label, else owner, else pod name', () => {
    assert.equal(jobNameOf(pod('x', { labels: { 'volcano.sh/job-name': 'v', 'app.kubernetes.io/instance': 'i' } }), DEFAULT_JOB_NAME_LABELS), 'v');
    assert.equal(jobNameOf(pod('x', { labels: { 'job-name': 'j', 'volcano.sh/job-name': 'v' } }), DEFAULT_JOB_NAME_LABELS), 'j');
    assert.equal(jobNameOf(pod('x', { ownerName: 'lws-0' }), DEFAULT_JOB_NAME_LABELS), 'lws-0');
    assert.equal(jobNameOf(pod('x'), DEFAULT_JOB_NAME_LABELS), 'x');
  });

  it('rejects a malformed resource map entry with the expected form', () => {
    assert.throws(() => parseResourceMap(['rdma/x']), { message: 'invalid --binding.resource-map "rdma/x": expected resource=dev1,dev2 (e.g. rdma/hca_shared_devices_a=mlx5_0,mlx5_1)' });
  });
});

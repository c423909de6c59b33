// Generates the benchmark node: 8 IB ports (ConnectX-like, 64-bit counters, 28 hw_counters each),
// 16 NICs and 64 pod interfaces (64 pods, each with its own /proc/<pid>/net/dev, and the host end
// of each pod's veth in the node's /proc/net/dev), plus tcp/snmp/netstat/softnet files.
// advance() moves every counter forward as traffic would.
import { closeSync, cpSync, existsSync, ftruncateSync, mkdirSync, openSync, symlinkSync, writeFileSync as createFile, writeSync } from 'node:fs';
import { join } from 'node:path';

const HW = ['out_of_buffer', 'out_of_sequence', 'duplicate_request', 'rnr_nak_retry_err', 'packet_seq_err', 'implied_nak_seq_err',
  'local_ack_timeout_err', 'resp_local_length_error', 'resp_cqe_error', 'req_cqe_error', 'req_remote_invalid_request',
  'req_remote_access_errors', 'resp_remote_access_errors', 'resp_cqe_flush_error', 'req_cqe_flush_error', 'roce_adp_retrans',
  'roce_adp_retrans_to', 'roce_slow_restart', 'roce_slow_restart_cnps', 'roce_slow_restart_trans', 'rp_cnp_ignored',
  'rp_cnp_handled', 'np_ecn_marked_roce_packets', 'np_cnp_sent', 'rx_icrc_encapsulated', 'rx_read_requests', 'rx_write_requests',
  'rx_atomic_requests'];
const PORT_COUNTERS = ['port_rcv_data', 'port_xmit_data', 'port_rcv_packets', 'port_xmit_packets', 'port_xmit_wait', 'link_downed',
  'symbol_error', 'port_rcv_errors', 'port_xmit_discards', 'port_rcv_remote_physical_errors', 'port_rcv_switch_relay_errors',
  'local_link_integrity_errors', 'excessive_buffer_overrun_errors', 'link_error_recovery', 'VL15_dropped',
  'unicast_rcv_packets', 'unicast_xmit_packets', 'multicast_rcv_packets', 'multicast_xmit_packets'];

/**
 * Rewrites a file in place (same inode, as sysfs attributes stay the same file): counters only
 * grow, so the new text is never shorter and a concurrent reader never sees an empty file.
 */
function writeFileSync(path: string, text: string): void {
  if (!existsSync(path)) {
    createFile(path, text);
    return;
  }
  const fd = openSync(path, 'r+');
  try {
    const n = writeSync(fd, text, 0);
    ftruncateSync(fd, n);
  } finally {
    closeSync(fd);
  }
}

export const IB_DEVICES = Array.from({ length: 8 }, (_, i) => `mlx5_${i}`);
export const NICS = Array.from({ length: 16 }, (_, i) => `ens${i + 1}f0`);
export const PODS = Array.from({ length: 64 }, (_, i) => ({ name: `worker-${i}`, pid: 10000 + i, veth: `veth${(0x1000 + i).toString(16)}` }));

function netdev(rows: Array<[string, number]>): string {
  let s = 'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
  for (const [name, n] of rows) {
    s += `${name.padStart(6)}: ${n * 1500} ${n} 0 0 0 0 0 0 ${n * 1400} ${n} 0 0 0 0 0 0\n`;
  }
  return s;
}

export class BenchNode {
  tick = 1;
  constructor(readonly root: string, private readonly fixtures: string) {}
  get procfs(): string { return join(this.root, 'proc'); }
  get sysfs(): string { return join(this.root, 'sys'); }

  create(): void {
    mkdirSync(join(this.procfs, 'net'), { recursive: true });
    for (const f of ['tcp', 'tcp6', 'snmp', 'netstat', 'softnet_stat']) cpSync(join(this.fixtures, 'node1/proc/net', f), join(this.procfs, 'net', f));
    for (const nic of [...NICS, ...PODS.map((p) => p.veth)]) {
      const dir = join(this.sysfs, 'class/net', nic);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'operstate'), 'up\n');
      writeFileSync(join(dir, 'speed'), '100000\n');
      writeFileSync(join(dir, 'carrier_changes'), '2\n');
      writeFileSync(join(dir, 'mtu'), '9000\n');
      writeFileSync(join(dir, 'address'), '0c:42:a1:00:00:01\n');
    }
    for (const dev of IB_DEVICES) {
      const base = join(this.sysfs, 'class/infiniband', dev);
      mkdirSync(join(base, 'device'), { recursive: true });
      symlinkSync('../../../../bus/pci/drivers/mlx5_core', join(base, 'device/driver'));
      const port = join(base, 'ports/1');
      mkdirSync(join(port, 'counters'), { recursive: true });
      mkdirSync(join(port, 'hw_counters'), { recursive: true });
      writeFileSync(join(port, 'state'), '4: ACTIVE\n');
      writeFileSync(join(port, 'phys_state'), '5: LinkUp\n');
      writeFileSync(join(port, 'rate'), '400 Gb/sec (4X NDR)\n');
      writeFileSync(join(port, 'link_layer'), 'InfiniBand\n');
      writeFileSync(join(port, 'hw_counters/lifespan'), '10\n');
    }
    for (const p of PODS) {
      mkdirSync(join(this.procfs, String(p.pid), 'net'), { recursive: true });
      writeFileSync(join(this.procfs, String(p.pid), 'cgroup'), `0::/kubepods/pod${p.name}\n`);
    }
    this.advance();
  }

  /** Every counter moves on, as under traffic. */
  advance(): void {
    const n = ++this.tick * 1000;
    writeFileSync(join(this.procfs, 'net/dev'), netdev([['lo', n], ...NICS.map((d, i): [string, number] => [d, n + i]), ...PODS.map((p, i): [string, number] => [p.veth, n + i])]));
    for (const p of PODS) writeFileSync(join(this.procfs, String(p.pid), 'net/dev'), netdev([['lo', 1], ['eth0', n]]));
    for (const dev of IB_DEVICES) {
      const port = join(this.sysfs, 'class/infiniband', dev, 'ports/1');
      PORT_COUNTERS.forEach((c, i) => writeFileSync(join(port, 'counters', c), `${i < 4 ? n * 1_000_000 : i}\n`));
      HW.forEach((c, i) => writeFileSync(join(port, 'hw_counters', c), `${n + i}\n`));
    }
  }

  podFile(nodeName: string): string {
    const pods = PODS.map((p, i) => ({
      namespace: 'bench', name: p.name, uid: `uid-${i}`, nodeName, labels: { monitor: 'high-frequency', 'job-name': 'bench-job' },
      devices: i === 0 ? [...IB_DEVICES, ...NICS, p.veth] : [p.veth], pid: p.pid,
    }));
    return JSON.stringify({ pods }, null, 1);
  }
}

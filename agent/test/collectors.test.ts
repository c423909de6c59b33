// Collectors on the committed fixture trees and on this machine's real /proc and /sys.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InfinibandCollector } from '../src/collectors/infiniband.ts';
import { NetDevCollector } from '../src/collectors/netdev.ts';
import { NetStatCollector } from '../src/collectors/netstat.ts';
import { PodNetDevCollector } from '../src/collectors/podnetdev.ts';
import { SoftnetCollector } from '../src/collectors/softnet.ts';
import { TcpStatCollector } from '../src/collectors/tcpstat.ts';
import { FIXTURES, NODE1, collect, copyFixture, value } from './helpers.ts';

describe('netdev collector', () => {
  it('reads /proc/net/dev counters and sysfs link state of every interface', async () => {
    const c = new NetDevCollector(NODE1);
    assert.deepEqual(c.discover(), ['lo', 'eth0', 'enp1s0f0', 'enp59s0f0v0', 'veth1234']);
    const { rows, errors } = await collect(c, ['eth0', 'enp1s0f0', 'enp59s0f0v0', 'lo']);
    assert.deepEqual(errors, []);
    assert.equal(value(rows, 'eth0', 'node_network_receive_bytes_total'), 123456789);
    assert.equal(value(rows, 'eth0', 'node_network_receive_packets_total'), 98765);
    assert.equal(value(rows, 'eth0', 'node_network_receive_errs_total'), 1);
    assert.equal(value(rows, 'eth0', 'node_network_receive_drop_total'), 2);
    assert.equal(value(rows, 'eth0', 'node_network_transmit_bytes_total'), 987654321);
    assert.equal(value(rows, 'eth0', 'node_network_transmit_packets_total'), 87654);
    assert.equal(value(rows, 'eth0', 'node_network_transmit_errs_total'), 3);
    assert.equal(value(rows, 'eth0', 'node_network_transmit_drop_total'), 4);
    assert.equal(value(rows, 'eth0', 'node_network_up'), 1);
    assert.equal(value(rows, 'eth0', 'node_network_speed_bytes'), 25000 * 1e6 / 8);
    assert.equal(value(rows, 'eth0', 'node_network_carrier_changes_total'), 3);
    // Beyond 2^32: /proc/net/dev counters are 64-bit.
    assert.equal(value(rows, 'enp1s0f0', 'node_network_transmit_bytes_total'), 6000000000000);
    // A down VF reports speed -1: no speed series, up = 0.
    assert.equal(value(rows, 'enp59s0f0v0', 'node_network_up'), 0);
    assert.equal(rows.filter((r) => r.device === 'enp59s0f0v0' && r.name === 'node_network_speed_bytes').length, 0);
    assert.equal(rows.filter((r) => r.device === 'lo').length, 10); // 8 counters, up, carrier_changes; no speed file
    assert.equal(rows.filter((r) => r.device === 'veth1234').length, 0, 'only the asked devices are read');
  });

  it('reports a garbage line and a missing device, and still reads the others', async () => {
    const fx = copyFixture('node1');
    try {
      const file = join(fx.procfs, 'net/dev');
      writeFileSync(file, readFileSync(file, 'utf8').replace('eth0: 123456789 98765', 'eth0: 12x456789 98765'));
      const c = new NetDevCollector(fx);
      const { rows, errors } = await collect(c, ['eth0', 'enp1s0f0', 'eth9']);
      assert.deepEqual(errors.map(([d]) => d), ['eth0', 'eth9']);
      assert.match(errors[0][1], /^malformed line in .*\/net\/dev: "eth0: 12x456789 98765/);
      assert.equal(errors[1][1], `interface eth9 not found in ${file}`);
      assert.equal(rows.filter((r) => r.device === 'enp1s0f0').length, 11);
      assert.equal(rows.filter((r) => r.device === 'eth0').length, 0);
    } finally {
      fx.remove();
    }
  });

  it('sees counters advance between reads', async () => {
    const fx = copyFixture('node1');
    try {
      const c = new NetDevCollector(fx);
      const first = value((await collect(c, ['eth0'])).rows, 'eth0', 'node_network_receive_bytes_total');
      const file = join(fx.procfs, 'net/dev');
      writeFileSync(file, readFileSync(file, 'utf8').replace('eth0: 123456789', 'eth0: 123457789'));
      const second = value((await collect(c, ['eth0'])).rows, 'eth0', 'node_network_receive_bytes_total');
      assert.equal(second - first, 1000);
    } finally {
      fx.remove();
    }
  });
});

describe('infiniband collector', () => {
  it('reads a ConnectX-like device: 64-bit counters in 4-byte words, hw_counters, state, rate', async () => {
    const c = new InfinibandCollector(NODE1);
    assert.deepEqual(c.discover(), ['mlx4_0', 'mlx5_0', 'mlx5_2', 'qib0']);
    const { rows, errors } = await collect(c, ['mlx5_0']);
    assert.deepEqual(errors, []);
    const v = (name: string) => value(rows, 'mlx5_0', name, '1');
    assert.equal(v('node_infiniband_port_data_received_bytes_total'), 1250000000000 * 4);
    assert.equal(v('node_infiniband_port_data_transmitted_bytes_total'), 1500000000000 * 4);
    assert.equal(v('node_infiniband_port_packets_received_total'), 900000000);
    assert.equal(v('node_infiniband_port_packets_transmitted_total'), 950000000);
    assert.equal(v('node_infiniband_port_transmit_wait_total'), 4242);
    assert.equal(v('node_infiniband_link_downed_total'), 1);
    assert.equal(v('node_infiniband_symbol_error_total'), 0);
    assert.equal(v('node_infiniband_port_errors_received_total'), 2);
    assert.equal(v('node_infiniband_vl15_dropped_total'), 0);
    assert.equal(v('node_infiniband_state_id'), 4);
    assert.equal(v('node_infiniband_physical_state_id'), 5);
    assert.equal(v('node_infiniband_rate_bytes_per_second'), 50e9);
    assert.equal(v('node_infiniband_port_data_counter_width_bits'), 64);
    assert.equal(v('node_infiniband_out_of_buffer_drops_total'), 17);
    assert.equal(v('node_infiniband_roce_adp_retrans_total'), 5);
    assert.equal(v('node_infiniband_rx_write_requests_total'), 123);
    assert.equal(rows.filter((r) => r.name.includes('lifespan')).length, 0);
    assert.equal(rows.length, 16);
    assert.deepEqual(rows[0].extra, { port: '1' });
  });

  it('reports only-32-bit counters, skips "N/A (no PMA)" and reads every port', async () => {
    const narrow: string[] = [];
    const c = new InfinibandCollector(NODE1, (d, p) => narrow.push(`${d}/${p}`));
    const { rows, errors } = await collect(c, ['mlx4_0']);
    assert.deepEqual(errors, []);
    assert.deepEqual(narrow, ['mlx4_0/1'], 'warned once per device');
    assert.equal(value(rows, 'mlx4_0', 'node_infiniband_port_data_counter_width_bits', '1'), 32);
    assert.equal(value(rows, 'mlx4_0', 'node_infiniband_port_data_counter_width_bits', '2'), 32);
    assert.equal(value(rows, 'mlx4_0', 'node_infiniband_port_data_received_bytes_total', '1'), 4294967295 * 4);
    assert.equal(value(rows, 'mlx4_0', 'node_infiniband_state_id', '2'), 1);
    assert.equal(rows.filter((r) => r.name === 'node_infiniband_port_transmit_wait_total').length, 0, 'N/A (no PMA) is skipped');
    assert.equal(rows.length, 2 * (4 + 7));
    await collect(c, ['mlx4_0']);
    assert.deepEqual(narrow, ['mlx4_0/1']);
  });

  it('prefers counters_ext 64-bit files of old kernels over the 32-bit counters', async () => {
    const { rows, errors } = await collect(new InfinibandCollector(NODE1), ['qib0']);
    assert.deepEqual(errors, []);
    assert.equal(value(rows, 'qib0', 'node_infiniband_port_data_received_bytes_total', '1'), 10000000000 * 4);
    assert.equal(value(rows, 'qib0', 'node_infiniband_port_data_transmitted_bytes_total', '1'), 20000000000 * 4);
    assert.equal(value(rows, 'qib0', 'node_infiniband_port_packets_received_total', '1'), 30000000000);
    assert.equal(value(rows, 'qib0', 'node_infiniband_port_packets_transmitted_total', '1'), 40000000000);
    assert.equal(value(rows, 'qib0', 'node_infiniband_port_data_counter_width_bits', '1'), 64);
  });

  it('reports garbage in a counter file and a missing device, keeping the other counters', async () => {
    const fx = copyFixture('node1');
    try {
      const file = join(fx.sysfs, 'class/infiniband/mlx5_0/ports/1/counters/port_xmit_data');
      writeFileSync(file, 'garbage\n');
      const { rows, errors } = await collect(new InfinibandCollector(fx), ['mlx5_0', 'mlx5_9']);
      assert.deepEqual(errors, [
        ['mlx5_0', `malformed counter in ${file}: "garbage"`],
        ['mlx5_9', `InfiniBand device mlx5_9 has no ports under ${join(fx.sysfs, 'class/infiniband/mlx5_9/ports')}`],
      ]);
      assert.equal(rows.length, 15);
    } finally {
      fx.remove();
    }
  });
});

describe('tcpstat collector', () => {
  it('counts connections by state over tcp and tcp6', async () => {
    const { rows, errors } = await collect(new TcpStatCollector(NODE1));
    assert.deepEqual(errors, []);
    assert.equal(rows.length, 11);
    assert.equal(value(rows, '', 'node_tcp_connection_states', 'listen'), 2);
    assert.equal(value(rows, '', 'node_tcp_connection_states', 'established'), 2);
    assert.equal(value(rows, '', 'node_tcp_connection_states', 'time_wait'), 1);
    assert.equal(value(rows, '', 'node_tcp_connection_states', 'close_wait'), 1);
    assert.equal(value(rows, '', 'node_tcp_connection_states', 'syn_sent'), 0);
    assert.deepEqual(rows.find((r) => r.key === 'listen')!.extra, { state: 'listen' });
  });
});

describe('netstat collector', () => {
  it('reads Tcp_RetransSegs and friends from snmp and netstat', async () => {
    const { rows, errors } = await collect(new NetStatCollector(NODE1));
    assert.deepEqual(errors, []);
    const byName = Object.fromEntries(rows.map((r) => [r.name, r.value]));
    assert.deepEqual(byName, {
      node_netstat_Ip_Forwarding: 1,
      node_netstat_Tcp_ActiveOpens: 500,
      node_netstat_Tcp_PassiveOpens: 400,
      node_netstat_Tcp_CurrEstab: 12,
      node_netstat_Tcp_InSegs: 100000,
      node_netstat_Tcp_OutSegs: 90000,
      node_netstat_Tcp_RetransSegs: 321,
      node_netstat_Tcp_InErrs: 5,
      node_netstat_Tcp_OutRsts: 60,
      node_netstat_Udp_InDatagrams: 2000,
      node_netstat_Udp_NoPorts: 3,
      node_netstat_Udp_InErrors: 1,
      node_netstat_Udp_OutDatagrams: 1900,
      node_netstat_Udp_RcvbufErrors: 0,
      node_netstat_Udp_SndbufErrors: 0,
      node_netstat_TcpExt_SyncookiesSent: 0,
      node_netstat_TcpExt_SyncookiesRecv: 0,
      node_netstat_TcpExt_SyncookiesFailed: 0,
      node_netstat_TcpExt_ListenOverflows: 4,
      node_netstat_TcpExt_ListenDrops: 5,
      node_netstat_TcpExt_TCPTimeouts: 77,
      node_netstat_TcpExt_TCPSynRetrans: 8,
      node_netstat_TcpExt_TCPLostRetransmit: 9,
      node_netstat_TcpExt_TCPOFOQueue: 10,
      node_netstat_IpExt_InOctets: 123456,
      node_netstat_IpExt_OutOctets: 654321,
    });
  });
});

describe('softnet collector', () => {
  it('5.14+: takes the cpu from column 12 (cpu 2 offline) and reads backlog_len', async () => {
    const { rows, errors } = await collect(new SoftnetCollector(NODE1));
    assert.deepEqual(errors, []);
    assert.deepEqual([...new Set(rows.map((r) => r.key))], ['0', '1', '3']);
    assert.equal(value(rows, '', 'node_softnet_processed_total', '3'), 0xc000);
    assert.equal(value(rows, '', 'node_softnet_dropped_total', '3'), 0xff);
    assert.equal(value(rows, '', 'node_softnet_times_squeezed_total', '1'), 0x10);
    assert.equal(value(rows, '', 'node_softnet_backlog_len', '3'), 0xa);
    assert.equal(value(rows, '', 'node_softnet_backlog_len', '0'), 4);
    assert.equal(rows.length, 12);
  });

  it('before 5.14 the line number is the cpu; before 5.10 there is no backlog_len', async () => {
    const old = await collect(new SoftnetCollector({ procfs: join(FIXTURES, 'softnet-4.19/proc'), sysfs: '/nonexistent' }));
    assert.deepEqual(old.errors, []);
    assert.equal(old.rows.length, 6);
    assert.equal(value(old.rows, '', 'node_softnet_processed_total', '1'), 0x2000);
    assert.equal(value(old.rows, '', 'node_softnet_dropped_total', '1'), 2);
    assert.equal(old.rows.filter((r) => r.name === 'node_softnet_backlog_len').length, 0);
    const mid = await collect(new SoftnetCollector({ procfs: join(FIXTURES, 'softnet-5.10/proc'), sysfs: '/nonexistent' }));
    assert.equal(mid.rows.length, 8);
    assert.equal(value(mid.rows, '', 'node_softnet_backlog_len', '0'), 5);
  });
});

describe('pod interface collector', () => {
  it('reads /proc/<pid>/net/dev of the pod with cAdvisor names, without lo', async () => {
    const c = new PodNetDevCollector(NODE1);
    c.setPid('train/w0', 4242);
    const { rows, errors } = await collect(c);
    assert.deepEqual(errors, []);
    assert.equal(rows.length, 16);
    assert.equal(value(rows, 'train/w0', 'container_network_receive_bytes_total', 'eth0'), 1111);
    assert.equal(value(rows, 'train/w0', 'container_network_receive_errors_total', 'eth0'), 1);
    assert.equal(value(rows, 'train/w0', 'container_network_receive_packets_dropped_total', 'eth0'), 2);
    assert.equal(value(rows, 'train/w0', 'container_network_transmit_packets_total', 'net1'), 44);
    assert.deepEqual(rows[0].extra, { interface: 'eth0' });
  });

  it('reports a pod whose process is gone', async () => {
    const c = new PodNetDevCollector(NODE1);
    c.setPid('train/w1', 999999);
    const { rows, errors } = await collect(c);
    assert.equal(rows.length, 0);
    assert.deepEqual(errors, [['train/w1', `cannot read ${join(NODE1.procfs, '999999/net/dev')} (process 999999 of pod train/w1 gone?): ENOENT`]]);
  });
});

describe('collectors on this machine\'s real /proc and /sys', () => {
  const real = { procfs: '/proc', sysfs: '/sys' };
  it('netdev sees lo with its counters', async () => {
    const c = new NetDevCollector(real);
    assert.ok(c.discover().includes('lo'), 'the real /proc/net/dev lists lo');
    const { rows, errors } = await collect(c, ['lo']);
    assert.deepEqual(errors, []);
    assert.ok(value(rows, 'lo', 'node_network_receive_bytes_total') >= 0);
    assert.equal(rows.filter((r) => r.name.endsWith('_total') && r.name.startsWith('node_network_') && r.name !== 'node_network_carrier_changes_total').length, 8);
  });
  it('tcpstat, netstat and softnet read without errors', async () => {
    for (const c of [new TcpStatCollector(real), new NetStatCollector(real), new SoftnetCollector(real)]) {
      const { rows, errors } = await collect(c);
      assert.deepEqual(errors, [], c.name);
      assert.ok(rows.length > 0, `${c.name} produced samples`);
    }
    const net = await collect(new NetStatCollector(real));
    assert.ok(net.rows.some((r) => r.name === 'node_netstat_Tcp_RetransSegs'));
  });
  it('pod collector reads /proc/self/net/dev', async () => {
    const c = new PodNetDevCollector(real);
    c.setPid('self/self', process.pid);
    const { errors } = await collect(c);
    assert.deepEqual(errors, []);
  });
  it('infiniband reads whatever RDMA devices exist without errors', async () => {
    const c = new InfinibandCollector(real);
    const { errors } = await collect(c);
    assert.deepEqual(errors, []);
  });
});

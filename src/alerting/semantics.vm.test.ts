// Proves the condition of every template on a real VictoriaMetrics with per-second synthetic data
// written with the agent's metric names: the rendered rule's query is run as the backend runs an
// alert query (range query over the rule's relative time range at a 1 s step), Grafana's reduce
// and threshold are applied, and exactly the misbehaving dimension fires while the healthy ones
// are evaluated and stay quiet.
import { renderRule, LOOKBACK_SECONDS, INTERVAL_MS } from './render';
import { TEMPLATES } from './catalog';
import type { ParamValues, RuleCore, Scope } from './types';
import { VictoriaMetrics } from './testsupport/vm';
import { evaluateRule, dims } from './testsupport/grafanaEval';
import { Synthetic, ibPort, nic, during, HISTORY_SECONDS } from './testsupport/synthetic';

jest.setTimeout(120_000);

// Evaluation time: two minutes ago on a whole second, so every sample is already in the past.
const T = Math.floor(Date.now() / 1000) * 1000 - 120_000;
const data = new Synthetic(T);
const IB_TX = 'node_infiniband_port_data_transmitted_bytes_total';
const IB_RX = 'node_infiniband_port_data_received_bytes_total';

// --- ib-link-flap (cluster "flap"): n1 goes down for 2 s, 40 s before T.
for (const n of ['n1', 'n2', 'n3']) {
  const bad = n === 'n1';
  data.counter('node_infiniband_link_downed_total', ibPort('flap', n, 'jA'), bad ? during(-40, -40, 1) : () => 0);
  data.gauge('node_infiniband_state_id', ibPort('flap', n, 'jA'), bad ? during(-41, -40, 1, 4) : () => 4);
}
// --- ib-errors (cluster "errs"): 3 symbol errors on n2.
for (const n of ['n1', 'n2', 'n3']) {
  data.counter(
    'node_infiniband_symbol_error_total',
    ibPort('errs', n, 'jA'),
    n === 'n2' ? during(-30, -30, 3) : () => 0
  );
  data.counter('node_infiniband_port_errors_received_total', ibPort('errs', n, 'jA'), () => 0);
}
// --- ib-congestion (cluster "cong"): 4 GB/s each; n3 waits a third of its time for 2 s.
for (const n of ['n1', 'n2', 'n3']) {
  data.counter(IB_TX, ibPort('cong', n, 'jA'), () => 4e9);
  data.counter(
    'node_infiniband_port_transmit_wait_total',
    ibPort('cong', n, 'jA'),
    n === 'n3' ? during(-50, -49, 5e8, 1e6) : () => 1e6
  );
}
// --- nic-drops (cluster "drops"): n1 drops for 8 s in a row, n2 only for 2 s, n3 never.
for (const n of ['n1', 'n2', 'n3']) {
  const rx = n === 'n1' ? during(-60, -53, 50) : n === 'n2' ? during(-30, -29, 50) : () => 0;
  data.counter('node_network_receive_drop_total', nic('drops', n, 'jA'), rx);
  data.counter('node_network_transmit_drop_total', nic('drops', n, 'jA'), () => 0);
}
// --- softnet-drops (cluster "softnet"): jA on n1..n3, jB on n1; n1 drops 8 s, n2 2 s, n4 (no job) drops long.
for (const n of ['n1', 'n2', 'n3']) {
  data.counter(IB_RX, ibPort('softnet', n, 'jA'), () => 1e9);
}
data.counter(IB_RX, { ...ibPort('softnet', 'n1', 'jB'), device: 'mlx5_1' }, () => 1e9);
for (const n of ['n1', 'n2', 'n3', 'n4']) {
  for (const cpu of ['0', '1']) {
    const lbl = { cluster: 'softnet', node: n, cpu };
    const f =
      n === 'n1' && cpu === '0'
        ? during(-70, -63, 10)
        : n === 'n2' && cpu === '1'
          ? during(-20, -19, 10)
          : n === 'n4'
            ? during(-80, -40, 10)
            : () => 0;
    data.counter('node_softnet_dropped_total', lbl, f);
  }
}
// --- tcp-retrans (cluster "tcp"): n2 retransmits 2000/s for 2 s.
for (const n of ['n1', 'n2', 'n3']) {
  data.counter(IB_RX, ibPort('tcp', n, 'jA'), () => 1e9);
  data.counter(
    'node_netstat_Tcp_RetransSegs',
    { cluster: 'tcp', node: n },
    n === 'n2' ? during(-40, -39, 2000, 5) : () => 5
  );
}
// --- job-throughput-collapse (cluster "collapse"): jA stalls for 35 s; jB steady; jC is idle (below the minimum baseline) and stalls.
for (const n of ['n1', 'n2', 'n3']) {
  data.counter(IB_TX, ibPort('collapse', n, 'jA'), during(-50, -16, 0, 1.25e9));
}
for (const n of ['n4', 'n5']) {
  data.counter(IB_TX, ibPort('collapse', n, 'jB'), () => 1.25e9);
}
data.counter(IB_TX, ibPort('collapse', 'n6', 'jC'), during(-50, -16, 0, 1e6));
// --- job-imbalance (cluster "imb"): jA's n3 sends a fifth of n1/n2; jB is within 1.25x.
data.counter(IB_TX, ibPort('imb', 'n1', 'jA'), () => 1e9);
data.counter(IB_TX, ibPort('imb', 'n2', 'jA'), () => 1e9);
data.counter(IB_TX, ibPort('imb', 'n3', 'jA'), () => 2e8);
data.counter(IB_TX, ibPort('imb', 'n4', 'jB'), () => 1e9);
data.counter('node_network_transmit_bytes_total', nic('imb', 'n5', 'jB'), () => 8e8);
// --- agent-silent (cluster "silent") and cluster-silent ("dead" vs "alive"): 15 s samples.
const every15 = { every: 15 };
data.counter('node_network_receive_bytes_total', { cluster: 'silent', node: 'n1', device: 'eth0' }, () => 1e6, {
  ...every15,
  to: -150,
});
data.counter('node_network_receive_bytes_total', { cluster: 'silent', node: 'n2', device: 'eth0' }, () => 1e6, every15);
for (const n of ['n1', 'n2']) {
  data.counter('node_network_receive_bytes_total', { cluster: 'dead', node: n, device: 'eth0' }, () => 1e6, {
    ...every15,
    to: -210,
  });
  data.counter('node_softnet_processed_total', { cluster: 'alive', node: n, cpu: '0' }, () => 1e3, every15);
}
// --- agent-queue-growing (cluster "queue"): n1's queue grows 10 kB/s for 400 s; n2's stays around 500 kB.
const url = 'http://vm.example:8428/api/v1/write';
data.gauge(
  'hifreq_agent_remote_write_queue_bytes',
  { cluster: 'queue', node: 'n1', url },
  (s) => (s < -400 ? 0 : (s + 400) * 1e4),
  every15
);
data.gauge(
  'hifreq_agent_remote_write_queue_bytes',
  { cluster: 'queue', node: 'n2', url },
  (s) => 5e5 + ((s / 15) % 2) * 1e4,
  every15
);

interface Case {
  templateId: string;
  scope: Partial<Scope>;
  params?: Partial<ParamValues>;
  keys: string[];
  firing: string[];
  quiet: string[];
}

const CASES: Case[] = [
  {
    templateId: 'ib-link-flap',
    scope: { cluster: 'flap', job: 'jA' },
    keys: ['cluster', 'job_name', 'node', 'device', 'port'],
    firing: ['cluster=flap,job_name=jA,node=n1,device=mlx5_0,port=1'],
    quiet: [
      'cluster=flap,job_name=jA,node=n2,device=mlx5_0,port=1',
      'cluster=flap,job_name=jA,node=n3,device=mlx5_0,port=1',
    ],
  },
  {
    templateId: 'ib-errors',
    scope: { cluster: 'errs', job: '*' },
    keys: ['cluster', 'node'],
    firing: ['cluster=errs,node=n2'],
    quiet: ['cluster=errs,node=n1', 'cluster=errs,node=n3'],
  },
  {
    templateId: 'ib-congestion',
    scope: { cluster: 'cong', job: '/j.*/' },
    keys: ['cluster', 'node', 'device'],
    firing: ['cluster=cong,node=n3,device=mlx5_0'],
    quiet: ['cluster=cong,node=n1,device=mlx5_0', 'cluster=cong,node=n2,device=mlx5_0'],
  },
  {
    templateId: 'nic-drops',
    scope: { cluster: 'drops', job: 'jA' },
    keys: ['cluster', 'job_name', 'node', 'device'],
    firing: ['cluster=drops,job_name=jA,node=n1,device=eth1'],
    quiet: ['cluster=drops,job_name=jA,node=n2,device=eth1', 'cluster=drops,job_name=jA,node=n3,device=eth1'],
  },
  {
    templateId: 'nic-drops',
    scope: { cluster: 'drops', job: 'jA' },
    params: { seconds: 2 },
    keys: ['node'],
    firing: ['node=n1', 'node=n2'],
    quiet: ['node=n3'],
  },
  {
    templateId: 'softnet-drops',
    scope: { cluster: 'softnet', job: '*' },
    keys: ['cluster', 'job_name', 'node'],
    firing: ['cluster=softnet,job_name=jA,node=n1', 'cluster=softnet,job_name=jB,node=n1'],
    quiet: ['cluster=softnet,job_name=jA,node=n2', 'cluster=softnet,job_name=jA,node=n3'],
  },
  {
    templateId: 'tcp-retrans',
    scope: { cluster: 'tcp', job: 'jA' },
    keys: ['cluster', 'job_name', 'node'],
    firing: ['cluster=tcp,job_name=jA,node=n2'],
    quiet: ['cluster=tcp,job_name=jA,node=n1', 'cluster=tcp,job_name=jA,node=n3'],
  },
  {
    templateId: 'job-throughput-collapse',
    scope: { cluster: 'collapse', job: '*' },
    keys: ['cluster', 'job_name'],
    firing: ['cluster=collapse,job_name=jA'],
    quiet: ['cluster=collapse,job_name=jB'],
  },
  {
    templateId: 'job-imbalance',
    scope: { cluster: 'imb', job: '*' },
    keys: ['cluster', 'job_name', 'node'],
    firing: ['cluster=imb,job_name=jA,node=n3'],
    quiet: [
      'cluster=imb,job_name=jA,node=n1',
      'cluster=imb,job_name=jA,node=n2',
      'cluster=imb,job_name=jB,node=n4',
      'cluster=imb,job_name=jB,node=n5',
    ],
  },
  {
    templateId: 'agent-silent',
    scope: { cluster: 'silent' },
    keys: ['cluster', 'node'],
    firing: ['cluster=silent,node=n1'],
    quiet: ['cluster=silent,node=n2'],
  },
  {
    templateId: 'cluster-silent',
    scope: { cluster: 'dead|alive|silent' },
    keys: ['cluster'],
    firing: ['cluster=dead'],
    quiet: ['cluster=alive', 'cluster=silent'],
  },
  {
    templateId: 'agent-queue-growing',
    scope: { cluster: 'queue' },
    keys: ['cluster', 'node', 'url'],
    firing: [`cluster=queue,node=n1,url=${url}`],
    quiet: [`cluster=queue,node=n2,url=${url}`],
  },
];

let vm: VictoriaMetrics;

async function waitSearchable(): Promise<void> {
  const want = data.series.length;
  let have = 0;
  for (let i = 0; i < 120; i++) {
    have = await vm.seriesCount('{__name__=~".+"}', T - HISTORY_SECONDS * 1000, T);
    if (have === want) {
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`only ${have} of ${want} imported series became searchable`);
}

beforeAll(async () => {
  vm = await VictoriaMetrics.start();
  await vm.import(data.series);
  await waitSearchable();
});

afterAll(async () => {
  await vm?.stop();
});

async function evaluate(rule: RuleCore) {
  const model = rule.data[0].model as { expr: string };
  const rows = await vm.queryRange(model.expr, T - LOOKBACK_SECONDS * 1000, T, INTERVAL_MS);
  return evaluateRule(rule, rows);
}

describe('template conditions on real VictoriaMetrics with 1 s data', () => {
  test('every template has a case', () => {
    expect(new Set(CASES.map((c) => c.templateId))).toEqual(new Set(TEMPLATES.map((t) => t.id)));
  });

  test.each(CASES.map((c) => [`${c.templateId} ${JSON.stringify(c.params ?? {})}`, c] as const))(
    '%s',
    async (_name, c) => {
      const rule = renderRule({ templateId: c.templateId, scope: c.scope, params: c.params });
      const result = await evaluate(rule);
      const firing = result
        .filter((r) => r.firing)
        .map((r) => dims(r.labels, c.keys))
        .sort();
      const quiet = result
        .filter((r) => !r.firing)
        .map((r) => dims(r.labels, c.keys))
        .sort();
      expect({ firing, quiet }).toEqual({ firing: [...c.firing].sort(), quiet: [...c.quiet].sort() });
    }
  );
});

describe('scope', () => {
  test('a job scope that matches nothing evaluates no series', async () => {
    expect(await evaluate(renderRule({ templateId: 'ib-link-flap', scope: { cluster: 'flap', job: 'jZ' } }))).toEqual(
      []
    );
  });

  test('the default rule (all clusters, all jobs) fires for the misbehaving link only', async () => {
    const rule = renderRule({ templateId: 'ib-link-flap', scope: { cluster: '*', job: '*' } });
    const firing = (await evaluate(rule)).filter((r) => r.firing).map((r) => dims(r.labels, ['cluster', 'node']));
    expect(firing).toEqual(['cluster=flap,node=n1']);
  });

  test('a 2 s congestion burst keeps its height: peak wait ratio is exactly 5e8/(5e8+1e9)', async () => {
    const rule = renderRule({ templateId: 'ib-congestion', scope: { cluster: 'cong', job: 'jA' } });
    const n3 = (await evaluate(rule)).find((r) => r.labels.node === 'n3');
    expect(n3?.value).toBeCloseTo(1 / 3, 6);
  });
});

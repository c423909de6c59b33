// Starts what the browser specs run against, and tears it down afterwards:
//  - a real VictoriaMetrics (Debian's victoria-metrics) with the flags fresh 1 s data needs,
//  - two real hifreq-agent processes (agent/dist/main.js), clusters "alpha" and "beta", each on a
//    fake host (a procfs/sysfs tree whose counters this process drives: 1 MB/s on an IB port and
//    1000 B/s on eth0, plus one single-second burst, from which on IB symbol errors and eth0 drops
//    are raised too) with a pod file holding a labelled job,
//  - grafana-api-fake (tests/grafana/cmd/grafana-api-fake: a FAKE of Grafana's HTTP API in front
//    of the REAL plugin backend from dist/), serving the plugin harness page.
// The specs find the fake at process.env.HARNESS_URL and the scenario in process.env.HARNESS_SCENARIO.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const here = __dirname;
const root = resolve(here, '..', '..');
const out = join(here, 'output');
// Each run has its own directory (logs, fake hosts, VictoriaMetrics data, the harness site and
// the fake's binary), so runs started at the same time by different people do not collide.
let run = join(out, 'run');

export interface Scenario {
  harnessUrl: string;
  vmUrl: string;
  /** epoch seconds of the burst second */
  burstSec: number;
  clusters: Array<{ cluster: string; node: string; job: string; namespace: string; pod: string }>;
  /** bytes per second on the IB port outside the burst, and extra bytes in the burst second */
  ibBytesPerSecond: number;
  ibBurstBytes: number;
  nicBytesPerSecond: number;
  /** from the burst second on: IB symbol errors of cluster i (0-based) are (i+1) × this, eth0 receive drops this */
  symbolErrorsAtBurst: number;
  nicDropsAtBurst: number;
}

function fail(msg: string): never {
  throw new Error(`plugin harness setup: ${msg}`);
}

function which(bin: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

async function waitHttp(url: string, proc: ChildProcess, name: string, log: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      fail(`${name} exited with ${proc.exitCode} before ${url} answered; see ${log}`);
    }
    try {
      const r = await fetch(url);
      if (r.ok) {
        return;
      }
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  fail(`${name} did not answer on ${url} within ${timeoutMs / 1000}s (last: ${last}); see ${log}`);
}

const procs: ChildProcess[] = [];
function start(name: string, bin: string, args: string[], cwd = root): { proc: ChildProcess; log: string } {
  const log = join(run, `${name}.log`);
  const fd = openSync(log, 'w');
  const proc = spawn(bin, args, { cwd, stdio: ['ignore', fd, fd], detached: true });
  procs.push(proc);
  return { proc, log };
}

function stopAll() {
  for (const p of procs.reverse()) {
    if (p.exitCode === null && p.pid) {
      try {
        process.kill(-p.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
}

function writeFile(path: string, content: string) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

/** A fake host: one IB device mlx5_0 (port 1, 64-bit counters) and one NIC eth0. */
function makeHost(dir: string) {
  const sys = join(dir, 'sys');
  const proc = join(dir, 'proc');
  const port = join(sys, 'class/infiniband/mlx5_0/ports/1');
  writeFile(join(port, 'state'), '4: ACTIVE\n');
  writeFile(join(port, 'phys_state'), '5: LinkUp\n');
  writeFile(join(port, 'rate'), '400 Gb/sec (4X NDR)\n');
  writeFile(join(port, 'link_layer'), 'InfiniBand\n');
  for (const f of ['port_xmit_wait', 'symbol_error', 'link_downed', 'port_rcv_errors', 'port_rcv_packets', 'port_xmit_packets']) {
    writeFile(join(port, 'counters', f), '0\n');
  }
  writeFile(join(sys, 'class/net/eth0/operstate'), 'up\n');
  writeFile(join(sys, 'class/net/eth0/speed'), '100000\n');
  writeFile(join(sys, 'class/net/eth0/carrier_changes'), '1\n');
  mkdirSync(join(proc, 'net'), { recursive: true });
  return { sys, proc, port };
}

/**
 * Rewrites a counter file in place, as the kernel's sysfs/procfs files change: same inode, same
 * length (numbers are zero-padded), one write at offset 0. The agent may keep the file open and
 * re-read it (a rename would leave it reading the old inode forever).
 */
function writeInPlace(path: string, content: string) {
  if (!existsSync(path)) {
    writeFileSync(path, content);
    return;
  }
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, content, 0);
  } finally {
    closeSync(fd);
  }
}

const pad = (n: number) => String(n).padStart(20, '0');

export default async function globalSetup() {
  // Prerequisites, each with the command that provides it.
  const vmBin = which('victoria-metrics') ?? fail('VictoriaMetrics is not installed: `apt-get install victoria-metrics` (or bash scripts/install.sh)');
  if (!existsSync('/usr/bin/chromium')) {
    fail('Debian chromium is missing: `apt-get install chromium` (never `playwright install`)');
  }
  if (!existsSync(join(root, 'dist/module.js')) || !existsSync(join(root, 'dist/datasource/module.js'))) {
    fail('the plugin frontend is not built: run `npm run build` at the repository root');
  }
  if (!existsSync(join(root, 'dist/datasource/gpx_hifreq_netmon_linux_amd64'))) {
    fail('the plugin backend is not built: run `npm run build:backend`');
  }
  // HIFREQ_AGENT_MAIN runs another agent build (default: agent/dist/main.js).
  const agentMain = process.env.HIFREQ_AGENT_MAIN || join(root, 'agent/dist/main.js');
  if (!existsSync(agentMain)) {
    fail(`the agent is not built (${agentMain} is missing): run \`npm run build -w agent\``);
  }
  const goBin = which('go') ?? fail('Go is not installed: the fake Grafana (tests/grafana/cmd/grafana-api-fake) is built with Go');

  mkdirSync(out, { recursive: true });
  run = mkdtempSync(join(out, 'run-'));
  console.log(`plugin harness run directory (logs): ${run}`);

  // The plugin harness page and the fake Grafana binary.
  const site = join(run, 'site');
  execFileSync(process.execPath, [join(here, 'build.mjs'), site], { stdio: 'inherit' });
  const fakeBin = join(run, 'grafana-api-fake');
  execFileSync(goBin, ['build', '-o', fakeBin, './cmd/grafana-api-fake'], { cwd: join(root, 'tests/grafana'), stdio: 'inherit' });

  const vmPort = await freePort();
  const vmUrl = `http://127.0.0.1:${vmPort}`;
  const vm = start('victoria-metrics', vmBin, [
    `-httpListenAddr=127.0.0.1:${vmPort}`,
    `-storageDataPath=${join(run, 'vm-data')}`,
    '-retentionPeriod=1y',
    '-search.latencyOffset=1s',
    '-search.maxStepForPointsAdjustment=0',
    '-search.cacheTimestampOffset=0s',
  ]);
  await waitHttp(`${vmUrl}/health`, vm.proc, 'victoria-metrics', vm.log);

  const scenario: Scenario = {
    harnessUrl: '',
    vmUrl,
    burstSec: Math.floor(Date.now() / 1000) + 20,
    clusters: [
      { cluster: 'alpha', node: 'gpu-node-1', job: 'llama-pretrain', namespace: 'train', pod: 'llama-worker-0' },
      { cluster: 'beta', node: 'gpu-node-7', job: 'bert-finetune', namespace: 'research', pod: 'bert-worker-0' },
    ],
    ibBytesPerSecond: 1_000_000,
    ibBurstBytes: 100_000_000,
    nicBytesPerSecond: 1000,
    symbolErrorsAtBurst: 2,
    nicDropsAtBurst: 3,
  };

  // Fake hosts and their counter driver: the values change at k.5 s, far from the agents' reads
  // at k.0 s, so two consecutive reads differ by exactly one second of traffic.
  const hosts = scenario.clusters.map((c, i) => ({ c, i, ...makeHost(join(run, `host-${c.cluster}`)) }));
  const write = () => {
    const s = Math.round(Date.now() / 1000);
    for (const h of hosts) {
      let ib = 5_000_000_000 + scenario.ibBytesPerSecond * s * (h.i + 1);
      if (s >= scenario.burstSec) {
        ib += scenario.ibBurstBytes;
      }
      writeInPlace(join(h.port, 'counters/port_rcv_data'), `${pad(Math.floor(ib / 4) % 2 ** 32)}\n`);
      mkdirSync(join(h.port, 'counters_ext'), { recursive: true });
      writeInPlace(join(h.port, 'counters_ext/port_rcv_data_64'), `${pad(Math.floor(ib / 4))}\n`);
      writeInPlace(join(h.port, 'counters_ext/port_xmit_data_64'), `${pad(Math.floor(ib / 8))}\n`);
      const burst = s >= scenario.burstSec;
      writeInPlace(join(h.port, 'counters/symbol_error'), `${pad(burst ? scenario.symbolErrorsAtBurst * (h.i + 1) : 0)}\n`);
      const drops = burst ? scenario.nicDropsAtBurst : 0;
      const nic = 7_000_000 + scenario.nicBytesPerSecond * s;
      writeInPlace(
        join(h.proc, 'net/dev'),
        'Inter-|   Receive                                                |  Transmit\n' +
          ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n' +
          `  eth0: ${pad(nic)} 1000 0 ${drops} 0 0 0 0 5000 50 0 0 0 0 0 0\n`
      );
    }
  };
  write();
  const timer = setInterval(write, 50);

  const teardown = async () => {
    clearInterval(timer);
    stopAll();
    // Keep the logs; drop the bulky parts (HARNESS_KEEP_DATA=1 keeps VictoriaMetrics' data to
    // look into a failure: start victoria-metrics with -storageDataPath on it).
    await new Promise((r) => setTimeout(r, 1000));
    const bulky = process.env.HARNESS_KEEP_DATA === '1' ? ['site', 'grafana-api-fake'] : ['vm-data', 'site', 'grafana-api-fake'];
    for (const dir of bulky) {
      rmSync(join(run, dir), { recursive: true, force: true });
    }
  };
  try {
    for (const h of hosts) {
      const pods = join(run, `pods-${h.c.cluster}.json`);
      writeFileSync(
        pods,
        JSON.stringify({
          pods: [
            {
              namespace: h.c.namespace,
              name: h.c.pod,
              uid: `6f1c2a7e-0000-4000-8000-00000000000${h.i + 1}`,
              nodeName: h.c.node,
              labels: { monitor: 'high-frequency', 'job-name': h.c.job },
              devices: ['mlx5_0', 'eth0'],
            },
          ],
        })
      );
      const webPort = await freePort();
      const agent = start(`hifreq-agent-${h.c.cluster}`, process.execPath, [
        agentMain,
        `--path.procfs=${h.proc}`,
        `--path.sysfs=${h.sys}`,
        '--pods.source=file',
        `--pods.file=${pods}`,
        `--cluster=${h.c.cluster}`,
        `--node-name=${h.c.node}`,
        `--remote-write.url=${vmUrl}/api/v1/write`,
        `--remote-write.queue-dir=${join(run, `queue-${h.c.cluster}`)}`,
        '--binding.pod-resources-socket=',
        `--web.listen-address=127.0.0.1:${webPort}`,
      ]);
      await waitHttp(`http://127.0.0.1:${webPort}/-/ready`, agent.proc, `hifreq-agent ${h.c.cluster}`, agent.log);
    }

    const fakePort = await freePort();
    const harnessUrl = `http://127.0.0.1:${fakePort}`;
    const fake = start('grafana-api-fake', fakeBin, [
      `--listen=127.0.0.1:${fakePort}`,
      `--vm-url=${vmUrl}`,
      `--dist=${join(root, 'dist')}`,
      `--provisioning=${join(root, 'provisioning')}`,
      `--static=${site}`,
      `--log-dir=${run}`,
    ]);
    await waitHttp(`${harnessUrl}/api/health`, fake.proc, 'grafana-api-fake', fake.log);
    scenario.harnessUrl = harnessUrl;

    // Wait until the burst second is in VictoriaMetrics for both clusters, 5 s in the past.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const now = Date.now() / 1000;
      if (now > scenario.burstSec + 5) {
        const q = new URLSearchParams({
          query: 'count(max_over_time(node_infiniband_port_data_received_bytes_total{job_name!=""}[2m])) by (cluster)',
          nocache: '1',
        });
        const r = (await (await fetch(`${vmUrl}/api/v1/query?${q}`)).json()) as { data?: { result?: unknown[] } };
        if ((r.data?.result?.length ?? 0) === 2) {
          break;
        }
      }
      if (Date.now() > deadline) {
        fail(`the agents' job-labelled IB series of both clusters did not reach VictoriaMetrics; see ${run}/*.log`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    process.env.HARNESS_URL = harnessUrl;
    process.env.HARNESS_SCENARIO = JSON.stringify(scenario);
    writeFileSync(join(run, 'scenario.json'), JSON.stringify(scenario, null, 2));
  } catch (e) {
    await teardown();
    throw e;
  }
  return teardown;
}

// Benchmark: the agent vs. node_exporter + vmagent on the same generated node, both at 1 s, both
// writing to one real VictoriaMetrics, for 60 s. Prints figures; asserts nothing.
//   npm run bench -w agent
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchNode } from './fixture.ts';
import { tickCost } from './tickcost.ts';
import { loadavg } from 'node:os';

const AGENT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const WINDOW_MS = 60_000;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function need(bin: string, pkg: string): string {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: install it with "apt-get install ${pkg}"`);
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime
}

function statusMb(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
const peakRssMb = (pid: number) => statusMb(pid, 'VmHWM');

/** Resident memory of a process at this moment: anonymous (its own) and file-backed (mostly the executable's pages, shared between processes running it). */
function rssSplit(pid: number): { anon: number; file: number } {
  return { anon: statusMb(pid, 'RssAnon'), file: statusMb(pid, 'RssFile') };
}

/** RSS of a Node.js process that runs nothing: the floor under any Node.js agent on this machine. */
async function bareNodeRss(): Promise<{ rss: number; anon: number; file: number }> {
  const child = spawn(process.execPath, ['--max-semi-space-size=1', '-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
  await sleep(1500);
  const figures = { rss: statusMb(child.pid!, 'VmRSS'), ...rssSplit(child.pid!) };
  child.kill('SIGTERM');
  return figures;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

const children: ChildProcess[] = [];
function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let err = '';
  child.stderr!.on('data', (c) => (err = (err + c).slice(-2000)));
  child.on('exit', (code) => {
    if (code !== null && code !== 0) process.stderr.write(`${name} exited with ${code}: ${err}\n`);
  });
  children.push(child);
  return child;
}

interface Series { metric: Record<string, string>; values: number[]; timestamps: number[] }

async function exportSeries(vm: number, match: string, t0: number): Promise<Series[]> {
  const url = `http://127.0.0.1:${vm}/api/v1/export?match[]=${encodeURIComponent(match)}&start=${t0 / 1000 - 5}&end=${(t0 + WINDOW_MS) / 1000 + 5}`;
  const text = await (await fetch(url)).text();
  return text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function figures(series: Series[], t0: number) {
  const counts: number[] = [];
  const off60: string[] = [];
  const offsets: number[] = [];
  for (const s of series) {
    const inWindow = s.timestamps.filter((t) => t >= t0 && t < t0 + WINDOW_MS);
    counts.push(inWindow.length);
    if (inWindow.length !== 60) off60.push(`${s.metric.__name__}{${s.metric.device ?? s.metric.pod ?? ''}}=${inWindow.length}`);
    for (const t of inWindow) {
      const off = t % 1000;
      offsets.push(off > 500 ? off - 1000 : off); // signed distance to the nearest boundary
    }
  }
  const abs = offsets.map(Math.abs).sort((a, b) => a - b);
  counts.sort((a, b) => a - b);
  return {
    series: series.length,
    samplesPerSeriesPerMinute: counts.length ? `min ${counts[0]}, median ${percentile(counts, 50)}, max ${counts[counts.length - 1]}` : 'none',
    exactly60: counts.filter((c) => c === 60).length,
    notSixty: off60.slice(0, 6).join(', '),
    boundaryP50: percentile(abs, 50),
    boundaryP99: percentile(abs, 99),
  };
}

async function main(): Promise<void> {
  const vmBin = need('/usr/bin/victoria-metrics', 'victoria-metrics');
  const vmagentBin = need('/usr/bin/vmagent', 'victoria-metrics');
  const neBin = need('/usr/bin/prometheus-node-exporter', 'prometheus-node-exporter');
  process.stdout.write('building the agent (tsc)...\n');
  execFileSync(process.execPath, [join(AGENT_DIR, '../node_modules/typescript/bin/tsc'), '-p', join(AGENT_DIR, 'tsconfig.build.json')], { stdio: 'inherit' });

  const root = mkdtempSync(join(tmpdir(), 'hifreq-bench-'));
  const node = new BenchNode(join(root, 'node'), join(AGENT_DIR, 'test/fixtures'));
  node.create();
  writeFileSync(join(root, 'pods.json'), node.podFile('bench-node'));
  const [vmPort, agentPort, nePort, vmagentPort, exposeOnlyPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  try {
    start('victoria-metrics', vmBin, [`-storageDataPath=${join(root, 'vm')}`, `-httpListenAddr=127.0.0.1:${vmPort}`, '-search.latencyOffset=1s', '-search.maxStepForPointsAdjustment=0', '-loggerLevel=ERROR']);
    await sleep(1500);
    const vmWrite = `http://127.0.0.1:${vmPort}/api/v1/write`;
    // Started as the Dockerfile's ENTRYPOINT does: node --max-semi-space-size=1 dist/main.js, with its
    // MALLOC_ARENA_MAX=1.
    const agentEnv = { ...process.env, MALLOC_ARENA_MAX: '1' };
    const agent = start('hifreq-agent', process.execPath, ['--max-semi-space-size=1', join(AGENT_DIR, 'dist/main.js'),
      `--path.procfs=${node.procfs}`, `--path.sysfs=${node.sysfs}`, `--web.listen-address=127.0.0.1:${agentPort}`,
      '--node-name=bench-node', '--cluster=bench-agent', '--pods.source=file', `--pods.file=${join(root, 'pods.json')}`,
      '--binding.pod-resources-socket=', `--remote-write.url=${vmWrite}`, `--remote-write.queue-dir=${join(root, 'queue')}`, '--log.level=warn'], agentEnv);
    // The same agent without remote write (collect + expose only), to separate the two costs. Its
    // /metrics is scraped every second (below), as vmagent scrapes node_exporter: equal exposing work.
    const exposeOnly = start('hifreq-agent (no remote write)', process.execPath, ['--max-semi-space-size=1', join(AGENT_DIR, 'dist/main.js'),
      `--path.procfs=${node.procfs}`, `--path.sysfs=${node.sysfs}`, `--web.listen-address=127.0.0.1:${exposeOnlyPort}`,
      '--node-name=bench-node', '--cluster=bench-expose-only', '--pods.source=file', `--pods.file=${join(root, 'pods.json')}`,
      '--binding.pod-resources-socket=', '--log.level=warn'], agentEnv);
    const ne = start('node_exporter', neBin, ['--collector.disable-defaults', '--collector.netdev', '--collector.netclass',
      '--collector.infiniband', '--collector.netstat', '--collector.softnet', '--collector.tcpstat', '--no-collector.netdev.netlink',
      `--path.procfs=${node.procfs}`, `--path.sysfs=${node.sysfs}`, `--web.listen-address=127.0.0.1:${nePort}`, '--log.level=error']);
    writeFileSync(join(root, 'scrape.yml'), `global: {scrape_interval: 1s, scrape_timeout: 900ms}\nscrape_configs:\n  - job_name: node\n    static_configs: [{targets: ["127.0.0.1:${nePort}"]}]\n`);
    const vmagent = start('vmagent', vmagentBin, [`-promscrape.config=${join(root, 'scrape.yml')}`, `-remoteWrite.url=${vmWrite}`,
      '-remoteWrite.label=cluster=bench-baseline', `-remoteWrite.tmpDataPath=${join(root, 'vmagent')}`, `-httpListenAddr=127.0.0.1:${vmagentPort}`, '-loggerLevel=ERROR']);
    // Counters move every second, half a second off the read boundaries.
    await sleep(1500 - (Date.now() % 1000));
    const mover = setInterval(() => node.advance(), 1000);
    const exposeOnlyScraper = setInterval(() => {
      fetch(`http://127.0.0.1:${exposeOnlyPort}/metrics`).then((r) => r.text()).catch(() => undefined);
    }, 1000);
    process.stdout.write('warming up 8 s...\n');
    await sleep(8000);
    const loadBefore = loadavg()[0];
    const t0 = Math.ceil(Date.now() / 1000) * 1000;
    await sleep(t0 - Date.now());
    // Two consecutive windows: the first minute after start-up, in which V8 is still compiling the
    // agent's hot functions (a function run once a second takes a while to get hot), and the
    // minute after it, closer to what the agent costs for the rest of its life.
    const readCpu = () => ({ exposeOnly: cpuSeconds(exposeOnly.pid!), agent: cpuSeconds(agent.pid!), ne: cpuSeconds(ne.pid!), vmagent: cpuSeconds(vmagent.pid!) });
    const perSecond = (a: ReturnType<typeof readCpu>, b: ReturnType<typeof readCpu>) => ({
      exposeOnly: (b.exposeOnly - a.exposeOnly) / (WINDOW_MS / 1000),
      agent: (b.agent - a.agent) / (WINDOW_MS / 1000),
      ne: (b.ne - a.ne) / (WINDOW_MS / 1000),
      vmagent: (b.vmagent - a.vmagent) / (WINDOW_MS / 1000),
    });
    const before = readCpu();
    process.stdout.write(`measuring 2 × ${WINDOW_MS / 1000} s...\n`);
    await sleep(t0 + WINDOW_MS - Date.now());
    const middle = readCpu();
    await sleep(t0 + 2 * WINDOW_MS - Date.now());
    const firstMinute = perSecond(before, middle);
    const cpu = perSecond(middle, readCpu());
    const t1 = t0 + WINDOW_MS;
    const rss = { exposeOnly: peakRssMb(exposeOnly.pid!), agent: peakRssMb(agent.pid!), ne: peakRssMb(ne.pid!), vmagent: peakRssMb(vmagent.pid!) };
    const split = { agent: rssSplit(agent.pid!), exposeOnly: rssSplit(exposeOnly.pid!) };
    clearInterval(mover);
    clearInterval(exposeOnlyScraper);
    const agentMetrics = await (await fetch(`http://127.0.0.1:${agentPort}/metrics`)).text();
    const missedTicks = /^hifreq_agent_missed_ticks_total (\S+)/m.exec(agentMetrics)?.[1] ?? '?';
    const exposed = agentMetrics.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('hifreq_agent_') && !l.startsWith('process_') && !l.startsWith('nodejs_')).length;
    const neMetrics = await (await fetch(`http://127.0.0.1:${nePort}/metrics`)).text();
    const neExposed = neMetrics.split('\n').filter((l) => l && !l.startsWith('#') && /^node_(network|infiniband|netstat|softnet|tcp)/.test(l)).length;
    process.stdout.write('waiting for VictoriaMetrics to make the data searchable...\n');
    await sleep(5000);
    await fetch(`http://127.0.0.1:${vmPort}/internal/force_flush`);
    await sleep(2000);
    // Every 1 s series of three metrics (lo is not bound to a pod: it stays at 15 s by design, so it is left out).
    const match = (cluster: string) => `{cluster="${cluster}",device!="lo",__name__=~"node_infiniband_port_data_received_bytes_total|node_network_receive_bytes_total|container_network_receive_bytes_total"}`;
    const a = figures(await exportSeries(vmPort, match('bench-agent'), t1), t1);
    const b = figures(await exportSeries(vmPort, match('bench-baseline'), t1), t1);
    const a0 = figures(await exportSeries(vmPort, match('bench-agent'), t0), t0);
    const b0 = figures(await exportSeries(vmPort, match('bench-baseline'), t0), t0);
    const loadAfter = loadavg()[0];
    for (const c of children.splice(0).reverse()) c.kill('SIGTERM');
    process.stdout.write('measuring the in-process tick cost (1000 ticks)...\n');
    const tick = await tickCost(join(AGENT_DIR, 'test/fixtures'));
    const bare = await bareNodeRss();
    const baselineCpu = cpu.ne + cpu.vmagent;
    const lines = [
      '',
      'HiFreq agent benchmark: 8 IB ports (28 hw_counters each), 16 NICs, 64 pod interfaces (+64 veths), all at 1 s,',
      'both sides writing to one real VictoriaMetrics (agent: its own remote write; baseline: vmagent scraping node_exporter every 1 s).',
      'All processes run side by side over the same two 60 s windows; CPU is each process\'s own utime + stime from /proc/<pid>/stat',
      '(time it actually ran, not wall-clock time: waiting for a core under load does not count, cache and frequency effects do).',
      'Main figures: the second minute after start-up (9-69 s is the first minute, with V8 still compiling, shown below).',
      '',
      `series exposed                    agent ${exposed}   node_exporter ${neExposed} (network collectors)`,
      `CPU (core-seconds per second)     agent ${(cpu.agent * 100).toFixed(2)}%   baseline ${(baselineCpu * 100).toFixed(2)}% (node_exporter ${(cpu.ne * 100).toFixed(2)}% + vmagent ${(cpu.vmagent * 100).toFixed(2)}%)`,
      `  agent / baseline                ${(cpu.agent / baselineCpu).toFixed(2)} (target ≤ 0.5)`,
      `  agent without remote write      ${(cpu.exposeOnly * 100).toFixed(2)}% (collect + expose, /metrics scraped every 1 s; vs node_exporter alone ${(cpu.exposeOnly / cpu.ne).toFixed(2)})`,
      `  first minute (JIT warm-up)      agent ${(firstMinute.agent * 100).toFixed(2)}% / baseline ${((firstMinute.ne + firstMinute.vmagent) * 100).toFixed(2)}% = ${(firstMinute.agent / (firstMinute.ne + firstMinute.vmagent)).toFixed(2)}; without remote write ${(firstMinute.exposeOnly * 100).toFixed(2)}%, vs node_exporter ${(firstMinute.exposeOnly / firstMinute.ne).toFixed(2)}`,
      `peak RSS                          agent ${rss.agent.toFixed(1)} MB (target ≤ 60)   node_exporter ${rss.ne.toFixed(1)} MB + vmagent ${rss.vmagent.toFixed(1)} MB`,
      `  agent without remote write      ${rss.exposeOnly.toFixed(1)} MB`,
      `  at the end: anonymous + file    agent ${split.agent.anon.toFixed(1)} + ${split.agent.file.toFixed(1)} MB, without remote write ${split.exposeOnly.anon.toFixed(1)} + ${split.exposeOnly.file.toFixed(1)} MB`,
      `  a bare Node.js ${process.version} process ${bare.rss.toFixed(1)} MB (anonymous ${bare.anon.toFixed(1)} + file ${bare.file.toFixed(1)}: the node executable's pages, shared by every Node.js process)`,
      `timestamp distance to the second  agent p50 ${a.boundaryP50} ms, p99 ${a.boundaryP99} ms (target p99 ≤ 20)   baseline p50 ${b.boundaryP50} ms, p99 ${b.boundaryP99} ms`,
      `samples per series per minute     agent ${a.samplesPerSeriesPerMinute} (${a.exactly60}/${a.series} series exactly 60; missed ticks since start: ${missedTicks})`,
      ...(a.notSixty ? [`                                  not 60: ${a.notSixty}`] : []),
      `                                  baseline ${b.samplesPerSeriesPerMinute} (${b.exactly60}/${b.series} series exactly 60)`,
      `  first minute                    agent ${a0.samplesPerSeriesPerMinute} (${a0.exactly60}/${a0.series}), timestamps p50 ${a0.boundaryP50} ms, p99 ${a0.boundaryP99} ms; baseline ${b0.exactly60}/${b0.series} exactly 60`,
      `in-process tick (all ${tick.samples} series due)  user ${tick.userMs.toFixed(2)} ms + system ${tick.systemMs.toFixed(2)} ms CPU per tick = ${((tick.userMs + tick.systemMs) / 10).toFixed(2)}% of a core at 1 s`,
      `machine load (1-min average, 2 cores shared with other work)  ${loadBefore.toFixed(2)} at start, ${loadAfter.toFixed(2)} at end`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    for (const c of children.reverse()) c.kill('SIGTERM');
    await sleep(1000);
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  for (const c of children) c.kill('SIGKILL');
  process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});

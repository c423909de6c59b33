// Side-by-side comparison of agent variants (Node.js flags, environment, another build, with or
// without remote write) on the benchmark node, all running at the same time, so a change is
// measured against the code it replaces under the same machine load. Prints figures per process
// and per thread (main thread vs V8's and libuv's helper threads); asserts nothing.
//   npm run build -w agent && node --import tsx bench/compare.ts [variants.json]
// variants.json: [{"name": "...", "node": ["--max-semi-space-size=1"], "env": {"K": "V"}, "remoteWrite": true, "script": "dist/main.js"}]
// Without a file: the built agent with and without remote write. To compare with older code, build
// it into another directory under agent/ and name its main.js as "script".
// WINDOW_MS (default 60000) and WINDOWS (default 1): consecutive windows after an 8 s warm-up, to
// watch the JIT warm-up settle.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchNode } from './fixture.ts';

const AGENT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const WINDOW_MS = Number(process.env.WINDOW_MS ?? 60_000);
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface Variant { name: string; node?: string[]; env?: Record<string, string>; remoteWrite?: boolean; script?: string }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU seconds per thread name (the main thread carries the process name; V8's and libuv's helpers their own). */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
    } catch {
      // the thread ended
    }
  }
  return out;
}

function statusMb(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  const variants: Variant[] = process.argv[2]
    ? JSON.parse(readFileSync(process.argv[2], 'utf8'))
    : [{ name: 'agent', remoteWrite: true }, { name: 'agent, no remote write', remoteWrite: false }];
  const root = mkdtempSync(join(tmpdir(), 'hifreq-compare-'));
  const node = new BenchNode(join(root, 'node'), join(AGENT_DIR, 'test/fixtures'));
  node.create();
  writeFileSync(join(root, 'pods.json'), node.podFile('bench-node'));
  const children: ChildProcess[] = [];
  try {
    const vmPort = await freePort();
    children.push(spawn('/usr/bin/victoria-metrics', [`-storageDataPath=${join(root, 'vm')}`, `-httpListenAddr=127.0.0.1:${vmPort}`, '-loggerLevel=ERROR'], { stdio: 'ignore' }));
    await sleep(1500);
    const procs: Array<{ v: Variant; child: ChildProcess }> = [];
    for (const [i, v] of variants.entries()) {
      const port = await freePort();
      const args = [...(v.node ?? ['--max-semi-space-size=1']), resolve(AGENT_DIR, v.script ?? 'dist/main.js'),
        `--path.procfs=${node.procfs}`, `--path.sysfs=${node.sysfs}`, `--web.listen-address=127.0.0.1:${port}`,
        '--node-name=bench-node', `--cluster=compare-${i}`, '--pods.source=file', `--pods.file=${join(root, 'pods.json')}`,
        '--binding.pod-resources-socket=', '--log.level=warn',
        ...(v.remoteWrite === false ? [] : [`--remote-write.url=http://127.0.0.1:${vmPort}/api/v1/write`, `--remote-write.queue-dir=${join(root, `queue-${i}`)}`])];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...v.env }, cwd: root });
      children.push(child);
      procs.push({ v, child });
    }
    await sleep(1500 - (Date.now() % 1000));
    const mover = setInterval(() => node.advance(), 1000);
    await sleep(8000);
    // WINDOWS=n: n consecutive windows, to see the JIT warm-up settle.
    const windows = Number(process.env.WINDOWS ?? 1);
    for (let w = 0; w < windows; w++) {
      const load0 = loadavg()[0];
      const before = procs.map((p) => cpuSeconds(p.child.pid!));
      const threadsBefore = procs.map((p) => threadCpu(p.child.pid!));
      await sleep(WINDOW_MS);
      const after = procs.map((p) => cpuSeconds(p.child.pid!));
      const threadsAfter = procs.map((p) => threadCpu(p.child.pid!));
      process.stdout.write(`${WINDOW_MS / 1000} s window from ${Math.round(process.uptime())} s, load average ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}\n`);
      for (const [i, p] of procs.entries()) {
        const pid = p.child.pid!;
        process.stdout.write(`${p.v.name.padEnd(48)} CPU ${(((after[i] - before[i]) / (WINDOW_MS / 1000)) * 100).toFixed(2).padStart(5)}%  ` +
          `peak RSS ${statusMb(pid, 'VmHWM').toFixed(1)} MB  now anon ${statusMb(pid, 'RssAnon').toFixed(1)} + file ${statusMb(pid, 'RssFile').toFixed(1)} MB\n`);
        const threads = [...threadsAfter[i]].map(([name, s]): [string, number] => [name, (s - (threadsBefore[i].get(name) ?? 0)) / (WINDOW_MS / 1000)]);
        process.stdout.write(`${''.padEnd(50)}${threads.filter(([, s]) => s > 0).map(([name, s]) => `${name} ${(s * 100).toFixed(2)}%`).join(', ')}\n`);
      }
    }
    clearInterval(mover);
  } finally {
    for (const c of children.reverse()) c.kill('SIGTERM');
    await sleep(1500);
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`compare failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});

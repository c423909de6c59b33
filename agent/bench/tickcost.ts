// In-process cost of one scheduler tick on the benchmark node (every target due): CPU per tick
// measured over 1000 back-to-back ticks, so it does not depend on timer wake-ups or other load.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from '../src/agent.ts';
import { parseFlags } from '../src/config/flags.ts';
import { BenchNode } from './fixture.ts';

export async function tickCost(fixtures: string): Promise<{ userMs: number; systemMs: number; samples: number }> {
  const root = mkdtempSync(join(tmpdir(), 'hifreq-tick-'));
  try {
    const node = new BenchNode(join(root, 'node'), fixtures);
    node.create();
    writeFileSync(join(root, 'pods.json'), node.podFile('bench-node'));
    const flags = parseFlags([`--path.procfs=${node.procfs}`, `--path.sysfs=${node.sysfs}`, '--web.listen-address=127.0.0.1:0',
      '--node-name=bench-node', '--pods.source=file', `--pods.file=${join(root, 'pods.json')}`, '--binding.pod-resources-socket='], undefined, { env: {} });
    const agent = new Agent({ flags, logger: pino({ level: 'error' }) });
    await agent.start();
    await agent.scheduler.stop(); // drive ticks by hand
    await new Promise((r) => setTimeout(r, 500));
    let T = Math.ceil(Date.now() / 15000) * 15000 + 1000;
    for (let i = 0; i < 200; i++) agent.scheduler.tick((T += 1000));
    const N = 1000;
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) agent.scheduler.tick((T += 1000));
    const c = process.cpuUsage(c0);
    const samples = agent.cache.size;
    await agent.stop();
    return { userMs: c.user / N / 1000, systemMs: c.system / N / 1000, samples };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

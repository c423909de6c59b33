// Runs the real hifreq-agent (src/main.ts) on the collector fixtures of node-1, remote-writing to a URL.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE1 } from './helpers.ts';

const AGENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export class AgentProcess {
  stdout = '';
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(url: string, queueDir: string, podFile: string, cluster: string) {
    this.child = spawn(
      process.execPath,
      [
        '--import', 'tsx', path.join(AGENT_DIR, 'src', 'main.ts'),
        `--path.procfs=${NODE1.procfs}`, `--path.sysfs=${NODE1.sysfs}`, '--web.listen-address=127.0.0.1:0',
        `--cluster=${cluster}`, '--pods.source=file', `--pods.file=${podFile}`, '--binding.pod-resources-socket=',
        '--interval.default=1s', `--remote-write.url=${url}`, `--remote-write.queue-dir=${queueDir}`,
        '--remote-write.retry.max-backoff=2s', '--log.level=warn',
      ],
      { cwd: AGENT_DIR, env: { ...process.env, NODE_NAME: 'node-1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout!.on('data', (chunk) => (this.stdout += chunk));
    this.child.stderr!.on('data', (chunk) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  kill(): Promise<number | null> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  async stop(timeoutMs = 20_000): Promise<number | null> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

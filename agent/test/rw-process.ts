// Runs rw-driver.ts as a child process and collects its JSON-line events.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const AGENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export class DriverProcess {
  readonly written: number[] = [];
  readonly appended: number[] = [];
  readonly events: Record<string, unknown>[] = [];
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(url: string, queueDir: string, series: number, overrides: Record<string, number> = {}) {
    const args = ['--import', 'tsx', path.join(AGENT_DIR, 'test', 'rw-driver.ts'), url, queueDir, String(series)];
    for (const [key, value] of Object.entries(overrides)) args.push(`${key}=${value}`);
    this.child = spawn(process.execPath, args, { cwd: AGENT_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    this.child.stdout!.on('data', (chunk) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const event = JSON.parse(line) as Record<string, unknown>;
        this.events.push(event);
        if (typeof event.written === 'number') this.written.push(event.written);
        if (typeof event.appended === 'number') this.appended.push(event.appended);
      }
    });
    this.child.stderr!.on('data', (chunk) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  kill(): Promise<number | null> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Graceful stop; returns the final status the driver printed. */
  async stop(timeoutMs = 20_000): Promise<Record<string, unknown>> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    const stopped = this.events.find((event) => 'stopped' in event);
    if (code !== 0 || !stopped) throw new Error(`driver exited with ${code} and no final status; stderr: ${this.stderr}`);
    return stopped.status as Record<string, unknown>;
  }
}

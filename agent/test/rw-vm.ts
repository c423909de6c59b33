// Starts and stops a real VictoriaMetrics single-node on a free loopback port for tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { atExitBeforeRemoval, removedAtExit } from './tmpdirs.ts';

export const VM_BINARY = '/usr/bin/victoria-metrics';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export class VictoriaMetrics {
  private child: ChildProcess | undefined;
  private output = '';
  readonly dataDir: string;

  private constructor(readonly port: number) {
    this.dataDir = removedAtExit('rw-vm-');
    atExitBeforeRemoval(() => this.child?.kill('SIGKILL'));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get writeUrl(): string {
    return `${this.baseUrl}/api/v1/write`;
  }

  /** Creates an instance on `port` (default: a free one); start() runs it (again) on that port and data. */
  static async create(port?: number): Promise<VictoriaMetrics> {
    if (!existsSync(VM_BINARY)) {
      throw new Error(`${VM_BINARY} is missing: run "apt-get install victoria-metrics" (these tests need a real VictoriaMetrics)`);
    }
    return new VictoriaMetrics(port ?? (await freePort()));
  }

  static async start(): Promise<VictoriaMetrics> {
    const vm = await VictoriaMetrics.create();
    await vm.start();
    return vm;
  }

  async start(): Promise<void> {
    this.output = '';
    const child = spawn(
      VM_BINARY,
      [
        `-httpListenAddr=127.0.0.1:${this.port}`,
        `-storageDataPath=${this.dataDir}`,
        '-retentionPeriod=100y',
        '-search.latencyOffset=1s',
        '-search.maxStepForPointsAdjustment=0',
        '-search.disableCache',
        '-loggerLevel=ERROR',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (chunk) => (this.output += chunk));
    child.stderr!.on('data', (chunk) => (this.output += chunk));
    this.child = child;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`victoria-metrics exited with ${child.exitCode}: ${this.output}`);
      try {
        const response = await fetch(`${this.baseUrl}/health`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`victoria-metrics did not become healthy within 30 s: ${this.output}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.child = undefined;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  /** Every sample stored for the match, read back exactly (no query-time processing). */
  async exportSeries(match: string): Promise<ExportedSeries[]> {
    const url = `${this.baseUrl}/api/v1/export?match[]=${encodeURIComponent(match)}&start=0`;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`export failed: HTTP ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as ExportedSeries);
  }

  /** Polls export until `done` says the data is complete (new series take up to ~10 s on 1.79.5). */
  async waitForExport(match: string, done: (series: ExportedSeries[]) => boolean, timeoutMs = 60_000): Promise<ExportedSeries[]> {
    const deadline = Date.now() + timeoutMs;
    let series: ExportedSeries[] = [];
    while (Date.now() < deadline) {
      series = await this.exportSeries(match);
      if (done(series)) return series;
      await sleep(500);
    }
    return series;
  }
}

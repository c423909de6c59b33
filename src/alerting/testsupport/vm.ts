// A real VictoriaMetrics single node for tests: started on a free loopback port with its own
// temporary storage, fed through /api/v1/import, queried like the backend does (range query,
// 1 s step, nocache). Needs the Debian `victoria-metrics` package (scripts/install.d/10-apt.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const VM_BINARY = process.env.HIFREQ_VM_BINARY ?? '/usr/bin/victoria-metrics';

export interface ImportSeries {
  labels: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export interface RangeSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A plain node:http request (jest's jsdom environment has no fetch). */
function http(
  method: 'GET' | 'POST',
  url: string,
  body?: string,
  contentType?: string
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (body !== undefined) {
      headers['Content-Type'] = contentType ?? 'text/plain';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) {
      req.write(body);
    }
    req.end();
  });
}

const FORM = 'application/x-www-form-urlencoded';

export class VictoriaMetrics {
  private constructor(
    readonly url: string,
    private readonly proc: ChildProcess,
    private readonly dir: string,
    readonly log: string[]
  ) {}

  static async start(): Promise<VictoriaMetrics> {
    if (!existsSync(VM_BINARY)) {
      throw new Error(
        `${VM_BINARY} not found: install the Debian package victoria-metrics (scripts/install.d/10-apt.sh) or set HIFREQ_VM_BINARY.`
      );
    }
    const dir = mkdtempSync(join(tmpdir(), 'hifreq-alerting-vm-'));
    const port = await freePort();
    const log: string[] = [];
    const proc = spawn(
      VM_BINARY,
      [
        `-storageDataPath=${dir}`,
        `-httpListenAddr=127.0.0.1:${port}`,
        '-retentionPeriod=1',
        '-search.latencyOffset=1s',
        '-search.maxStepForPointsAdjustment=0',
        '-search.disableCache',
        '-loggerLevel=ERROR',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    proc.stdout?.on('data', (d) => log.push(String(d)));
    proc.stderr?.on('data', (d) => log.push(String(d)));
    const vm = new VictoriaMetrics(`http://127.0.0.1:${port}`, proc, dir, log);
    for (let i = 0; i < 150; i++) {
      if (proc.exitCode !== null) {
        break;
      }
      try {
        const r = await http('GET', `${vm.url}/health`);
        if (r.status === 200) {
          return vm;
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await vm.stop();
    throw new Error(`VictoriaMetrics did not become healthy on ${vm.url}: ${log.join('').slice(-2000)}`);
  }

  async import(series: ImportSeries[]): Promise<void> {
    const body = series
      .map((s) => JSON.stringify({ metric: s.labels, values: s.values, timestamps: s.timestamps }))
      .join('\n');
    const r = await http('POST', `${this.url}/api/v1/import`, body);
    if (r.status !== 204 && r.status !== 200) {
      throw new Error(`import failed: HTTP ${r.status} ${r.text}`);
    }
    await http('GET', `${this.url}/internal/force_flush`);
  }

  async queryRange(expr: string, startMs: number, endMs: number, stepMs: number): Promise<RangeSeries[]> {
    const form = new URLSearchParams({
      query: expr,
      start: String(startMs / 1000),
      end: String(endMs / 1000),
      step: `${stepMs}ms`,
      nocache: '1',
    });
    const r = await http('POST', `${this.url}/api/v1/query_range`, form.toString(), FORM);
    const text = r.text;
    if (r.status !== 200) {
      throw new Error(`query_range failed: HTTP ${r.status} ${text}\nquery: ${expr}`);
    }
    return JSON.parse(text).data.result as RangeSeries[];
  }

  /** Count of series matching a selector over a window; used to wait until new series are searchable. */
  async seriesCount(match: string, startMs: number, endMs: number): Promise<number> {
    const form = new URLSearchParams({ 'match[]': match, start: String(startMs / 1000), end: String(endMs / 1000) });
    const r = await http('POST', `${this.url}/api/v1/series`, form.toString(), FORM);
    if (r.status !== 200) {
      throw new Error(`series failed: HTTP ${r.status} ${r.text}`);
    }
    return (JSON.parse(r.text).data as unknown[]).length;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (this.proc.exitCode === null) {
        this.proc.kill('SIGKILL');
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

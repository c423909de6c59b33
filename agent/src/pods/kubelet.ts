// The `kubelet` pod source: polls the local kubelet's /pods (a PodList) with the service-account
// bearer token (re-read every poll, as projected tokens rotate).
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fromKubernetesPod, type Pod, type PodSource } from './pod.ts';

export interface KubeletOptions {
  url: string;
  tokenFile?: string;
  insecureTls: boolean;
  pollMs: number;
  timeoutMs?: number;
}

export class KubeletPodSource implements PodSource {
  readonly name = 'kubelet';
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastJson = '';
  private lastError = '';

  constructor(private readonly opts: KubeletOptions, private readonly nodeName: string) {
    try {
      new URL(opts.url);
    } catch {
      throw new Error(`invalid --pods.kubelet-url ${JSON.stringify(opts.url)}: expected a URL such as https://127.0.0.1:10250`);
    }
  }

  async start(onPods: (pods: Pod[]) => void, onError: (message: string) => void): Promise<void> {
    const poll = async () => {
      try {
        const body = await this.fetchPods();
        const pods = ((body?.items ?? []) as unknown[]).map(fromKubernetesPod).filter((p): p is Pod => p !== undefined && (!p.nodeName || p.nodeName === this.nodeName));
        this.lastError = '';
        const json = JSON.stringify(pods);
        if (json !== this.lastJson) {
          this.lastJson = json;
          onPods(pods);
        }
      } catch (err) {
        const message = `polling the kubelet ${this.opts.url}/pods failed: ${(err as Error).message}; keeping the last pod list`;
        if (message !== this.lastError) {
          this.lastError = message;
          onError(message);
        }
      }
      if (!this.stopped) this.timer = setTimeout(poll, this.opts.pollMs);
    };
    await poll();
  }

  private fetchPods(): Promise<any> {
    const url = new URL('/pods', this.opts.url);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.opts.tokenFile) {
      let token: string;
      try {
        token = readFileSync(this.opts.tokenFile, 'utf8').trim();
      } catch (err) {
        return Promise.reject(new Error(`cannot read --pods.kubelet-token-file ${this.opts.tokenFile}: ${(err as NodeJS.ErrnoException).code}`));
      }
      headers.Authorization = `Bearer ${token}`;
    }
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { headers, rejectUnauthorized: !this.opts.insecureTls, timeout: this.opts.timeoutMs ?? 5000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            const hint = res.statusCode === 401 || res.statusCode === 403 ? ' (check the token and the RBAC rule for nodes/proxy or nodes/pods)' : '';
            reject(new Error(`HTTP ${res.statusCode}${hint}: ${text.slice(0, 200).trim()}`));
            return;
          }
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new Error(`response is not JSON: ${JSON.stringify(text.slice(0, 80))}`));
          }
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

// One remote-write HTTP POST: headers, auth, TLS, and a classification of the answer.
import http from 'node:http';
import type https from 'node:https';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RemoteWriteConfig } from './config.ts';

export type SendOutcome =
  | { kind: 'ok'; status: number }
  /** Worth trying again: 5xx, 429, network errors and timeouts. */
  | { kind: 'retry'; status?: number; message: string; retryAfterMs?: number }
  /** Never retried: other 4xx; the batch is dropped. */
  | { kind: 'reject'; status: number; message: string };

const MAX_ERROR_BODY_BYTES = 1024;

// Node's https (with TLS and OpenSSL's bindings, about 2 MB of RSS) is loaded only for https URLs.
const require = createRequire(import.meta.url);

function readSecretFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new Error(`cannot read ${what} "${file}" (${(error as Error).message}): mount the secret there or fix the path`);
  }
}

/** Parses Retry-After (delay seconds or an HTTP date) into milliseconds from now. */
export function parseRetryAfter(header: string | undefined, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const dateMs = Date.parse(trimmed);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}

export class RemoteWriteHttpClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly config: RemoteWriteConfig;

  constructor(url: string, config: RemoteWriteConfig) {
    this.url = new URL(url);
    this.config = config;
    if (this.url.protocol === 'https:') {
      const https = require('node:https') as typeof import('node:https');
      this.transport = https;
      this.agent = new https.Agent({
        keepAlive: true,
        maxSockets: 1,
        ca: config.tls.caFile ? readSecretFile(config.tls.caFile, '--remote-write.tls.ca-file') : undefined,
        rejectUnauthorized: !config.tls.insecureSkipVerify,
      });
    } else {
      this.transport = http;
      this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    }
    // Read once at start so a missing secret is a start-up error, not a failure per request.
    this.authorization();
  }

  /** Secrets are re-read per request so a rotated Kubernetes Secret takes effect without restart. */
  private authorization(): string | undefined {
    const { auth } = this.config;
    if (auth.bearerTokenFile) return `Bearer ${readSecretFile(auth.bearerTokenFile, '--remote-write.bearer-token-file')}`;
    if (auth.basicAuthUsername && auth.basicAuthPasswordFile) {
      const password = readSecretFile(auth.basicAuthPasswordFile, '--remote-write.basic-auth.password-file');
      return `Basic ${Buffer.from(`${auth.basicAuthUsername}:${password}`).toString('base64')}`;
    }
    if (this.url.username) {
      return `Basic ${Buffer.from(`${decodeURIComponent(this.url.username)}:${decodeURIComponent(this.url.password)}`).toString('base64')}`;
    }
    return undefined;
  }

  send(body: Buffer): Promise<SendOutcome> {
    let authorization: string | undefined;
    try {
      authorization = this.authorization();
    } catch (error) {
      return Promise.resolve({ kind: 'retry', message: (error as Error).message });
    }
    const headers: http.OutgoingHttpHeaders = {
      ...this.config.headers,
      'Content-Encoding': 'snappy',
      'Content-Type': 'application/x-protobuf',
      'X-Prometheus-Remote-Write-Version': '0.1.0',
      'User-Agent': this.config.userAgent,
      'Content-Length': body.byteLength,
    };
    if (authorization) headers.Authorization = authorization;
    return new Promise((resolve) => {
      const request = this.transport.request(
        this.url,
        { method: 'POST', headers, agent: this.agent, timeout: this.config.requestTimeoutMs },
        (response) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          response.on('data', (chunk: Buffer) => {
            if (kept < MAX_ERROR_BODY_BYTES) {
              chunks.push(chunk);
              kept += chunk.byteLength;
            }
          });
          response.on('error', (error) => resolve({ kind: 'retry', message: `response aborted: ${error.message}` }));
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8').trim();
            const message = `HTTP ${status}${text ? `: ${text}` : ''}`;
            if (status >= 200 && status < 300) resolve({ kind: 'ok', status });
            else if (status === 429 || status >= 500) {
              resolve({ kind: 'retry', status, message, retryAfterMs: parseRetryAfter(response.headers['retry-after']) });
            } else resolve({ kind: 'reject', status, message });
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.config.requestTimeoutMs} ms`)));
      request.on('error', (error: NodeJS.ErrnoException) => {
        resolve({ kind: 'retry', message: error.code ? `${error.code}: ${error.message}` : error.message });
      });
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

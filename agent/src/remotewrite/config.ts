// Remote-write configuration: one entry per target URL plus shared queue and pacing settings.

export interface RemoteWriteAuth {
  bearerTokenFile?: string;
  basicAuthUsername?: string;
  basicAuthPasswordFile?: string;
}

export interface RemoteWriteTls {
  caFile?: string;
  insecureSkipVerify?: boolean;
}

export interface RemoteWriteConfig {
  urls: string[];
  queueDir: string;
  /** Bound on each URL's on-disk queue. */
  maxQueueBytes: number;
  maxSamplesPerRequest: number;
  /** Samples per second each URL may send (catch-up pacing); 0 means unlimited. */
  catchUpSamplesPerSecond: number;
  /** 0 fsyncs after every append; otherwise at most this many ms of appends are unsynced. */
  fsyncIntervalMs: number;
  auth: RemoteWriteAuth;
  tls: RemoteWriteTls;
  headers: Record<string, string>;
  minBackoffMs: number;
  maxBackoffMs: number;
  requestTimeoutMs: number;
  userAgent: string;
}

/**
 * Defaults of a RemoteWriteConfig built without flags (withDefaults). The flag table states the
 * same values in text form: --remote-write.max-queue-bytes=1GiB (src/config/flags.ts) and
 * --remote-write.fsync-interval=1s (flags.ts); test/remotewrite-queue.test.ts asserts that the
 * parsed flag defaults equal these.
 */
export const REMOTE_WRITE_DEFAULTS = {
  maxQueueBytes: 1024 * 1024 * 1024,
  maxSamplesPerRequest: 10_000,
  catchUpSamplesPerSecond: 50_000,
  fsyncIntervalMs: 1000,
  minBackoffMs: 500,
  maxBackoffMs: 10_000,
  requestTimeoutMs: 30_000,
  userAgent: 'hifreq-agent/0.1.0',
} as const;

export type RemoteWriteOptions = Partial<RemoteWriteConfig> & Pick<RemoteWriteConfig, 'urls' | 'queueDir'>;

export function withDefaults(options: RemoteWriteOptions): RemoteWriteConfig {
  return {
    ...REMOTE_WRITE_DEFAULTS,
    auth: {},
    tls: {},
    headers: {},
    ...options,
  };
}

/** Checks a config and returns every problem as a sentence that says how to fix it. */
export function validateConfig(config: RemoteWriteConfig): string[] {
  const problems: string[] = [];
  for (const url of config.urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      problems.push(`--remote-write.url "${url}" is not a valid URL: give an absolute http(s) URL such as http://127.0.0.1:8428/api/v1/write`);
      continue;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      problems.push(`--remote-write.url "${url}" uses ${parsed.protocol} : only http: and https: are supported`);
    }
  }
  if (new Set(config.urls).size !== config.urls.length) {
    problems.push('--remote-write.url is given twice with the same URL: give each URL once');
  }
  if (config.urls.length > 0 && !config.queueDir) {
    problems.push('--remote-write.queue-dir is required with --remote-write.url: give a writable directory for the on-disk queue');
  }
  const positive: [keyof RemoteWriteConfig, string][] = [
    ['maxQueueBytes', '--remote-write.max-queue-bytes'],
    ['maxSamplesPerRequest', '--remote-write.max-samples-per-request'],
  ];
  for (const [key, flag] of positive) {
    const value = config[key] as number;
    if (!Number.isInteger(value) || value <= 0) problems.push(`${flag} must be a positive integer, got ${value}`);
  }
  if (!(config.catchUpSamplesPerSecond >= 0)) {
    problems.push(`--remote-write.catch-up-rate must be 0 (unlimited) or a positive number of samples per second, got ${config.catchUpSamplesPerSecond}`);
  }
  if (!(config.fsyncIntervalMs >= 0)) {
    problems.push(`--remote-write.fsync-interval must be 0 (fsync every append) or a positive duration, got ${config.fsyncIntervalMs} ms`);
  }
  if (config.auth.bearerTokenFile && (config.auth.basicAuthUsername || config.auth.basicAuthPasswordFile)) {
    problems.push('--remote-write.bearer-token-file and --remote-write.basic-auth.* exclude each other: choose one');
  }
  if (!!config.auth.basicAuthUsername !== !!config.auth.basicAuthPasswordFile) {
    problems.push('basic auth needs both --remote-write.basic-auth.username and --remote-write.basic-auth.password-file');
  }
  for (const name of Object.keys(config.headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      problems.push(`--remote-write.header "${name}" is not a valid HTTP header name`);
    }
  }
  return problems;
}

/** The URL without user info, safe for logs, metrics labels and status pages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

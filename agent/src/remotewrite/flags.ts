// Remote-write flags beyond the core's --remote-write.{url,queue-dir,max-queue-bytes}, and the
// mapping from parsed flag values to a RemoteWriteConfig.
import type { FlagSpec, FlagValues } from '../config/flags.ts';
import { REMOTE_WRITE_DEFAULTS, type RemoteWriteConfig } from './config.ts';

export const remoteWriteFlags: FlagSpec[] = [
  { name: 'remote-write.bearer-token-file', kind: 'string', help: 'File holding a bearer token sent as "Authorization: Bearer <token>" (re-read per request, so a rotated Secret works).' },
  { name: 'remote-write.basic-auth.username', kind: 'string', help: 'Basic-auth user name (needs --remote-write.basic-auth.password-file).' },
  { name: 'remote-write.basic-auth.password-file', kind: 'string', help: 'File holding the basic-auth password.' },
  { name: 'remote-write.tls.ca-file', kind: 'string', help: 'PEM file of CA certificates trusted for https remote-write URLs.' },
  { name: 'remote-write.tls.insecure-skip-verify', kind: 'bool', default: 'false', help: 'Do not verify the server certificate of https remote-write URLs.' },
  { name: 'remote-write.header', kind: 'strings', default: [], help: 'Extra HTTP header "Name: value" on every remote-write request (repeatable), e.g. "X-Scope-OrgID: team-a".' },
  { name: 'remote-write.max-samples-per-request', kind: 'int', default: String(REMOTE_WRITE_DEFAULTS.maxSamplesPerRequest), min: 1, help: 'Largest number of samples in one request; a bigger tick is split, a backlog is sent in requests of up to this size.' },
  { name: 'remote-write.catch-up-rate', kind: 'int', default: String(REMOTE_WRITE_DEFAULTS.catchUpSamplesPerSecond), min: 0, help: 'Samples per second each URL may send while catching up a backlog (0: unlimited); protects a central VictoriaMetrics when a whole cluster reconnects.' },
  { name: 'remote-write.fsync-interval', kind: 'duration', default: '1s', min: 0, help: 'How often queued data is fsynced (0: after every tick). Bounds what a power loss can take; a crashed or killed agent loses nothing appended.' },
  { name: 'remote-write.retry.min-backoff', kind: 'duration', default: `${REMOTE_WRITE_DEFAULTS.minBackoffMs}ms`, min: 1, help: 'First wait before retrying a failed request (doubles per failure, with jitter).' },
  { name: 'remote-write.retry.max-backoff', kind: 'duration', default: `${REMOTE_WRITE_DEFAULTS.maxBackoffMs}ms`, min: 1, help: 'Longest wait between retries (a server\'s Retry-After may ask for longer and is honoured).' },
  { name: 'remote-write.timeout', kind: 'duration', default: `${REMOTE_WRITE_DEFAULTS.requestTimeoutMs}ms`, min: 1, help: 'Time limit of one remote-write request.' },
];

/** Parses repeated "Name: value" header flags. */
export function parseHeaders(entries: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    if (colon <= 0) {
      throw new Error(`invalid --remote-write.header ${JSON.stringify(entry)}: expected "Name: value", e.g. "X-Scope-OrgID: team-a"`);
    }
    headers[entry.slice(0, colon).trim()] = entry.slice(colon + 1).trim();
  }
  return headers;
}

function optionalString(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function numberOr(values: FlagValues, name: string, fallback: number): number {
  const value = values[name];
  return typeof value === 'number' ? value : fallback;
}

export function remoteWriteConfigFromFlags(values: FlagValues, userAgent: string = REMOTE_WRITE_DEFAULTS.userAgent): RemoteWriteConfig {
  const urls = values['remote-write.url'];
  return {
    urls: Array.isArray(urls) ? urls : typeof urls === 'string' ? [urls] : [],
    queueDir: optionalString(values, 'remote-write.queue-dir') ?? '',
    maxQueueBytes: numberOr(values, 'remote-write.max-queue-bytes', REMOTE_WRITE_DEFAULTS.maxQueueBytes),
    maxSamplesPerRequest: numberOr(values, 'remote-write.max-samples-per-request', REMOTE_WRITE_DEFAULTS.maxSamplesPerRequest),
    catchUpSamplesPerSecond: numberOr(values, 'remote-write.catch-up-rate', REMOTE_WRITE_DEFAULTS.catchUpSamplesPerSecond),
    fsyncIntervalMs: numberOr(values, 'remote-write.fsync-interval', REMOTE_WRITE_DEFAULTS.fsyncIntervalMs),
    minBackoffMs: numberOr(values, 'remote-write.retry.min-backoff', REMOTE_WRITE_DEFAULTS.minBackoffMs),
    maxBackoffMs: numberOr(values, 'remote-write.retry.max-backoff', REMOTE_WRITE_DEFAULTS.maxBackoffMs),
    requestTimeoutMs: numberOr(values, 'remote-write.timeout', REMOTE_WRITE_DEFAULTS.requestTimeoutMs),
    auth: {
      bearerTokenFile: optionalString(values, 'remote-write.bearer-token-file'),
      basicAuthUsername: optionalString(values, 'remote-write.basic-auth.username'),
      basicAuthPasswordFile: optionalString(values, 'remote-write.basic-auth.password-file'),
    },
    tls: {
      caFile: optionalString(values, 'remote-write.tls.ca-file'),
      insecureSkipVerify: values['remote-write.tls.insecure-skip-verify'] === true,
    },
    headers: parseHeaders((values['remote-write.header'] as string[] | undefined) ?? []),
    userAgent,
  };
}

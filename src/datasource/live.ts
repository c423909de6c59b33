import type { HiFreqQuery } from './types';

/**
 * Encodes one component of a Live channel path as the backend expects (docs/backend.md "Live
 * streaming"): Grafana Live allows only `A-Z a-z 0-9 _ - .` (and `/` between components), so
 * every other byte is written `=XX` (uppercase hex of its UTF-8 bytes). Empty means any (`*`).
 */
export function encodeChannelComponent(value: string | undefined): string {
  const v = value === undefined || value === '' ? '*' : value;
  return v.replace(/[^A-Za-z0-9_.-]/gu, (c) =>
    Array.from(new TextEncoder().encode(c), (b) => '=' + b.toString(16).toUpperCase().padStart(2, '0')).join('')
  );
}

/**
 * The Live channel path of a signal query, as the backend's StreamPathOf writes it:
 * `signal/<cluster>/<job>/<signal>/<node>/<device>/<groupBy>`, or `signal/<cluster>/<job>/<signal>`
 * when the query has no node, device or groupBy. Empty components are `*` (any; for groupBy the
 * signal's default grouping).
 */
export function streamPath(q: Pick<HiFreqQuery, 'cluster' | 'job' | 'signal' | 'node' | 'device' | 'groupBy'>): string {
  if (!q.signal) {
    throw new Error('Live needs a signal: pick one in the query editor.');
  }
  const parts = ['signal', q.cluster, q.job, q.signal];
  if (q.node || q.device || q.groupBy) {
    parts.push(q.node, q.device, q.groupBy);
  }
  return parts.map((p, i) => (i === 0 ? p : encodeChannelComponent(p))).join('/');
}

/** Grafana Live refuses channels (`ds/<uid>/<path>`) longer than this. */
export const LIVE_CHANNEL_MAX_LENGTH = 160;

/** Why a query cannot stream through Grafana Live (its channel is too long), or undefined. */
export function liveChannelError(uid: string, path: string): string | undefined {
  const n = `ds/${uid}/${path}`.length;
  if (n <= LIVE_CHANNEL_MAX_LENGTH) {
    return undefined;
  }
  return `The Live channel of this query is ${n} characters, over Grafana Live's ${LIVE_CHANNEL_MAX_LENGTH} (every character other than A-Z a-z 0-9 _ - . takes 3): pick fewer nodes or devices, or turn Live off`;
}

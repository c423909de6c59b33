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

/** The Live channel path of a signal query: `signal/<cluster>/<job>/<signal>`. */
export function streamPath(q: Pick<HiFreqQuery, 'cluster' | 'job' | 'signal'>): string {
  if (!q.signal) {
    throw new Error('Live needs a signal: pick one in the query editor.');
  }
  return ['signal', encodeChannelComponent(q.cluster), encodeChannelComponent(q.job), encodeChannelComponent(q.signal)].join('/');
}

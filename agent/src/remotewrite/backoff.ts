// Exponential backoff with jitter for retries of one batch.

/** A Retry-After beyond this (e.g. a misconfigured proxy asking for a day) is cut to it. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Next wait: min·2^attempt capped at max, jittered to 50-100 % so that many agents retrying the
   * same server spread out. A server's Retry-After (up to 5 minutes) is a floor, never shortened
   * by jitter.
   */
  next(retryAfterMs?: number): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    this.attempt++;
    const jittered = Math.round(ceiling * (0.5 + 0.5 * this.random()));
    return retryAfterMs === undefined ? jittered : Math.max(Math.min(retryAfterMs, MAX_RETRY_AFTER_MS), jittered);
  }

  reset(): void {
    this.attempt = 0;
  }
}

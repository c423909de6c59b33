// Exponential backoff with jitter for retries of one batch.

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Next wait: min·2^attempt capped at max, jittered to 50-100 % so that many agents retrying the
   * same server spread out. A server's Retry-After is a floor, never shortened by jitter.
   */
  next(retryAfterMs?: number): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    this.attempt++;
    const jittered = Math.round(ceiling * (0.5 + 0.5 * this.random()));
    return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
  }

  reset(): void {
    this.attempt = 0;
  }
}

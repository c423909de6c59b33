// Exponential backoff with a ceiling, reset after a period without failures.
export class Backoff {
  private delay: number;
  private lastFailure = 0;

  constructor(private readonly initialMs = 500, private readonly maxMs = 30_000, private readonly resetAfterMs = 60_000) {
    this.delay = initialMs;
  }

  /** The delay before the next attempt after a failure now. */
  next(nowMs = Date.now()): number {
    if (nowMs - this.lastFailure > this.resetAfterMs) this.delay = this.initialMs;
    this.lastFailure = nowMs;
    const d = this.delay;
    this.delay = Math.min(this.delay * 2, this.maxMs);
    return d;
  }
}

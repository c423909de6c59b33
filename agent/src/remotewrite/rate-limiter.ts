// Token bucket in samples per second, pacing catch-up so a reconnecting cluster cannot flatten
// the central VictoriaMetrics.

export class SampleRateLimiter {
  private tokens: number;
  private lastRefillMs: number;

  /** samplesPerSecond 0 means unlimited. The bucket holds one second of tokens. */
  constructor(private readonly samplesPerSecond: number, private readonly now: () => number = () => performance.now()) {
    this.tokens = samplesPerSecond;
    this.lastRefillMs = now();
  }

  /** Milliseconds to wait before `samples` may be sent; takes the tokens (possibly into debt). */
  reserve(samples: number): number {
    if (this.samplesPerSecond === 0) return 0;
    const now = this.now();
    this.tokens = Math.min(this.samplesPerSecond, this.tokens + ((now - this.lastRefillMs) * this.samplesPerSecond) / 1000);
    this.lastRefillMs = now;
    this.tokens -= samples;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.samplesPerSecond);
  }
}

/**
 * A per-process token bucket: `ratePerSecond` tokens a second, bursts up to one second's worth.
 * `take()` resolves when a token is available. Real time on purpose: it paces the provider, not
 * the business clock that tests freeze.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = ratePerSecond;
    this.last = this.now();
  }

  /** Waits for one token; callers are served in order. */
  take(): Promise<void> {
    const next = this.queue.then(() => this.acquire());
    this.queue = next;
    return next;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(
      this.ratePerSecond,
      this.tokens + ((t - this.last) / 1000) * this.ratePerSecond,
    );
    this.last = t;
  }

  private async acquire(): Promise<void> {
    this.refill();
    while (this.tokens < 1) {
      const waitMs = ((1 - this.tokens) / this.ratePerSecond) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(waitMs))));
      this.refill();
    }
    this.tokens -= 1;
  }
}

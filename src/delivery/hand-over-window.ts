/**
 * How many messages one sender instance may have marked `sending` without their outcome recorded:
 * exactly what a crash of the instance turns into `unknown`. Callers take room for a group before
 * marking it and give it back once the group's outcome is committed. Waiters are served in order,
 * so a large group is not starved by small ones.
 */
export class HandOverWindow {
  private used = 0;
  private readonly waiting: { n: number; go: () => void }[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('window size must be ≥ 1');
  }

  /** Messages marked and not yet recorded. */
  get inUse(): number {
    return this.used;
  }

  /** Resolves once `n` (at most the window's size) more messages may be marked. */
  acquire(n: number): Promise<void> {
    if (n < 1 || n > this.size) throw new RangeError(`cannot take ${n} of ${this.size}`);
    if (!this.waiting.length && this.used + n <= this.size) {
      this.used += n;
      return Promise.resolve();
    }
    return new Promise((go) => this.waiting.push({ n, go }));
  }

  release(n: number): void {
    if (n > this.used) throw new Error('hand-over window released more than it held');
    this.used -= n;
    while (this.waiting.length && this.used + this.waiting[0].n <= this.size) {
      const next = this.waiting.shift()!;
      this.used += next.n;
      next.go();
    }
  }
}

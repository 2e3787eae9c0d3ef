import { nextAttemptAt, RETRY_FOR_MS } from './webhook-backoff';

describe('webhook back-off', () => {
  const t0 = new Date('2026-11-23T12:00:00Z');
  const after = (ms: number) => new Date(t0.getTime() + ms);

  it('waits longer after each failure', () => {
    const waits = [1, 2, 3, 4, 5].map((n) => nextAttemptAt(n, t0, t0)!.getTime() - t0.getTime());
    expect(waits).toEqual([...waits].sort((a, b) => a - b));
    expect(new Set(waits).size).toBe(5);
    expect(waits[0]).toBeLessThanOrEqual(10_000);
  });

  it('keeps trying for a day, then gives up', () => {
    let now = t0;
    let attempts = 0;
    for (;;) {
      attempts++;
      const next = nextAttemptAt(attempts, t0, now);
      if (!next) break;
      now = next;
      expect(attempts).toBeLessThan(100);
    }
    expect(now.getTime()).toBeLessThanOrEqual(after(RETRY_FOR_MS).getTime());
    expect(now.getTime()).toBeGreaterThan(after(RETRY_FOR_MS - 5 * 3600_000).getTime());
    expect(nextAttemptAt(1, t0, after(RETRY_FOR_MS))).toBeNull();
  });
});

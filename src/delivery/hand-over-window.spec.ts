import { HandOverWindow } from './hand-over-window';

const tick = () => new Promise((r) => setImmediate(r));

describe('HandOverWindow', () => {
  it('never lets more than its size be held, across 100 concurrent groups', async () => {
    const w = new HandOverWindow(10);
    let peak = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const n = (i % 5) + 1;
        await w.acquire(n);
        peak = Math.max(peak, w.inUse);
        await tick();
        w.release(n);
        done++;
      }),
    );
    expect(done).toBe(100);
    expect(peak).toBeLessThanOrEqual(10);
    expect(peak).toBeGreaterThan(5);
    expect(w.inUse).toBe(0);
  });

  it('serves waiters in order: a large group is not overtaken by small ones', async () => {
    const w = new HandOverWindow(10);
    await w.acquire(6);
    const order: string[] = [];
    const big = w.acquire(10).then(() => order.push('big'));
    const small = w.acquire(1).then(() => order.push('small'));
    await tick();
    expect(order).toEqual([]);
    w.release(6);
    await big;
    expect(order).toEqual(['big']);
    w.release(10);
    await small;
    expect(order).toEqual(['big', 'small']);
  });

  it('refuses groups larger than the window and over-release', () => {
    const w = new HandOverWindow(5);
    expect(() => w.acquire(6)).toThrow(RangeError);
    expect(() => w.acquire(0)).toThrow(RangeError);
    expect(() => w.release(1)).toThrow('released more');
    expect(() => new HandOverWindow(0)).toThrow(RangeError);
  });
});

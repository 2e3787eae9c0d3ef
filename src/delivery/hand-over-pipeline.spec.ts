import { HandOverPipeline, type HandOverJob } from './hand-over-pipeline';
import { HandOverWindow } from './hand-over-window';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** A fake database: what is marked and not yet recorded, as a crash would find it. */
function fakeStep(opts: { refuse?: Set<string>; failOnce?: boolean } = {}) {
  const marked = new Set<string>();
  const recorded: string[] = [];
  const groups: string[][] = [];
  let peak = 0;
  let failed = false;
  const step = async (done: { job: HandOverJob<string>; result: string }[], mark: string[]) => {
    await tick(1);
    if (opts.failOnce && !failed && mark.length) {
      failed = true;
      throw new Error('connection lost');
    }
    for (const d of done) {
      marked.delete(d.job.key);
      recorded.push(d.job.key);
    }
    const out = new Map<string, number>();
    for (const k of mark) {
      if (opts.refuse?.has(k)) continue;
      marked.add(k);
      out.set(k, 1);
    }
    if (mark.length) groups.push(mark);
    peak = Math.max(peak, marked.size);
    return { recorded: new Set(done.map((d) => d.job.key)), marked: out };
  };
  return { step, marked, recorded, groups, peak: () => peak };
}

const job = (key: string, lane = 'email', groupLimit = 5): HandOverJob<string> => ({
  key,
  lane,
  groupLimit,
  pace: () => Promise.resolve(),
  // Hand-overs of varied length, so groups finish out of order.
  run: async () => {
    await tick(Number.parseInt(key.replace(/\D/g, ''), 10) % 4);
    return `sent:${key}`;
  },
});

describe('HandOverPipeline', () => {
  it('hands 150 jobs over from several batches with never more than the window marked and unrecorded', async () => {
    const db = fakeStep();
    const window = new HandOverWindow(10);
    const p = new HandOverPipeline<string>(window, db.step);
    const batches = [0, 1, 2, 3].map((b) =>
      p.submit(Array.from({ length: 150 / 5 + (b < 2 ? 30 : 0) }, (_, i) => job(`j${b}-${i}`))),
    );
    const results = (await Promise.all(batches)).flat();
    expect(results.every((r) => r?.startsWith('sent:'))).toBe(true);
    expect(db.recorded).toHaveLength(results.length);
    expect(new Set(db.recorded).size).toBe(results.length);
    expect(db.peak()).toBeLessThanOrEqual(10);
    expect(db.peak()).toBeGreaterThan(5);
    expect(db.marked.size).toBe(0);
    expect(window.inUse).toBe(0);
    expect(Math.max(...db.groups.map((g) => g.length))).toBeLessThanOrEqual(5);
  });

  it('groups one lane at a time, no larger than its transport concurrency', async () => {
    const db = fakeStep();
    const p = new HandOverPipeline<string>(new HandOverWindow(10), db.step);
    await p.submit([
      ...Array.from({ length: 7 }, (_, i) => job(`e${i}`, 'email', 3)),
      ...Array.from({ length: 7 }, (_, i) => job(`s${i}`, 'sms', 10)),
    ]);
    for (const g of db.groups) {
      const lanes = new Set(g.map((k) => k[0]));
      expect(lanes.size).toBe(1);
      if (g[0].startsWith('e')) expect(g.length).toBeLessThanOrEqual(3);
    }
  });

  it('a job the step could not mark (cancelled meanwhile) is not handed over and resolves empty', async () => {
    const db = fakeStep({ refuse: new Set(['k1']) });
    const ran: string[] = [];
    const p = new HandOverPipeline<string>(new HandOverWindow(10), db.step);
    const results = await p.submit(
      ['k0', 'k1', 'k2'].map((k) => ({ ...job(k), run: async () => (ran.push(k), `sent:${k}`) })),
    );
    expect(results).toEqual(['sent:k0', undefined, 'sent:k2']);
    expect(ran).toEqual(['k0', 'k2']);
  });

  it('a failed step rejects its jobs, gives their room back and goes on with the rest', async () => {
    const db = fakeStep({ failOnce: true });
    const window = new HandOverWindow(10);
    const p = new HandOverPipeline<string>(window, db.step);
    const first = p.submit([job('a0'), job('a1')]);
    const second = p.submit([job('b0')]);
    await expect(first).rejects.toThrow('connection lost');
    await expect(second).resolves.toEqual(['sent:b0']);
    expect(window.inUse).toBe(0);
  });
});

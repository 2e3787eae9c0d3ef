import { judge, MIN_GROUP_SIZE } from './verdict';

/** A deterministic population: `rate` of `n` convert (no sampling noise in the rule tests). */
const group = (n: number, rate: number) => ({ customers: n, converted: Math.round(n * rate) });

/** Seeded uniform numbers, so the simulated populations are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
function simulate(n: number, rate: number, random: () => number) {
  let converted = 0;
  for (let i = 0; i < n; i++) if (random() < rate) converted++;
  return { customers: n, converted };
}

describe('judge', () => {
  it('says "helped" when a real effect lifts the interval above 0', () => {
    const random = rng(17);
    const r = judge(simulate(4000, 0.12, random), simulate(1000, 0.06, random));
    expect(r.verdict).toBe('helped');
    expect(r.uplift!.low).toBeGreaterThan(0);
    expect(r.uplift!.absolute).toBeGreaterThan(0.03);
  });

  it('gives an interval around 0 when the campaign changes nothing', () => {
    const random = rng(42);
    const r = judge(simulate(4000, 0.08, random), simulate(1000, 0.08, random));
    expect(r.verdict).toBe('no_measurable_effect');
    expect(r.uplift!.low).toBeLessThan(0);
    expect(r.uplift!.high).toBeGreaterThan(0);
    expect(r.uplift!.high - r.uplift!.low).toBeLessThan(0.06);
  });

  it('says "hurt" when the treated convert clearly less', () => {
    expect(judge(group(2000, 0.05), group(2000, 0.09)).verdict).toBe('hurt');
  });

  it('has not enough data without a holdout or with small groups', () => {
    expect(judge(group(500, 0.1), { customers: 0, converted: 0 })).toEqual({
      uplift: null,
      verdict: 'not_enough_data',
    });
    const small = judge(group(MIN_GROUP_SIZE - 1, 0.9), group(500, 0.01));
    expect(small.verdict).toBe('not_enough_data');
    expect(small.uplift).not.toBeNull();
  });
});

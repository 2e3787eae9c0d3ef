import { newcombeDifference, wilson } from './newcombe';

/**
 * The worked examples of Newcombe (1998), Statistics in Medicine 17:873–890, Table II, method 10
 * (score interval for the difference, no continuity correction): (a)–(h), each x1/n1 − x2/n2 with
 * the published 95% limits to four decimals.
 */
const PUBLISHED: [string, number, number, number, number, number, number][] = [
  ['(a) 56/70 − 48/80', 56, 70, 48, 80, 0.0524, 0.3339],
  ['(b) 9/10 − 3/10', 9, 10, 3, 10, 0.1705, 0.809],
  ['(c) 6/7 − 2/7', 6, 7, 2, 7, 0.0582, 0.8062],
  ['(d) 5/56 − 0/29', 5, 56, 0, 29, -0.0381, 0.1926],
  ['(e) 0/10 − 0/20', 0, 10, 0, 20, -0.1611, 0.2775],
  ['(f) 0/10 − 0/10', 0, 10, 0, 10, -0.2775, 0.2775],
  ['(g) 10/10 − 0/20', 10, 10, 0, 20, 0.6791, 1],
  ['(h) 10/10 − 0/10', 10, 10, 0, 10, 0.6075, 1],
];

describe('Newcombe hybrid score interval (method 10)', () => {
  it.each(PUBLISHED)('%s matches the published limits', (_, x1, n1, x2, n2, low, high) => {
    const ci = newcombeDifference(x1, n1, x2, n2);
    expect(ci.difference).toBeCloseTo(x1 / n1 - x2 / n2, 10);
    expect(ci.low).toBeCloseTo(low, 4);
    expect(ci.high).toBeCloseTo(high, 4);
  });

  it("uses Wilson's interval per group (Newcombe 1998, Stat Med 17:857–872, Table I, method 3: 81/263 → 0.2553–0.3662)", () => {
    const w = wilson(81, 263);
    expect(w.low).toBeCloseTo(0.2553, 4);
    expect(w.high).toBeCloseTo(0.3662, 4);
  });

  it('is antisymmetric in the order of the groups and stays within −1…1', () => {
    const ab = newcombeDifference(30, 200, 12, 180);
    const ba = newcombeDifference(12, 180, 30, 200);
    expect(ba.low).toBeCloseTo(-ab.high, 12);
    expect(ba.high).toBeCloseTo(-ab.low, 12);
    const extreme = newcombeDifference(1000, 1000, 0, 1000);
    expect(extreme.high).toBeLessThanOrEqual(1);
    expect(extreme.low).toBeGreaterThan(0.99);
  });

  it('refuses empty groups and impossible counts', () => {
    expect(() => newcombeDifference(0, 0, 1, 2)).toThrow(RangeError);
    expect(() => newcombeDifference(3, 2, 1, 2)).toThrow(RangeError);
  });
});

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** Wilson's score interval for x successes out of n (no continuity correction). */
export function wilson(x: number, n: number, z = Z95): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const p = x / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denom = 1 + z2 / n;
  return {
    low: Math.max(0, (centre - spread) / denom),
    high: Math.min(1, (centre + spread) / denom),
  };
}

export interface DifferenceInterval {
  /** p1 − p2 */
  difference: number;
  low: number;
  high: number;
}

/**
 * The difference of two independent proportions x1/n1 − x2/n2 with its confidence interval by
 * Newcombe's hybrid score method, without continuity correction: method 10 of R. G. Newcombe,
 * "Interval estimation for the difference between independent proportions: comparison of eleven
 * methods", Statistics in Medicine 17 (1998) 873–890. It combines the Wilson interval of each
 * proportion, keeps within −1…1, and behaves well with small counts and zero events, where the
 * simple Wald interval does not. Both groups need at least one member.
 */
export function newcombeDifference(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  z = Z95,
): DifferenceInterval {
  if (!(n1 > 0 && n2 > 0)) throw new RangeError('both groups need at least one member');
  if (x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2) throw new RangeError('successes must be 0…n');
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const a = wilson(x1, n1, z);
  const b = wilson(x2, n2, z);
  const d = p1 - p2;
  return {
    difference: d,
    low: d - Math.sqrt((p1 - a.low) ** 2 + (b.high - p2) ** 2),
    high: d + Math.sqrt((a.high - p1) ** 2 + (p2 - b.low) ** 2),
  };
}

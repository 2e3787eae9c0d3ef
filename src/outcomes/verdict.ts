import { newcombeDifference } from './newcombe';

export type Verdict = 'helped' | 'no_measurable_effect' | 'hurt' | 'not_enough_data';

/** Below this many customers in either group, no interval says anything useful. */
export const MIN_GROUP_SIZE = 30;

export interface Uplift {
  /** Treated conversion rate minus holdout conversion rate. */
  absolute: number;
  low: number;
  high: number;
  confidence: 0.95;
}

/**
 * Whether the campaign changed conversion: the 95% interval of the difference (Newcombe's
 * hybrid score method) entirely above 0 is "helped", entirely below is "hurt", across 0 is "no
 * measurable effect"; without a holdout, or with small groups, "not enough data".
 */
export function judge(
  treated: { customers: number; converted: number },
  holdout: { customers: number; converted: number },
): { uplift: Uplift | null; verdict: Verdict } {
  if (treated.customers === 0 || holdout.customers === 0)
    return { uplift: null, verdict: 'not_enough_data' };
  const ci = newcombeDifference(
    treated.converted,
    treated.customers,
    holdout.converted,
    holdout.customers,
  );
  const uplift: Uplift = { absolute: ci.difference, low: ci.low, high: ci.high, confidence: 0.95 };
  if (treated.customers < MIN_GROUP_SIZE || holdout.customers < MIN_GROUP_SIZE)
    return { uplift, verdict: 'not_enough_data' };
  if (ci.low > 0) return { uplift, verdict: 'helped' };
  if (ci.high < 0) return { uplift, verdict: 'hurt' };
  return { uplift, verdict: 'no_measurable_effect' };
}

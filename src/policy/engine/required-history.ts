import type { ContactPolicy } from './types';

/**
 * How many days of contact history a caller must load for decide to see every window that
 * matters (longest budget, a year of maxFrequency, and the fatigue streak horizon).
 */
export function requiredHistoryDays(policy: ContactPolicy, longestCadenceDays = 0): number {
  let days = 365;
  const all = [
    ...policy.budgets.promotional,
    ...policy.budgets.content,
    ...policy.budgets.service,
    ...policy.budgets.all,
    ...policy.voice.budgets,
  ];
  for (const b of all) days = Math.max(days, b.windowDays);
  return Math.max(days, longestCadenceDays);
}

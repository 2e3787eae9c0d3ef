import type { MsBudget } from './compile-policy';
import { toMs } from './time';
import type { ContactRecord } from './types';

/** Which past contacts a window counts; a tag instead of a predicate keeps the loop closure-free. */
export type Scope = 'all' | 'category' | 'marketing' | 'topic' | 'channel';

function inScope(rec: ContactRecord, scope: Scope, key: string): boolean {
  switch (scope) {
    case 'all':
      return true;
    case 'category':
      return rec.category === key;
    case 'marketing':
      return rec.category !== 'service';
    case 'topic':
      return rec.topic === key;
    case 'channel':
      return rec.channel === key;
  }
}

/**
 * Earliest instant ≥ t at which one more contact keeps every sliding window of the budget
 * within max. Planned (future) contacts count too, so the test window is (t − W, t + W): any
 * W-long window holding t lies inside it.
 */
export function earliestWithinBudget(
  history: readonly ContactRecord[],
  scope: Scope,
  key: string,
  budget: MsBudget,
  t: number,
): number {
  if (budget.max <= 0) return Infinity;
  const w = budget.windowMs;
  for (let round = 0; round <= history.length; round++) {
    let count = 0;
    for (let i = 0; i < history.length; i++) {
      const rec = history[i];
      const at = toMs(rec.at);
      if (at > t - w && at < t + w && inScope(rec, scope, key)) count++;
    }
    if (count < budget.max) return t;
    // Rare path: move past enough of the oldest contacts in the window.
    const times: number[] = [];
    for (const rec of history) {
      const at = toMs(rec.at);
      if (at > t - w && at < t + w && inScope(rec, scope, key)) times.push(at);
    }
    times.sort((a, b) => a - b);
    t = times[count - budget.max] + w;
  }
  return t;
}

export function earliestWithinBudgets(
  history: readonly ContactRecord[],
  scope: Scope,
  key: string,
  budgets: readonly MsBudget[],
  t: number,
): number {
  let result = t;
  for (let i = 0; i < budgets.length; i++) {
    const next = earliestWithinBudget(history, scope, key, budgets[i], result);
    if (next > result) {
      result = next;
      i = -1; // a later start can break an earlier budget only through planned contacts; recheck
    }
    if (result === Infinity) return result;
  }
  return result;
}

/** Marketing contacts since the last engagement (click, reply, purchase), and the latest one. */
export function ignoredStreak(
  history: readonly ContactRecord[],
  lastEngagementMs: number,
  now: number,
): { streak: number; lastAt: number } {
  let engagedAt = Number.isNaN(lastEngagementMs) ? -Infinity : lastEngagementMs;
  for (const rec of history) {
    if (rec.engaged === true && rec.category !== 'service') {
      const at = toMs(rec.at);
      if (at > engagedAt) engagedAt = at;
    }
  }
  let streak = 0;
  let lastAt = -Infinity;
  for (const rec of history) {
    if (rec.category === 'service' || rec.engaged === true) continue;
    const at = toMs(rec.at);
    if (at > engagedAt && at <= now) {
      streak++;
      if (at > lastAt) lastAt = at;
    }
  }
  return { streak, lastAt };
}

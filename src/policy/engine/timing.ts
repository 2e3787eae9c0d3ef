import type { MsBudget } from './compile-policy';
import type { RuleContext } from './context';
import { skip } from './context';
import { earliestWithinBudget, earliestWithinBudgets, ignoredStreak } from './history';
import { nextInside } from './send-window';
import { DAY_MS, toMsOrNaN } from './time';
import type { Channel, Decision, MaxFrequency } from './types';

const FREQUENCY_DAYS: Record<MaxFrequency, number> = { quarter: 90, half_year: 182, year: 365 };
const frequencyBudgets: Record<MaxFrequency, readonly MsBudget[]> = {
  quarter: [{ max: 1, windowMs: FREQUENCY_DAYS.quarter * DAY_MS }],
  half_year: [{ max: 1, windowMs: FREQUENCY_DAYS.half_year * DAY_MS }],
  year: [{ max: 1, windowMs: FREQUENCY_DAYS.year * DAY_MS }],
};

/** Earliest instant ≥ t allowed by every sliding-window budget that applies to this message. */
function budgetsFrom(ctx: RuleContext, channel: Channel, t: number): number {
  const { history, message, preferences } = ctx.input;
  const p = ctx.policy;
  let at = t;
  // Recheck until no budget moves the start: planned contacts can make one push break another.
  for (let round = 0; round < 8; round++) {
    const start = at;
    at = earliestWithinBudgets(history, 'all', '', p.all, at);
    at = earliestWithinBudgets(history, 'category', message.category, p[message.category], at);
    if (message.category === 'content' && (message.cadenceDays ?? 0) > 0) {
      const cadence = { max: 1, windowMs: (message.cadenceDays as number) * DAY_MS };
      at = earliestWithinBudget(history, 'topic', message.topic, cadence, at);
    }
    const freq = preferences?.maxFrequency;
    if (ctx.marketing && freq != null)
      at = earliestWithinBudgets(history, 'marketing', '', frequencyBudgets[freq], at);
    if (channel === 'voice') at = earliestWithinBudgets(history, 'channel', 'voice', p.voice, at);
    if (at === start || at === Infinity) return at;
  }
  return at;
}

/** After N ignored marketing messages the minimum interval doubles per extra one, up to a cap. */
function fatigueUntil(ctx: RuleContext): number {
  if (!ctx.marketing) return -Infinity;
  const { customer, history, message, policy } = ctx.input;
  // NaN (unknown) loses against any known time.
  const engaged = toMsOrNaN(customer.lastEngagementAt);
  const purchased = toMsOrNaN(customer.lastPurchaseAt);
  const engagedAt = engaged > purchased || Number.isNaN(purchased) ? engaged : purchased;
  const { streak, lastAt } = ignoredStreak(history, engagedAt, ctx.now);
  const threshold = policy.fatigue.ignoredInARow;
  if (streak < threshold) return -Infinity;
  const multiplier = Math.min(2 ** (streak - threshold + 1), policy.fatigue.maxMultiplier);
  let base =
    message.category === 'content'
      ? ctx.policy.contentIntervalMs
      : ctx.policy.promotionalIntervalMs;
  if (message.category === 'content') base = Math.max(base, (message.cadenceDays ?? 0) * DAY_MS);
  return lastAt + base * multiplier;
}

/**
 * When, on the chosen channel: the first instant that satisfies every budget, the fatigue
 * back-off and the local send window. A wait caused by budgets is a defer (within the horizon)
 * or a skip; a wait caused only by the clock is a firm plan on the channel.
 */
export function planSend(ctx: RuleContext, channel: Channel): Decision {
  const { customer, message } = ctx.input;
  const window = channel === 'voice' ? ctx.policy.voiceWindow : ctx.policy.messageWindow;
  const fatigueAt = fatigueUntil(ctx);
  let budgetAt = ctx.now;
  let t = ctx.now;
  for (let round = 0; round < 8; round++) {
    const start = t;
    const b = budgetsFrom(ctx, channel, t);
    if (b > start && b > budgetAt) budgetAt = b;
    t = Math.max(b, fatigueAt);
    if (t !== Infinity) t = nextInside(window, customer.timezone, t);
    if (t === start || t === Infinity) break;
  }

  const effective = toMsOrNaN(message.effectiveAt);
  if (message.goal === 'announcement' && t >= effective)
    return skip(ctx, 'notice_too_short', 'would arrive after the change takes effect');

  if (t === ctx.now)
    return { kind: 'send', channel, notBefore: new Date(t), policyVersion: ctx.version };

  if (budgetAt > ctx.now || fatigueAt > ctx.now) {
    const reason =
      fatigueAt > ctx.now && fatigueAt >= budgetAt ? 'fatigue_backoff' : 'budget_exhausted';
    if (t - ctx.now <= ctx.policy.horizonMs)
      return {
        kind: 'defer',
        until: new Date(t),
        reason,
        policyVersion: ctx.version,
        nextEligibleAt: new Date(t),
      };
    return skip(ctx, reason, undefined, t);
  }
  const reason = channel === 'voice' ? 'outside_business_hours' : 'quiet_hours';
  if (t === Infinity) return skip(ctx, reason, 'the policy leaves no time to send');
  return { kind: 'defer', until: new Date(t), reason, channel, policyVersion: ctx.version };
}

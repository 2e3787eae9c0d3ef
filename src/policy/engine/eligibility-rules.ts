import type { RuleContext } from './context';
import { skip } from './context';
import { toMs, toMsOrNaN } from './time';
import type { SkipDecision } from './types';

// Each rule answers "may this message go to this customer at all?"; null means "no objection".
type Rule = (ctx: RuleContext) => SkipDecision | null;

/** Hard bounce, complaint, erasure, do-not-contact: beats everything. */
export const suppressionRule: Rule = (ctx) => {
  const s = ctx.input.suppression;
  return s?.suppressed === true ? skip(ctx, 'suppressed', s.reason) : null;
};

/** Promise 6: at most one message per customer per campaign step. */
export const campaignStepRule: Rule = (ctx) => {
  const { history, message } = ctx.input;
  const step = message.step ?? 0;
  for (let i = 0; i < history.length; i++) {
    const rec = history[i];
    if (rec.campaignId === message.campaignId && (rec.step ?? 0) === step)
      return skip(ctx, 'already_contacted', `campaign ${message.campaignId} step ${step}`);
  }
  return null;
};

/** Announcements must leave customers time to adapt. */
export const noticeRule: Rule = (ctx) => {
  const m = ctx.input.message;
  if (m.goal !== 'announcement') return null;
  const effective = toMsOrNaN(m.effectiveAt);
  if (Number.isNaN(effective))
    return skip(ctx, 'notice_too_short', 'announcement has no effectiveAt');
  const launched = toMsOrNaN(m.launchedAt);
  const from = Number.isNaN(launched) ? ctx.now : launched;
  if (effective - from < ctx.policy.noticeMs)
    return skip(
      ctx,
      'notice_too_short',
      `effective ${new Date(effective).toISOString()} is less than ${ctx.input.policy.announcementNoticeDays} days after launch`,
    );
  return null;
};

/** Win-back goes at most once per lapse. */
export const winbackRule: Rule = (ctx) => {
  const { customer, history, message } = ctx.input;
  if (message.goal !== 'winback') return null;
  let lapseStart = toMsOrNaN(customer.lapseStartedAt);
  if (Number.isNaN(lapseStart))
    lapseStart = toMsOrNaN(customer.lastPurchaseAt) + ctx.policy.lapseMs;
  // Without any purchase there is no lapse boundary: any earlier win-back counts.
  if (Number.isNaN(lapseStart)) lapseStart = -Infinity;
  const lapseId = customer.lapseId ?? null;
  for (const rec of history) {
    if (rec.goal !== 'winback') continue;
    const sameLapse =
      lapseId !== null && rec.lapseId != null
        ? rec.lapseId === lapseId
        : toMs(rec.at) >= lapseStart;
    if (sameLapse) return skip(ctx, 'already_contacted', 'win-back already sent for this lapse');
  }
  return null;
};

/** Ask for a review only after a good experience, never after a bad one; remind once. */
export const reviewRule: Rule = (ctx) => {
  const { customer, history, message, policy } = ctx.input;
  if (message.goal !== 'review') return null;
  const score = customer.lastSatisfactionScore;
  if (typeof score === 'number' && score <= policy.review.negativeMaxScore)
    return skip(ctx, 'not_satisfied', `satisfaction ${score}: follow up through support instead`);
  const happy =
    (typeof score === 'number' && score >= policy.review.minScore) || customer.purchaseCount >= 2;
  if (!happy)
    return skip(ctx, 'not_satisfied', 'no satisfaction >= minScore and no repeat purchase');
  if (message.isReminder !== true) return null;
  let requested = false;
  let reminders = 0;
  for (const rec of history) {
    if (rec.campaignId !== message.campaignId) continue;
    if (rec.isReminder === true) reminders++;
    else requested = true;
    if (rec.engaged === true)
      return skip(ctx, 'already_contacted', 'customer already answered the review request');
  }
  if (!requested) return skip(ctx, 'not_satisfied', 'no review request to remind about');
  if (reminders >= policy.review.maxReminders)
    return skip(ctx, 'already_contacted', 'review reminder already sent');
  return null;
};

/** An unhappy customer is answered by a person before anyone sells; service messages still go. */
export const followUpRule: Rule = (ctx) => {
  const { customer, message } = ctx.input;
  if (customer.hasOpenFollowUp !== true || message.category === 'service') return null;
  return skip(ctx, 'needs_attention', 'an open follow-up: a person answers first');
};

/** A customer's pause holds everything but announcements of changes that affect them. */
export const pauseRule: Rule = (ctx) => {
  const { preferences, message } = ctx.input;
  if (message.goal === 'announcement') return null;
  const until = toMsOrNaN(preferences?.pausedUntil);
  return until > ctx.now ? skip(ctx, 'paused_by_customer', undefined, until) : null;
};

/** A topic the customer opted out of in preferences is off for every channel. */
export const topicOptOutRule: Rule = (ctx) => {
  const { preferences, message } = ctx.input;
  if (message.goal === 'announcement') return null;
  const out = preferences?.topicOptOuts;
  return out !== undefined && out.includes(message.topic)
    ? skip(ctx, 'consent_withdrawn', `topic ${message.topic} opted out in preferences`)
    : null;
};

/** In order: the first objection wins, so suppression beats everything. */
export const ELIGIBILITY_RULES: readonly Rule[] = [
  suppressionRule,
  campaignStepRule,
  noticeRule,
  winbackRule,
  reviewRule,
  followUpRule,
  pauseRule,
  topicOptOutRule,
];

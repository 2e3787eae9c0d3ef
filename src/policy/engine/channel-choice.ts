import { marketingConsentProblem, serviceConsentProblem } from './consent';
import type { RuleContext } from './context';
import { skip } from './context';
import { earliestWithinBudgets } from './history';
import type { Channel, ReasonCode, SkipDecision } from './types';

// How far a channel got before failing: the furthest one is the most informative to report.
const RANK: Partial<Record<ReasonCode, number>> = {
  channel_not_allowed: 0,
  unreachable: 1,
  no_consent: 2,
  consent_withdrawn: 3,
  consent_unconfirmed: 4,
};

function reachable(ctx: RuleContext, channel: Channel): boolean {
  const c = ctx.input.customer;
  if (channel === 'email') return c.hasEmail;
  if (channel === 'sms') return c.hasPhone;
  // A call is bridged from the account manager's phone: both ends are needed.
  return c.hasPhone && c.hasAccountManagerPhone === true;
}

/** Null when the channel may carry this message (budgets aside), else why not. */
function channelProblem(ctx: RuleContext, channel: Channel): ReasonCode | null {
  if (!ctx.policy.channelAllowed[channel]) return 'channel_not_allowed';
  if (!reachable(ctx, channel)) return 'unreachable';
  const { consent, message } = ctx.input;
  return ctx.marketing
    ? marketingConsentProblem(consent, channel, message.topic)
    : serviceConsentProblem(consent, channel, message);
}

/**
 * Campaign order ∩ customer preference ∩ what the kind allows ∩ reachability ∩ consent, first
 * match wins. A channel whose own budget (voice) is spent now is kept only as a last resort so
 * the timing step can defer it.
 */
export function chooseChannel(ctx: RuleContext): Channel | SkipDecision {
  const { message, preferences, history } = ctx.input;
  const preferred = preferences?.preferredChannels;
  const order =
    preferred !== undefined && preferred.length > 0
      ? preferred.filter((c) => message.channels.includes(c))
      : message.channels;
  let best: ReasonCode = 'channel_not_allowed';
  let bestRank = -1;
  let detail = '';
  let spent: Channel | null = null;
  for (const channel of order) {
    const problem = channelProblem(ctx, channel);
    if (problem === null) {
      if (channel !== 'voice') return channel;
      const free = earliestWithinBudgets(history, 'channel', 'voice', ctx.policy.voice, ctx.now);
      if (free === ctx.now) return channel;
      if (spent === null) spent = channel;
      continue;
    }
    detail += `${detail === '' ? '' : '; '}${channel}: ${problem}`;
    const rank = RANK[problem] ?? 0;
    if (rank > bestRank) {
      best = problem;
      bestRank = rank;
    }
  }
  if (spent !== null) return spent;
  if (order.length < message.channels.length)
    detail += `${detail === '' ? '' : '; '}other channels not among the customer's preferred`;
  return skip(ctx, best, detail === '' ? 'no channel allowed for this campaign' : detail);
}

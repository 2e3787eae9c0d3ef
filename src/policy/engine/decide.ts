import { chooseChannel } from './channel-choice';
import { ruleContext, skip } from './context';
import { ELIGIBILITY_RULES } from './eligibility-rules';
import { isHeldOut } from './holdout';
import { planSend } from './timing';
import type { Decision, DecisionInput } from './types';

/**
 * Whether, when and on which channel one message goes to one customer, with the reason.
 * Pure: no I/O, no clock; the same input always yields the same decision.
 */
export function decide(input: DecisionInput): Decision {
  const ctx = ruleContext(input);
  for (let i = 0; i < ELIGIBILITY_RULES.length; i++) {
    const blocked = ELIGIBILITY_RULES[i](ctx);
    if (blocked !== null) return blocked;
  }
  const channel = chooseChannel(ctx);
  if (typeof channel !== 'string') return channel;
  const planned = planSend(ctx, channel);
  // Only a customer the campaign would reach joins its control group, and before any budget is
  // reserved: the comparison is between like customers, and the held-out keep their budget.
  const { message, customer } = input;
  if (
    planned.kind !== 'skip' &&
    isHeldOut(message.campaignId, customer.id, message.holdoutPercent ?? 0)
  )
    return skip(ctx, 'held_out', `control group of campaign ${message.campaignId}`);
  return planned;
}

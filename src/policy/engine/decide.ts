import { chooseChannel } from './channel-choice';
import { ruleContext } from './context';
import { ELIGIBILITY_RULES } from './eligibility-rules';
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
  return planSend(ctx, channel);
}

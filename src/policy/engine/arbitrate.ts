import { decide } from './decide';
import { toMsOrNaN } from './time';
import type { ContactRecord, Decision, DecisionInput } from './types';

export interface ArbitrationResult {
  campaignId: string;
  input: DecisionInput;
  decision: Decision;
}

function byRank(a: DecisionInput, b: DecisionInput): number {
  const pa = a.message.priority;
  const pb = b.message.priority;
  if (pa !== pb) return pb - pa;
  const la = toMsOrNaN(a.message.launchedAt);
  const lb = toMsOrNaN(b.message.launchedAt);
  // Unknown launch times sort last.
  if (la !== lb && !(Number.isNaN(la) && Number.isNaN(lb))) {
    if (Number.isNaN(la)) return 1;
    if (Number.isNaN(lb)) return -1;
    return la - lb;
  }
  return a.message.campaignId < b.message.campaignId
    ? -1
    : a.message.campaignId > b.message.campaignId
      ? 1
      : 0;
}

/** The contact a decision commits to: a send, or a firm (clock-only) defer on a channel. */
export function plannedContact(input: DecisionInput, decision: Decision): ContactRecord | null {
  let at: Date;
  if (decision.kind === 'send') at = decision.notBefore;
  else if (decision.kind === 'defer' && decision.channel !== undefined) at = decision.until;
  else return null;
  const m = input.message;
  return {
    at,
    channel:
      decision.kind === 'send' ? decision.channel : (decision.channel as ContactRecord['channel']),
    category: m.category,
    topic: m.topic,
    campaignId: m.campaignId,
    step: m.step ?? 0,
    goal: m.goal,
    engaged: false,
    isReminder: m.isReminder === true,
    lapseId: m.goal === 'winback' ? (input.customer.lapseId ?? null) : null,
  };
}

/**
 * Several campaigns competing for one customer at one planning moment: decided in rank order
 * (priority, then earlier launch, then campaign id), each accepted contact joining the history
 * of the next. A loser that only ran out of budget because of a winner says so in `detail`.
 * Results come back in the order of `candidates`.
 */
export function arbitrate(candidates: readonly DecisionInput[]): ArbitrationResult[] {
  const ranked = candidates
    .map((input, index) => ({ input, index }))
    .sort((a, b) => byRank(a.input, b.input));
  const results: ArbitrationResult[] = new Array<ArbitrationResult>(candidates.length);
  const won: { campaignId: string; contact: ContactRecord }[] = [];
  for (const { input, index } of ranked) {
    const history =
      won.length === 0 ? input.history : [...input.history, ...won.map((w) => w.contact)];
    let decision = decide({ ...input, history });
    if (
      won.length > 0 &&
      decision.kind !== 'send' &&
      (decision.reason === 'budget_exhausted' || decision.reason === 'fatigue_backoff')
    ) {
      const alone = decide(input);
      if (
        alone.kind === 'send' ||
        alone.reason !== decision.reason ||
        alone.kind !== decision.kind
      ) {
        const winner = won[0].campaignId;
        decision = {
          ...decision,
          reason: 'budget_exhausted',
          detail: `outranked by campaign ${winner}`,
          winnerCampaignId: winner,
        };
      }
    }
    const contact = plannedContact(input, decision);
    if (contact !== null) won.push({ campaignId: input.message.campaignId, contact });
    results[index] = { campaignId: input.message.campaignId, input, decision };
  }
  return results;
}

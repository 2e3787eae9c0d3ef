/** Twilio message and call statuses in the order they can happen; finals share the top rank. */
const MESSAGE_RANK: Record<string, number> = {
  accepted: 1,
  scheduled: 1,
  queued: 2,
  sending: 3,
  sent: 4,
  delivered: 5,
  read: 6,
  undelivered: 9,
  failed: 9,
  canceled: 9,
};

const CALL_RANK: Record<string, number> = {
  queued: 2,
  initiated: 2,
  ringing: 3,
  'in-progress': 4,
  answered: 4,
  completed: 9,
  busy: 9,
  'no-answer': 9,
  failed: 9,
  canceled: 9,
};

/** 0 for no status yet or an unknown one; callbacks of a lower or equal rank change nothing. */
export function twilioStatusRank(kind: 'message' | 'call', status: string | null): number {
  if (!status) return 0;
  return (kind === 'call' ? CALL_RANK : MESSAGE_RANK)[status] ?? 0;
}

/** The delivery status a provider status settles, or null while it is still on its way. */
export function twilioOutcome(
  kind: 'message' | 'call',
  status: string,
): 'delivered' | 'failed' | null {
  if (kind === 'call') {
    if (status === 'completed') return 'delivered';
    if (['busy', 'no-answer', 'failed', 'canceled'].includes(status)) return 'failed';
    return null;
  }
  if (status === 'delivered' || status === 'read') return 'delivered';
  if (['undelivered', 'failed', 'canceled'].includes(status)) return 'failed';
  return null;
}

/** How a call ended, in the timeline's words: answered, no answer, busy, failed; null while on its way. */
export function callOutcome(status: string): 'answered' | 'no_answer' | 'busy' | 'failed' | null {
  if (status === 'completed') return 'answered';
  if (status === 'no-answer') return 'no_answer';
  if (status === 'busy') return 'busy';
  if (status === 'failed' || status === 'canceled') return 'failed';
  return null;
}

/** A campaign's limits on annoyance, with the settings' defaults filled in. */
export interface GuardrailLimits {
  maxComplaintRate: number;
  maxUnsubscribeRate: number;
  minDelivered: number;
}

/** What the campaign has done so far, as the limits read it. */
export interface AnnoyanceFigures {
  delivered: number;
  complained: number;
  /** Unsubscribes and SMS STOPs together: both are someone saying "stop". */
  unsubscribed: number;
}

export interface GuardrailState extends GuardrailLimits {
  delivered: number;
  complaintRate: number;
  unsubscribeRate: number;
  /** collecting: fewer than minDelivered yet; tripped: a rate is over its limit. */
  state: 'collecting' | 'ok' | 'tripped';
  breached: ('complaints' | 'unsubscribes')[];
}

/**
 * The campaign's own limits over the defaults, field by field. After an acknowledged pause the
 * guardrail waits for another minDelivered messages before judging again.
 */
export const withDefaults = (
  own: (Partial<GuardrailLimits> & { acknowledgedDelivered?: number }) | null,
  defaults: GuardrailLimits,
): GuardrailLimits => ({
  maxComplaintRate: own?.maxComplaintRate ?? defaults.maxComplaintRate,
  maxUnsubscribeRate: own?.maxUnsubscribeRate ?? defaults.maxUnsubscribeRate,
  minDelivered: (own?.minDelivered ?? defaults.minDelivered) + (own?.acknowledgedDelivered ?? 0),
});

/** Over its limit only once enough messages were delivered for a rate to mean something. */
export function evaluateGuardrail(limits: GuardrailLimits, f: AnnoyanceFigures): GuardrailState {
  const complaintRate = f.delivered ? f.complained / f.delivered : 0;
  const unsubscribeRate = f.delivered ? f.unsubscribed / f.delivered : 0;
  const breached: GuardrailState['breached'] = [];
  if (complaintRate > limits.maxComplaintRate) breached.push('complaints');
  if (unsubscribeRate > limits.maxUnsubscribeRate) breached.push('unsubscribes');
  const state =
    f.delivered < limits.minDelivered ? 'collecting' : breached.length ? 'tripped' : 'ok';
  return { ...limits, delivered: f.delivered, complaintRate, unsubscribeRate, state, breached };
}

const pct = (r: number) => `${(r * 100).toFixed(2)}%`;

/** The pausedReason a tripped guardrail leaves on the campaign, with the figures. */
export function pausedReasonOf(s: GuardrailState): string {
  const parts: string[] = [];
  if (s.breached.includes('complaints'))
    parts.push(`complaint rate ${pct(s.complaintRate)} over the limit ${pct(s.maxComplaintRate)}`);
  if (s.breached.includes('unsubscribes'))
    parts.push(
      `unsubscribe rate ${pct(s.unsubscribeRate)} over the limit ${pct(s.maxUnsubscribeRate)}`,
    );
  return `guardrail: ${parts.join('; ')} after ${s.delivered} delivered`;
}

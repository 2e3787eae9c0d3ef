/** Why a customer waits for a person. */
export const FOLLOW_UP_REASONS = ['low_satisfaction', 'complaint', 'sms_complaint'] as const;
export type FollowUpReason = (typeof FOLLOW_UP_REASONS)[number];

/** A satisfaction score of 1 or 2 of 5: the customer is unhappy. */
export const LOW_SATISFACTION_MAX_SCORE = 2;

/** The reason a recorded customer event opens a follow-up for, or null. */
export function followUpReasonOfEvent(type: string, score: unknown): FollowUpReason | null {
  if (type === 'complaint') return 'complaint';
  if (type === 'satisfaction' && typeof score === 'number' && score <= LOW_SATISFACTION_MAX_SCORE)
    return 'low_satisfaction';
  return null;
}

/** What opens (or joins) a follow-up: the customer, why, and the ids it came from. */
export interface FollowUpCause {
  customerId: string;
  reason: FollowUpReason;
  eventId?: string | null;
  deliveryId?: string | null;
}

/** How a reason reads to the people who answer. */
export const REASON_WORDS: Record<'ru' | 'en', Record<FollowUpReason, string>> = {
  en: {
    low_satisfaction: 'a low satisfaction score',
    complaint: 'a complaint',
    sms_complaint: 'a complaint by SMS',
  },
  ru: {
    low_satisfaction: 'низкая оценка',
    complaint: 'жалоба',
    sms_complaint: 'жалоба в SMS',
  },
};

export const reasonWords = (lang: 'ru' | 'en', reasons: readonly string[]): string =>
  reasons.map((r) => REASON_WORDS[lang][r as FollowUpReason] ?? r).join(', ');

export interface FeedbackResult {
  deliveryId: string | null;
  /** The delivery's status after this event. */
  status: string | null;
  /** True when the event was already known or older than what we have: nothing changed. */
  ignored: boolean;
  /** Why a report was ignored, when it is not simply a repeat. */
  reason?: string;
}

export const OTHER_RECIPIENT_REASON = 'the report names another recipient than the delivery';

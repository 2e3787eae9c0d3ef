import type { EntityManager } from 'typeorm';
import { insertEventsAndFacts, type WrittenEvent } from './events.repository';

/** What the customer did that shows the messages are welcome. */
export type EngagementAction = 'clicked' | 'replied_sms' | 'replied_email';

export interface Engagement {
  customerId: string;
  action: EngagementAction;
  occurredAt: Date;
  /** The delivery it answers, when known: the timeline and the results tie it to a campaign. */
  deliveryId?: string | null;
  campaignId?: string | null;
  /** Makes a repeat harmless (a click id, an inbound message sid). */
  eventId?: string | null;
  /** Extra ids only (a link index); never the reply's text or an address. */
  data?: Record<string, string | number | boolean>;
}

/**
 * Records an engagement the product saw itself (a counted click, a reply) as the same
 * `engagement` event a company can post, in the caller's transaction: the customer's
 * `last_engagement_at` moves forward, so the fatigue back-off resets on the next decision.
 */
export async function recordEngagement(
  manager: EntityManager,
  engagement: Engagement,
  recordedAt: Date,
): Promise<WrittenEvent> {
  const [written] = await insertEventsAndFacts(
    manager,
    [
      {
        customerId: engagement.customerId,
        type: 'engagement',
        occurredAt: engagement.occurredAt,
        data: {
          ...(engagement.data ?? {}),
          action: engagement.action,
          ...(engagement.deliveryId ? { deliveryId: engagement.deliveryId } : {}),
          ...(engagement.campaignId ? { campaignId: engagement.campaignId } : {}),
        },
        eventId: engagement.eventId ?? null,
        explicitTime: true,
      },
    ],
    recordedAt,
  );
  return written;
}

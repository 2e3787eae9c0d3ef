/**
 * The events an endpoint may subscribe to; the database's webhook_event_of() maps audit types
 * onto the same names (migration OutboundWebhooks). `delivery.*` is opt-in: every delivery
 * event (sent, delivered, bounced, …).
 */
export const WEBHOOK_EVENTS = [
  'consent.granted',
  'consent.confirmed',
  'consent.withdrawn',
  'suppression.added',
  'customer.erased',
  'campaign.completed',
  'campaign.auto_paused',
  'customer.needs_attention',
  'follow_up.resolved',
  'delivery.*',
] as const;

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

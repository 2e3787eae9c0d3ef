/**
 * The audit vocabulary: every `type` an `audit_events` row can carry. The writer accepts only
 * these, and `audit/sentences.ts` gives each its sentence, so a new event cannot be written
 * without being read back to a customer or an auditor.
 */
export const AUDIT_EVENT_TYPES = [
  // Campaign lifecycle (campaigns/campaign-lifecycle and the planner).
  'campaign.created',
  'campaign.updated',
  'campaign.launched',
  'campaign.running',
  'campaign.step_planned',
  'campaign.completed',
  'campaign.paused',
  'campaign.resumed',
  'campaign.cancelled',
  // One per planned customer and step (the planner).
  'decision.send',
  'decision.defer',
  'decision.skip',
  // A delivery's course (the sender, feedback, cancellations).
  'delivery.sent',
  'delivery.delivered',
  'delivery.deferred',
  'delivery.retry',
  'delivery.unknown',
  'delivery.failed',
  'delivery.bounced',
  'delivery.soft_bounce',
  'delivery.complained',
  'delivery.cancelled',
  'delivery.feedback_ignored',
  // Consent and preferences.
  'consent.granted',
  'consent.withdrawn',
  'consent.confirmed',
  'consent.confirmation_requested',
  'preferences.changed',
  'sms.keyword',
  'suppression.added',
  'suppression.lifted',
  // Customers and imports.
  'customer.created',
  'customer.updated',
  'import.started',
  'import.completed',
  'import.failed',
  // Templates.
  'template.created',
  'template.versioned',
  // Administration.
  'admin.api_key_created',
  'admin.api_key_revoked',
  'admin.customer_erased',
  'admin.policy_changed',
  'admin.topic_created',
  'admin.topic_changed',
  'admin.topic_archived',
  // Outcomes: clicks, conversions and the guardrails that pause a campaign.
  'campaign.auto_paused',
  'delivery.clicked',
  // Replies and follow-ups: a person answers.
  'follow_up.opened',
  'follow_up.resolved',
  // A reply by SMS or e-mail, seen and forwarded to a person (ids only, never its text).
  'customer.replied',
  // How a bridged call ended: answered, no_answer, busy, failed (Twilio's call status).
  'call.outcome',
  // Integrations: outbound webhook endpoints.
  'admin.webhook_created',
  'admin.webhook_deleted',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

const KNOWN: ReadonlySet<string> = new Set(AUDIT_EVENT_TYPES);

export function isAuditEventType(type: string): type is AuditEventType {
  return KNOWN.has(type);
}

/** A type built at run time (`delivery.${status}`), checked against the vocabulary. */
export function auditEventType(type: string): AuditEventType {
  if (!isAuditEventType(type)) throw new Error(`unknown audit event type ${type}`);
  return type;
}

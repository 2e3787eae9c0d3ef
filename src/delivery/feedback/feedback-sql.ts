import type { DataSource, EntityManager } from 'typeorm';
import type { AuditEntry } from '../../audit-log/audit-writer';
import { auditEventType } from '../../audit-log/audit-event-types';
import type { PersonalValues } from '../../common/mask-personal';
import type { FeedbackSource } from './report-parser';

/** A delivery a provider event is about, locked for the event's transaction. */
export interface FeedbackDelivery {
  id: string;
  campaign_id: string;
  customer_id: string;
  channel: string;
  topic: string;
  status: string;
  provider_status: string | null;
  policy_version: number;
}

/** The audit row of a provider event that moved a delivery to `next`. */
export const transitionAudit = (
  d: FeedbackDelivery,
  next: string,
  e: Required<Pick<AuditEntry, 'reason' | 'actor' | 'at' | 'data'>>,
): AuditEntry => ({
  type: auditEventType(`delivery.${next}`),
  customerId: d.customer_id,
  campaignId: d.campaign_id,
  deliveryId: d.id,
  channel: d.channel,
  policyVersion: d.policy_version,
  ...e,
});

const lockDeliveryWhere = (where: string) => `
  SELECT id, campaign_id, customer_id, channel, topic, status, provider_status, policy_version
    FROM deliveries WHERE ${where} ORDER BY planned_at LIMIT 1 FOR UPDATE`;
const LOCK_DELIVERY_BY_PROVIDER_ID = lockDeliveryWhere(`provider_id = $1`);
const LOCK_EMAIL_DELIVERY_BY_ID = lockDeliveryWhere(`id = ANY($1::uuid[]) AND channel = 'email'`);
const LOCK_EMAIL_DELIVERY_BY_MESSAGE_ID = lockDeliveryWhere(
  `provider_id = ANY($1::text[]) AND channel = 'email'`,
);

/** Forward only: a delivery already bounced, complained or failed stays so. */
const MARK_DELIVERED = `
  UPDATE deliveries SET status = 'delivered', provider_status = 'delivered', finished_at = $2,
         updated_at = $2
   WHERE id = $1 AND status IN ('sent', 'unknown')`;

const PROVIDER_ID_EXISTS = `SELECT 1 FROM deliveries WHERE provider_id = $1 LIMIT 1`;

/** Once per delivery, source, status and provider id (ux_delivery_events_once). */
const RECORD_DELIVERY_EVENT = `
  INSERT INTO delivery_events (delivery_id, source, status, provider_id, data, received_at)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT ON CONSTRAINT ux_delivery_events_once DO NOTHING RETURNING id`;

/** $1 id, $2 provider status, $3 next status, $4 now, $5 Twilio error code. */
const UPDATE_TWILIO_STATUS = `
  UPDATE deliveries SET provider_status = $2, status = $3, updated_at = $4,
         finished_at = CASE WHEN $3 <> status THEN $4 ELSE finished_at END,
         last_error = CASE WHEN $5::text IS NOT NULL THEN 'twilio_' || $5 ELSE last_error END
   WHERE id = $1`;

const FINISH_AS_BOUNCED_OR_COMPLAINED = `
  UPDATE deliveries SET status = $2, provider_status = $2, finished_at = $3, updated_at = $3
   WHERE id = $1`;

/** Counts again from 1 when the previous soft bounce is older than the window ($4 days). */
const COUNT_SOFT_BOUNCE = `
  INSERT INTO soft_bounces (address_hash, count, last_delivery_id, last_at) VALUES ($1, 1, $2, $3)
  ON CONFLICT (address_hash) DO UPDATE
    SET count = CASE WHEN soft_bounces.last_at < $3::timestamptz - make_interval(days => $4)
                     THEN 1 ELSE soft_bounces.count + 1 END,
        last_delivery_id = $2, last_at = $3
  RETURNING count`;

const SELECT_RECIPIENT = `
  SELECT name, email, phone, company, account_manager_phone FROM customers WHERE id = $1`;

export async function lockDeliveryByProviderId(
  m: EntityManager,
  providerId: string,
): Promise<FeedbackDelivery | null> {
  const rows: FeedbackDelivery[] = await m.query(LOCK_DELIVERY_BY_PROVIDER_ID, [providerId]);
  return rows[0] ?? null;
}

/** An e-mail delivery by our X-Tactful-Delivery ids, else by its Message-IDs (without brackets). */
export async function lockEmailDelivery(
  m: EntityManager,
  deliveryIds: string[],
  messageIds: string[],
): Promise<FeedbackDelivery | null> {
  if (deliveryIds.length) {
    const rows: FeedbackDelivery[] = await m.query(LOCK_EMAIL_DELIVERY_BY_ID, [deliveryIds]);
    if (rows[0]) return rows[0];
  }
  if (!messageIds.length) return null;
  const rows: FeedbackDelivery[] = await m.query(LOCK_EMAIL_DELIVERY_BY_MESSAGE_ID, [
    messageIds.map((id) => `<${id}>`),
  ]);
  return rows[0] ?? null;
}

/** An e-mail delivery by the provider's own message ids, as recorded at hand-over. */
export async function lockEmailDeliveryByProviderIds(
  m: EntityManager,
  providerIds: string[],
): Promise<FeedbackDelivery | null> {
  if (!providerIds.length) return null;
  const rows: FeedbackDelivery[] = await m.query(LOCK_EMAIL_DELIVERY_BY_MESSAGE_ID, [providerIds]);
  return rows[0] ?? null;
}

export async function markDelivered(m: EntityManager, id: string, at: Date): Promise<void> {
  await m.query(MARK_DELIVERED, [id, at]);
}

export async function providerIdExists(ds: DataSource, providerId: string): Promise<boolean> {
  const rows: unknown[] = await ds.query(PROVIDER_ID_EXISTS, [providerId]);
  return rows.length > 0;
}

/** False when this very event was already recorded (a repeated callback or report). */
export async function recordDeliveryEvent(
  m: EntityManager,
  e: {
    deliveryId: string;
    source: 'twilio' | FeedbackSource;
    status: string;
    providerId: string | null;
    data: Record<string, unknown>;
    at: Date;
  },
): Promise<boolean> {
  const rows: unknown[] = await m.query(RECORD_DELIVERY_EVENT, [
    e.deliveryId,
    e.source,
    e.status,
    e.providerId,
    JSON.stringify(e.data),
    e.at,
  ]);
  return rows.length > 0;
}

export async function updateTwilioStatus(
  m: EntityManager,
  u: { id: string; providerStatus: string; status: string; at: Date; errorCode: string | null },
): Promise<void> {
  await m.query(UPDATE_TWILIO_STATUS, [u.id, u.providerStatus, u.status, u.at, u.errorCode]);
}

export async function finishAs(
  m: EntityManager,
  id: string,
  status: 'bounced' | 'complained',
  at: Date,
): Promise<void> {
  await m.query(FINISH_AS_BOUNCED_OR_COMPLAINED, [id, status, at]);
}

/** The address's soft bounces within the window, this one included. */
export async function countSoftBounce(
  m: EntityManager,
  addressHash: string,
  deliveryId: string,
  at: Date,
  windowDays: number,
): Promise<number> {
  const [row]: { count: number }[] = await m.query(COUNT_SOFT_BOUNCE, [
    addressHash,
    deliveryId,
    at,
    windowDays,
  ]);
  return row.count;
}

/** The recipient's e-mail and the values of theirs a diagnostic may quote. */
export async function recipientOf(
  m: EntityManager,
  customerId: string,
): Promise<{ email: string | null; values: PersonalValues }> {
  const [c]: {
    name: string | null;
    email: string | null;
    phone: string | null;
    company: string | null;
    account_manager_phone: string | null;
  }[] = await m.query(SELECT_RECIPIENT, [customerId]);
  return {
    email: c?.email ?? null,
    values: {
      names: [c?.name, c?.company],
      emails: [c?.email],
      phones: [c?.phone, c?.account_manager_phone],
    },
  };
}

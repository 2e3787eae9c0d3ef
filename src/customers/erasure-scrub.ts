import type { EntityManager } from 'typeorm';
import { maskJson, maskPersonal, type PersonalValues } from '../common/mask-personal';

// What an event keeps after erasure: the typed facts, never the CRM's free-form details.
const KEPT_EVENT_FACTS = `jsonb_strip_nulls(jsonb_build_object(
    'amount', CASE WHEN jsonb_typeof(data->'amount') = 'number' THEN data->'amount' END,
    'currency', CASE WHEN data->>'currency' ~ '^[A-Z]{3}$' THEN data->'currency' END,
    'score', CASE WHEN jsonb_typeof(data->'score') = 'number' THEN data->'score' END,
    'action', CASE WHEN data->>'action' ~ '^[a-z_]{1,40}$' THEN data->'action' END,
    'campaignId', CASE WHEN data->>'campaignId' ~ '^[0-9a-f-]{36}$' THEN data->'campaignId' END,
    'deliveryId', CASE WHEN data->>'deliveryId' ~ '^[0-9a-f-]{36}$' THEN data->'deliveryId' END))`;

const ERASE_FOLLOW_UP_NOTES = `
  UPDATE follow_ups SET note = NULL,
         resolved_at = coalesce(resolved_at, now()), resolved_by = coalesce(resolved_by, 'erasure')
   WHERE customer_id = $1`;

/**
 * Erasure of the mutable places that may quote the person: the CRM's free-form event details,
 * answers kept for idempotent retries, and
 * provider diagnostics and send errors (masked when stored since this change; rows stored before
 * may still quote the address or name). Call inside the erasure's transaction.
 */
export async function scrubCustomerHistory(
  m: EntityManager,
  customerId: string,
  person: PersonalValues,
): Promise<void> {
  await m.query(
    `UPDATE customer_events SET data = ${KEPT_EVENT_FACTS}
      WHERE customer_id = $1 AND data <> ${KEPT_EVENT_FACTS}`,
    [customerId],
  );
  // A follow-up's note may quote the person; an open one closes (nobody is left to answer).
  await m.query(ERASE_FOLLOW_UP_NOTES, [customerId]);
  // Answers kept for Idempotency-Key retries quote what they recorded (evidence, event details);
  // a retry after the erasure is refused anyway, since the customer is gone.
  await m.query(`DELETE FROM idempotency_keys WHERE strpos(response, $1) > 0`, [customerId]);
  const events: { id: string; data: unknown }[] = await m.query(
    `SELECT e.id::text, e.data FROM delivery_events e JOIN deliveries d ON d.id = e.delivery_id
      WHERE d.customer_id = $1`,
    [customerId],
  );
  const maskedEvents = events
    .map((e) => ({
      id: e.id,
      before: JSON.stringify(e.data),
      after: JSON.stringify(maskJson(e.data, person)),
    }))
    .filter((e) => e.before !== e.after);
  if (maskedEvents.length) {
    await m.query(
      `UPDATE delivery_events e SET data = v.data
         FROM unnest($1::bigint[], $2::jsonb[]) AS v(id, data) WHERE e.id = v.id`,
      [maskedEvents.map((e) => e.id), maskedEvents.map((e) => e.after)],
    );
  }
  const errors: { id: string; last_error: string }[] = await m.query(
    `SELECT id, last_error FROM deliveries WHERE customer_id = $1 AND last_error IS NOT NULL`,
    [customerId],
  );
  const maskedErrors = errors
    .map((d) => ({ id: d.id, error: maskPersonal(d.last_error, person) }))
    .filter((d, i) => d.error !== errors[i].last_error);
  if (maskedErrors.length) {
    await m.query(
      `UPDATE deliveries d SET last_error = v.error
         FROM unnest($1::uuid[], $2::text[]) AS v(id, error) WHERE d.id = v.id`,
      [maskedErrors.map((d) => d.id), maskedErrors.map((d) => d.error)],
    );
  }
}

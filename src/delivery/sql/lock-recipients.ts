import type { EntityManager } from 'typeorm';
import type { CustomerKind } from '../../policy/engine';
import type { CustomerValues } from '../../templates/message-context';

/** The customer a claimed delivery goes to, read under the batch's share lock. */
export interface Recipient extends CustomerValues {
  id: string;
  kind: CustomerKind;
  attributes: Record<string, unknown>;
  account_manager_phone: string | null;
  account_manager_email: string | null;
  erased: boolean;
  /** False when the customer asked not to have their clicks tracked. */
  track_clicks: boolean;
  /** An open follow-up (one probe of its partial unique index). */
  needs_attention: boolean;
}

/** In id order, so two batches sharing customers take their locks in the same order. */
const LOCK_RECIPIENTS_FOR_SHARE = `
  SELECT id, kind, name, email, phone, company, locale, timezone, attributes, purchase_count,
         last_purchase_at, account_manager_phone, account_manager_email,
         erased_at IS NOT NULL AS erased, track_clicks,
         EXISTS (SELECT 1 FROM follow_ups f
                  WHERE f.customer_id = customers.id AND f.resolved_at IS NULL) AS needs_attention
    FROM customers WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`;

/**
 * The batch's customers, share-locked until the batch ends: a withdrawal waits for the hand-over,
 * or the hand-over sees the withdrawal.
 */
export async function lockRecipients(
  m: EntityManager,
  ids: string[],
): Promise<Map<string, Recipient>> {
  const rows: Recipient[] = await m.query(LOCK_RECIPIENTS_FOR_SHARE, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r]));
}

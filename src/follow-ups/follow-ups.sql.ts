// The follow_ups table's statements, each named after what it does.

/**
 * Opens a follow-up per customer of $1 (one JSON record per customer: reasons, event and delivery
 * ids), or joins the new reasons and ids to the one already open; returns each row with what the
 * notice needs of its customer. $2 now.
 */
export const OPEN_OR_JOIN_FOLLOW_UPS = `
  WITH up AS (
    INSERT INTO follow_ups AS f (customer_id, reasons, event_ids, delivery_ids, opened_at)
    SELECT t.customer_id, t.reasons, t.event_ids, t.delivery_ids, $2
      FROM jsonb_to_recordset($1::jsonb)
           AS t(customer_id uuid, reasons text[], event_ids bigint[], delivery_ids uuid[])
    ON CONFLICT (customer_id) WHERE resolved_at IS NULL DO UPDATE SET
      reasons = f.reasons || ARRAY(SELECT r FROM unnest(EXCLUDED.reasons) r WHERE r <> ALL (f.reasons)),
      event_ids = f.event_ids || EXCLUDED.event_ids,
      delivery_ids = f.delivery_ids || EXCLUDED.delivery_ids
    RETURNING f.id, f.customer_id, f.reasons, (xmax = 0) AS opened
  )
  SELECT up.id, up.customer_id, up.reasons, up.opened, c.kind, c.name, c.company, c.locale,
         c.account_manager_email
    FROM up JOIN customers c ON c.id = up.customer_id`;

/** Open follow-ups, oldest first, after the keyset ($1 opened_at, $2 id), $3 rows. */
export const LIST_OPEN_FOLLOW_UPS = `
  SELECT f.id, f.customer_id, f.reasons, f.event_ids::text[] AS event_ids, f.delivery_ids,
         f.opened_at, c.kind, c.name, c.company, c.external_id
    FROM follow_ups f JOIN customers c ON c.id = f.customer_id
   WHERE f.resolved_at IS NULL
     AND ($1::timestamptz IS NULL OR (f.opened_at, f.id) > ($1, $2::uuid))
   ORDER BY f.opened_at, f.id
   LIMIT $3`;

export const LOCK_FOLLOW_UP = `SELECT id, customer_id, resolved_at FROM follow_ups WHERE id = $1 FOR UPDATE`;

/** $1 id, $2 now, $3 who, $4 note. */
export const MARK_RESOLVED = `
  UPDATE follow_ups SET resolved_at = $2, resolved_by = $3, note = $4 WHERE id = $1
  RETURNING id, customer_id, reasons, opened_at, resolved_at, resolved_by, note`;

/** Whether the customer waits for a person (the timeline, the call brief). */
export const OPEN_FOLLOW_UPS_OF_CUSTOMER = `
  SELECT id, reasons, opened_at FROM follow_ups
   WHERE customer_id = $1 AND resolved_at IS NULL`;

export interface OpenedRow {
  id: string;
  customer_id: string;
  reasons: string[];
  opened: boolean;
  kind: 'consumer' | 'business';
  name: string | null;
  company: string | null;
  locale: string;
  account_manager_email: string | null;
}

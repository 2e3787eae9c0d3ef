// The statements of trigger campaigns: a watermark per campaign, and the events, lapses and due
// reminders read past it. `audience` is a compiled audience filter over customers `c`, whose
// own parameters come first ($1..$n); the statement's parameters follow them.

/** The campaign's watermark, once: events recorded before its launch ($2) never trigger it. */
export const ENSURE_WATERMARK = `INSERT INTO campaign_trigger_watermarks (campaign_id, last_event_id, lapses_until, reminders_until)
       SELECT $1, coalesce((SELECT max(id) FROM customer_events WHERE recorded_at < $2), 0), $2, $2
       ON CONFLICT (campaign_id) DO NOTHING`;

export const LOCK_WATERMARK = `SELECT last_event_id, lapses_until, reminders_until FROM campaign_trigger_watermarks
          WHERE campaign_id = $1 FOR UPDATE`;
export interface WatermarkRow {
  last_event_id: string;
  lapses_until: Date;
  reminders_until: Date;
}

/** The last id of the next $3 events of type $1 after id $2 (null: none). */
export const LAST_EVENT_OF_BATCH = `SELECT max(id)::text AS max FROM (SELECT id FROM customer_events WHERE type = $1 AND id > $2
           ORDER BY id LIMIT $3) e`;

/**
 * Events of type $n+1 in (id $n+2, id $n+3] of audience customers not erased (satisfaction:
 * score ≥ $n+4). The occurrence number counts this customer's events of the type up to this one
 * (by id, so it never changes once given).
 */
export const triggeringEvents = (
  audience: string,
  n: number,
) => `SELECT e.id, e.customer_id, e.occurred_at,
                      (SELECT count(*) FROM customer_events e2
                        WHERE e2.customer_id = e.customer_id AND e2.type = e.type AND e2.id <= e.id)::int AS n
                 FROM customer_events e JOIN customers c ON c.id = e.customer_id
                WHERE e.type = $${n + 1} AND e.id > $${n + 2} AND e.id <= $${n + 3} AND c.erased_at IS NULL
                  AND ($${n + 1} <> 'satisfaction' OR (e.data->>'score')::numeric >= $${n + 4})
                  AND ${audience}
                ORDER BY e.id`;
export interface TriggeringEventRow {
  id: string;
  customer_id: string;
  occurred_at: Date;
  n: number;
}

/**
 * Audience customers who became lapsed in ($n+1, $n+2]: last purchase + lapse days (business
 * $n+3, consumer $n+4) crossed in that window.
 */
export const becameLapsed = (
  audience: string,
  n: number,
) => `SELECT c.id, c.purchase_count, c.last_purchase_at + make_interval(days =>
                  CASE c.kind WHEN 'business' THEN $${n + 3}::int ELSE $${n + 4}::int END) AS lapsed_at
           FROM customers c
          WHERE c.erased_at IS NULL AND c.last_purchase_at IS NOT NULL
            AND c.last_purchase_at > $${n + 1}::timestamptz - make_interval(days => greatest($${n + 3}::int, $${n + 4}::int))
            AND c.last_purchase_at + make_interval(days =>
                  CASE c.kind WHEN 'business' THEN $${n + 3}::int ELSE $${n + 4}::int END) > $${n + 1}
            AND c.last_purchase_at + make_interval(days =>
                  CASE c.kind WHEN 'business' THEN $${n + 3}::int ELSE $${n + 4}::int END) <= $${n + 2}
            AND ${audience}
          ORDER BY lapsed_at, c.id`;
export interface LapseRow {
  id: string;
  purchase_count: number;
  lapsed_at: Date;
}

/** Campaign $1's first messages sent $2 days before a moment in ($3, $4]: their reminders fall due. */
export const DUE_REMINDERS = `SELECT d.customer_id, d.step, coalesce(d.sent_at, d.not_before) AS at
           FROM deliveries d
          WHERE d.campaign_id = $1 AND NOT d.is_reminder AND d.status IN ('sent', 'delivered')
            AND coalesce(d.sent_at, d.not_before) + make_interval(days => $2::int) > $3
            AND coalesce(d.sent_at, d.not_before) + make_interval(days => $2::int) <= $4
          ORDER BY d.customer_id, d.step`;
export interface DueReminderRow {
  customer_id: string;
  step: number;
  at: Date;
}

export const ADVANCE_WATERMARK = `UPDATE campaign_trigger_watermarks
          SET last_event_id = $2, lapses_until = $3, reminders_until = $4, updated_at = $5
        WHERE campaign_id = $1`;

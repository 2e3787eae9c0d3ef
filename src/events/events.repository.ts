import type { EntityManager } from 'typeorm';
import { plainArray, textArray } from '../database/pg-array';
import type { EventType } from './event.dto';

/** One event ready to write: its customer resolved, its data built. */
export interface EventRow {
  customerId: string;
  type: EventType;
  occurredAt: Date;
  data: Record<string, unknown>;
  eventId: string | null;
  /** The client gave occurredAt (so a repeat of its eventId must give the same time). */
  explicitTime: boolean;
}

export interface WrittenEvent {
  /** The new row's id, or the earlier event's when this one was a repeat of its eventId. */
  id: string;
  inserted: boolean;
  /** For a repeat: the earlier event is the same (type, data, and time if given). */
  same: boolean;
  customerId: string;
  type: EventType;
  occurredAt: Date;
}

/**
 * The customers a batch names (by id or external id), locked in id order: concurrent batches for
 * the same customers wait for each other instead of deadlocking in their lifecycle updates, and a
 * retried batch sees the events its first attempt committed.
 */
export async function lockEventCustomers(
  m: EntityManager,
  customerIds: string[],
  externalIds: string[],
): Promise<{ id: string; external_id: string }[]> {
  return m.query(
    `SELECT id, external_id FROM customers
      WHERE (id = ANY($1::uuid[]) OR external_id = ANY($2::text[])) AND erased_at IS NULL
      ORDER BY id
        FOR NO KEY UPDATE`,
    [plainArray(customerIds), textArray(externalIds)],
  );
}

/** The statement of {@link insertEventsAndFacts}; exported for EXPLAIN in benchmarks. */
export const INSERT_EVENTS_AND_FACTS = `WITH src AS MATERIALIZED (
       -- The sequence by name, as the column default names it: pg_get_serial_sequence() here
       -- would look it up in the catalog once per row (a third of the statement's time).
       SELECT nextval('customer_events_id_seq'::regclass) AS id, s.*
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::jsonb[], $5::text[], $6::bool[])
              WITH ORDINALITY AS s(customer_id, type, occurred_at, data, event_id, explicit_time, ord)
        ORDER BY s.ord
     ),
     ins AS (
       INSERT INTO customer_events (id, customer_id, type, occurred_at, data, recorded_at, event_id)
       SELECT id, customer_id, type, occurred_at, data, $7, event_id FROM src ORDER BY ord
       ON CONFLICT (customer_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
       RETURNING id, customer_id, type, occurred_at, data
     ),
     facts AS (
       SELECT customer_id,
              count(*) FILTER (WHERE type = 'purchase') AS purchases,
              min(occurred_at) FILTER (WHERE type = 'purchase') AS first_purchase_at,
              max(occurred_at) FILTER (WHERE type = 'purchase') AS last_purchase_at,
              max(occurred_at) FILTER (WHERE type = 'satisfaction') AS satisfaction_at,
              (array_agg((data->>'score')::smallint ORDER BY occurred_at DESC, id DESC)
                 FILTER (WHERE type = 'satisfaction'))[1] AS satisfaction_score,
              max(occurred_at) FILTER (WHERE type = 'review_posted') AS review_at,
              max(occurred_at) FILTER (WHERE type = 'complaint') AS complaint_at,
              max(occurred_at) FILTER (WHERE type = 'engagement') AS engagement_at
         FROM ins GROUP BY customer_id
     ),
     update_facts AS (
       UPDATE customers c
          SET purchase_count = c.purchase_count + f.purchases,
              first_purchase_at = LEAST(c.first_purchase_at, f.first_purchase_at),
              last_purchase_at = GREATEST(c.last_purchase_at, f.last_purchase_at),
              last_satisfaction_score =
                CASE WHEN f.satisfaction_at IS NOT NULL
                          AND (c.last_satisfaction_at IS NULL OR c.last_satisfaction_at <= f.satisfaction_at)
                     THEN f.satisfaction_score ELSE c.last_satisfaction_score END,
              last_satisfaction_at = GREATEST(c.last_satisfaction_at, f.satisfaction_at),
              last_review_at = GREATEST(c.last_review_at, f.review_at),
              last_complaint_at = GREATEST(c.last_complaint_at, f.complaint_at),
              last_engagement_at = GREATEST(c.last_engagement_at, f.engagement_at),
              updated_at = now()
         FROM facts f
        WHERE c.id = f.customer_id
       RETURNING 1
     )
     -- A new event is answered by its id alone: the caller knows the rest (formatting 1,000
     -- timestamps back and parsing them again cost more than the ids).
     SELECT coalesce(i.id, ex.id)::text AS id,
            i.id IS NOT NULL AS inserted,
            ex.id IS NOT NULL AND ex.type = s.type AND ex.data = s.data
              AND (NOT s.explicit_time OR ex.occurred_at = s.occurred_at) AS same,
            ex.type AS earlier_type,
            ex.occurred_at AS earlier_at
       FROM src s
       LEFT JOIN ins i ON i.id = s.id
       -- Only skipped rows look up the earlier event, one index probe each (LIMIT keeps the
       -- planner from turning it into a hash join over the whole table).
       LEFT JOIN LATERAL (
         SELECT e.id, e.type, e.data, e.occurred_at FROM customer_events e
          WHERE i.id IS NULL AND s.event_id IS NOT NULL AND e.event_id IS NOT NULL
            AND e.customer_id = s.customer_id AND e.event_id = s.event_id
          LIMIT 1
       ) ex ON true
      ORDER BY s.ord`;

/**
 * Writes a batch in one statement whatever its size: the events (a repeated eventId of a customer
 * is skipped by the unique index), then the lifecycle facts of every customer from the events
 * actually inserted, set-based. Out-of-order events never move a fact back; among satisfaction
 * scores the latest by time wins, and the later item on a tie. Answers per input row, in order.
 */
export async function insertEventsAndFacts(
  m: EntityManager,
  rows: EventRow[],
  recordedAt: Date,
): Promise<WrittenEvent[]> {
  const result: {
    id: string;
    inserted: boolean;
    same: boolean;
    earlier_type: EventType | null;
    earlier_at: Date | null;
  }[] = await m.query(INSERT_EVENTS_AND_FACTS, [
    plainArray(rows.map((r) => r.customerId)),
    textArray(rows.map((r) => r.type)),
    textArray(rows.map((r) => r.occurredAt.toISOString())),
    textArray(rows.map((r) => JSON.stringify(r.data))),
    textArray(rows.map((r) => r.eventId)),
    plainArray(rows.map((r) => r.explicitTime)),
    recordedAt,
  ]);
  // The time sent is the Date's own ISO form (milliseconds), so a new event's stored time is it.
  return result.map((r, i) => ({
    id: r.id,
    inserted: r.inserted,
    same: r.same,
    customerId: rows[i].customerId,
    type: r.earlier_type ?? rows[i].type,
    occurredAt: r.earlier_at ?? rows[i].occurredAt,
  }));
}

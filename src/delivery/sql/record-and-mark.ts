import type { QueryRunner } from 'typeorm';
import { AUDIT_COLUMNS, insertAuditRows } from '../../audit-log/audit-writer';
import type { OutcomeRecord } from '../outcome-record';
import { writerStep } from '../writer-connection';

/** The fixed parameters; each sent message's content adds three after them. */
const FIXED_PARAMS = 17;

/**
 * One statement, committed at once: the deliveries still in `expected` status ($12) get their
 * outcome, their audit rows, the rendered content of the sent ones, and the next group ($14) is
 * marked `sending`, so the hand-over window's count moves atomically. `contentRows` is the number
 * of sent messages: one row of scalar parameters per message rather than arrays (a jsonb[] array
 * literal of whole messages costs escaping here and parsing there, for every quote in the HTML).
 */
function recordAndMarkStatement(contentRows: number): string {
  const content = Array.from({ length: contentRows }, (_, i) => {
    const b = FIXED_PARAMS + 3 * i;
    return `($${b + 1}::uuid, $${b + 2}::jsonb, $${b + 3})`;
  });
  return `WITH v AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[],
                            $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[])
         AS v(id, status, next_at, provider_id, provider_status, content_hash, error, type, reason, data)
     ), recorded AS (
       UPDATE deliveries d
          SET status = v.status,
              next_attempt_at = v.next_at,
              provider_id = coalesce(v.provider_id, d.provider_id),
              provider_status = coalesce(v.provider_status, d.provider_status),
              content_hash = coalesce(v.content_hash, d.content_hash),
              last_error = coalesce(v.error, d.last_error),
              sent_at = CASE WHEN v.status = 'sent' THEN $11::timestamptz ELSE d.sent_at END,
              finished_at = CASE WHEN v.status IN ('cancelled', 'failed', 'unknown') THEN $11::timestamptz END,
              lease_until = NULL,
              updated_at = $11
         FROM v
        -- (status || '') hides the status from the partial indexes (WHERE status = 'planned' /
        -- 'sending'), so only the primary key serves these few ids: with a literal status the
        -- planner may walk the whole backlog's partial index to find them.
        WHERE d.id = v.id AND (d.status || '') = $12
       RETURNING d.id, d.customer_id, d.campaign_id, d.channel, d.policy_version
     ), audited AS (
       ${insertAuditRows(
         AUDIT_COLUMNS,
         `SELECT $11, v.type, r.customer_id, r.campaign_id, r.id, r.channel, v.reason,
                 r.policy_version, $13, v.data
            FROM recorded r JOIN v ON v.id = r.id
           ORDER BY array_position($1::uuid[], r.id)`,
       )}
     )${
       content.length
         ? `, stored AS (
       -- Rendered content beside the chained audit (purged after the retention period, hash kept).
       INSERT INTO audit_content (delivery_id, customer_id, content, content_hash, stored_at)
       SELECT c.delivery_id, r.customer_id, c.content, c.content_hash, $11
         FROM (VALUES ${content.join(', ')}) AS c(delivery_id, content, content_hash)
         JOIN recorded r ON r.id = c.delivery_id
       ON CONFLICT (delivery_id) DO UPDATE
         SET content = EXCLUDED.content, content_hash = EXCLUDED.content_hash,
             stored_at = EXCLUDED.stored_at, purged_at = NULL
     )`
         : ''
     }
     , marked AS (
       UPDATE deliveries
          SET status = 'sending', lease_until = $15, leased_by = $16, attempts = attempts + 1,
              updated_at = $11
        WHERE id = ANY($14::uuid[]) AND (status || '') = $17
          -- A campaign paused (by hand or by a guardrail) after the claim hands over nothing more.
          AND (SELECT c.status FROM campaigns c WHERE c.id = deliveries.campaign_id) = 'running'
       RETURNING id, attempts
     )
     SELECT 'r' AS kind, id, 0 AS attempts FROM recorded
     UNION ALL
     SELECT 'm', id, attempts FROM marked`;
}

export interface RecordAndMark {
  records: OutcomeRecord[];
  /** Recorded only where the delivery is still in this status. */
  expected: 'planned' | 'sending';
  /** Planned deliveries to mark `sending` (the next group to hand over). */
  mark: string[];
  now: Date;
  leaseUntil: Date;
  /** The sender instance that leases the marked ones. */
  leasedBy: string;
}

/**
 * Records outcomes and marks the next group in one statement on the writer. Returns the ids it
 * recorded and the attempts of the ids it marked.
 */
export async function recordAndMark(
  writer: QueryRunner,
  prepared: boolean,
  r: RecordAndMark,
): Promise<{ recorded: Set<string>; marked: Map<string, number> }> {
  const sent = r.records.filter((x) => x.content !== null);
  const column = <K extends keyof OutcomeRecord>(k: K) => r.records.map((x) => x[k]);
  const written = await writerStep<{ kind: 'r' | 'm'; id: string; attempts: number }>(
    writer,
    prepared ? `tactful_sender_record_${sent.length}` : null,
    recordAndMarkStatement(sent.length),
    [
      column('id'),
      column('status'),
      column('nextAttemptAt'),
      column('providerId'),
      column('providerStatus'),
      column('contentHash'),
      column('error'),
      column('type'),
      column('reason'),
      column('data'),
      r.now,
      r.expected,
      'system',
      r.mark,
      r.leaseUntil,
      r.leasedBy,
      'planned',
      ...sent.flatMap((x) => [x.id, x.content, x.contentHash]),
    ],
  );
  const recorded = new Set<string>();
  const marked = new Map<string, number>();
  for (const w of written) {
    if (w.kind === 'r') recorded.add(w.id);
    else marked.set(w.id, w.attempts);
  }
  return { recorded, marked };
}

import type { EntityManager } from 'typeorm';
import { AUDIT_COLUMNS, auditTypeLiteral, insertAuditRows } from '../audit-log/audit-writer';

/** Which planned deliveries to cancel, and why (the `reason` of each `delivery.cancelled` row). */
export type CancelScope =
  /** A withdrawal (`consent_withdrawn`) or an erasure (`suppressed`, channel null = every channel). */
  | {
      customerId: string;
      channel: string | null;
      /** A topic key, or '*' for every topic on the channel. */
      topic: string;
      reason: 'consent_withdrawn' | 'suppressed';
    }
  /** A cancelled campaign: all its planned deliveries. */
  | { campaignId: string; reason: 'campaign_cancelled' };

const CANCEL_CUSTOMER_DELIVERIES = `
  UPDATE deliveries
     SET status = 'cancelled', finished_at = $1, updated_at = $1, lease_until = NULL
   WHERE customer_id = $2 AND ($3::text IS NULL OR channel = $3) AND status = 'planned'
     AND ($4 = '*' OR topic = $4)
  RETURNING id, campaign_id, customer_id, channel, topic, jsonb_build_object('topic', topic, 'scope', $4::text) AS data`;

const CANCEL_CAMPAIGN_DELIVERIES = `
  UPDATE deliveries
     SET status = 'cancelled', finished_at = $1, updated_at = $1, lease_until = NULL
   WHERE campaign_id = $2 AND status = 'planned'
  RETURNING id, campaign_id, customer_id, channel, topic, jsonb_build_object('topic', topic, 'step', step) AS data`;

/**
 * Promise 5 and the cancel of a campaign: every delivery of the scope not yet handed to a sender
 * is cancelled, with a `delivery.cancelled` audit row each, in one statement (the UPDATE and its
 * audit rows commit together, in the caller's transaction). Returns how many were cancelled.
 *
 * Only `planned` rows are cancelled: a `sending` row is already claimed by a sender, which
 * re-checks consent under its lease right before handing the message over. A '*' withdrawal
 * opts out of the whole channel, so it cancels service messages on that channel too.
 */
export async function cancelPlanned(
  manager: EntityManager,
  scope: CancelScope,
  actor: string,
  at: Date,
): Promise<number> {
  const [update, params] =
    'campaignId' in scope
      ? [CANCEL_CAMPAIGN_DELIVERIES, [at, scope.campaignId]]
      : [CANCEL_CUSTOMER_DELIVERIES, [at, scope.customerId, scope.channel, scope.topic]];
  const n = params.length;
  const rows: { n: string }[] = await manager.query(
    `WITH cancelled AS (${update}
     ), audited AS (
       ${insertAuditRows(
         AUDIT_COLUMNS,
         `SELECT $1, ${auditTypeLiteral('delivery.cancelled')}, customer_id, campaign_id, id, channel,
                 $${n + 1}, NULL, $${n + 2}, data
            FROM cancelled`,
       )}
       RETURNING 1
     )
     SELECT count(*)::text AS n FROM audited`,
    [...params, scope.reason, actor],
  );
  return Number(rows[0]?.n ?? 0);
}

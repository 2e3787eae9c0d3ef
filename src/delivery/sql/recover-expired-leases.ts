import type { DataSource } from 'typeorm';
import { AUDIT_COLUMNS, auditTypeLiteral, insertAuditRows } from '../../audit-log/audit-writer';
import { DELIVERY_LOCK_NAMESPACE } from './claim-due-deliveries';

/** $1 now, $2 the maximum attempts, $3 the delivery lock namespace. */
const RECOVER_EXPIRED_LEASES = `
  WITH expired AS (
    SELECT d.id FROM deliveries d
     WHERE d.status = 'sending' AND d.lease_until < $1
       -- A live sender holds its batch's advisory locks until every outcome is recorded: its
       -- rows are being handed over, however long that takes, and are left alone.
       AND pg_try_advisory_xact_lock($3, hashtext(d.id::text))
     ORDER BY d.lease_until
     FOR UPDATE SKIP LOCKED
     LIMIT 1000
  ), moved AS (
    UPDATE deliveries d
       SET status = CASE
             WHEN d.category <> 'service' THEN 'unknown'
             WHEN d.attempts < $2 THEN 'planned'
             ELSE 'failed' END,
           next_attempt_at = CASE WHEN d.category = 'service' THEN $1::timestamptz END,
           finished_at = CASE WHEN d.category = 'service' AND d.attempts < $2 THEN NULL ELSE $1::timestamptz END,
           last_error = 'lease expired while sending (' || coalesce(d.leased_by, '?') || ')',
           lease_until = NULL, updated_at = $1
      FROM expired e
     WHERE d.id = e.id
    RETURNING d.id, d.campaign_id, d.customer_id, d.channel, d.status, d.attempts, d.leased_by, d.policy_version
  ), audited AS (
    ${insertAuditRows(
      AUDIT_COLUMNS,
      `SELECT $1, CASE status WHEN 'unknown' THEN ${auditTypeLiteral('delivery.unknown')}
                              WHEN 'failed' THEN ${auditTypeLiteral('delivery.failed')}
                              ELSE ${auditTypeLiteral('delivery.retry')} END,
              customer_id, campaign_id, id, channel, 'lease_expired', policy_version, 'system',
              jsonb_build_object('attempts', attempts, 'leasedBy', leased_by)
         FROM moved`,
    )}
    RETURNING 1
  )
  SELECT count(*)::text AS n FROM audited`;

/**
 * At most once: a lease that ran out while `sending` means the process died between marking a
 * group just before its hand-over and recording it — the message may or may not have gone out.
 * Marketing becomes `unknown` and is never re-sent; service messages go back to `planned` (or
 * fail when out of attempts), each with its audit row. Returns how many were moved.
 */
export async function recoverExpiredLeases(
  dataSource: DataSource,
  now: Date,
  maxAttempts: number,
): Promise<number> {
  const rows: { n: string }[] = await dataSource.query(RECOVER_EXPIRED_LEASES, [
    now,
    maxAttempts,
    DELIVERY_LOCK_NAMESPACE,
  ]);
  return Number(rows[0]?.n ?? 0);
}

import type { EntityManager } from 'typeorm';
import type { Channel } from '../policy/engine';

export interface WithdrawalScope {
  customerId: string;
  channel: Channel;
  /** A topic key, or '*' for every topic on the channel. */
  topic: string;
}

/**
 * Promise 5: a withdrawal cancels, in its own transaction, every delivery of its scope not yet
 * handed to a provider. ConsentService calls this for every withdrawal; it returns how many
 * deliveries it cancelled.
 *
 * Only `planned` rows are cancelled: a `sending` row is already claimed by a sender, which
 * re-checks consent under its lease right before handing the message over. A '*' withdrawal
 * opts out of the whole channel, so it cancels service messages on that channel too.
 * One statement: the UPDATE and its `delivery.cancelled` audit rows commit together.
 */
export function cancelPendingDeliveries(
  manager: EntityManager,
  scope: WithdrawalScope,
  actor = 'system',
): Promise<number> {
  return cancelPlanned(manager, scope, 'consent_withdrawn', actor);
}

/** Erasure: every planned delivery of the customer, on every channel, is cancelled. */
export function cancelAllPendingDeliveries(
  manager: EntityManager,
  customerId: string,
  actor: string,
): Promise<number> {
  return cancelPlanned(manager, { customerId, channel: null, topic: '*' }, 'suppressed', actor);
}

async function cancelPlanned(
  manager: EntityManager,
  scope: { customerId: string; channel: Channel | null; topic: string },
  reason: string,
  actor: string,
): Promise<number> {
  const rows: { n: string }[] = await manager.query(
    `WITH cancelled AS (
       UPDATE deliveries
          SET status = 'cancelled', finished_at = now(), updated_at = now(), lease_until = NULL
        WHERE customer_id = $1 AND ($2::text IS NULL OR channel = $2) AND status = 'planned'
          AND ($3 = '*' OR topic = $3)
       RETURNING id, campaign_id, customer_id, channel, topic
     ), audited AS (
       INSERT INTO audit_events (at, type, customer_id, campaign_id, delivery_id, channel, reason, actor, data)
       SELECT now(), 'delivery.cancelled', customer_id, campaign_id, id, channel, $5, $4,
              jsonb_build_object('topic', topic, 'scope', $3::text)
         FROM cancelled
       RETURNING 1
     )
     SELECT count(*)::text AS n FROM audited`,
    [scope.customerId, scope.channel, scope.topic, actor, reason],
  );
  return Number(rows[0]?.n ?? 0);
}

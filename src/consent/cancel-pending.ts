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
 * HOOK POINT: deliveries do not exist yet. The delivery issue fills this in (UPDATE deliveries
 * SET status = 'cancelled' for planned rows in scope, plus a `delivery.cancelled` audit row each)
 * and tests it. Until the `deliveries` table exists this is a no-op that returns 0.
 */
export async function cancelPendingDeliveries(
  manager: EntityManager,
  scope: WithdrawalScope,
): Promise<number> {
  const [row]: { present: boolean }[] = await manager.query(
    `SELECT to_regclass('deliveries') IS NOT NULL AS present`,
  );
  if (!row.present) return 0;
  throw new Error(
    `cancelPendingDeliveries is not implemented for the deliveries table yet ` +
      `(scope ${scope.channel}/${scope.topic}); the delivery issue must fill it in`,
  );
}

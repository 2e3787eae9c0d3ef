import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { PLAN_LOCK, PLAN_UNLOCK, TRY_PLAN_LOCK } from './sql/campaign-lock';

const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 4;

/** A deadlock or serialization failure: the transaction may simply be run again. */
export function isRetryable(err: unknown): boolean {
  const code = (err as { driverError?: { code?: string } } | null)?.driverError?.code;
  return code !== undefined && RETRYABLE.has(code);
}

/** A transaction on the given connection, retried on deadlock or serialization failure. */
export async function inTransaction<T>(
  qr: QueryRunner,
  fn: (m: EntityManager) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await qr.startTransaction();
    try {
      const result = await fn(qr.manager);
      await qr.commitTransaction();
      return result;
    } catch (err) {
      await qr.rollbackTransaction().catch(() => undefined);
      if (attempt < ATTEMPTS && isRetryable(err)) {
        await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
        continue;
      }
      throw err;
    }
  }
}

/** Runs fn on a connection of its own, released afterwards. */
export async function onOwnConnection<T>(
  dataSource: DataSource,
  fn: (qr: QueryRunner) => Promise<T>,
): Promise<T> {
  const qr = dataSource.createQueryRunner();
  await qr.connect();
  try {
    return await fn(qr);
  } finally {
    await qr.release();
  }
}

/**
 * Runs fn holding the campaign's session advisory lock on a dedicated connection; another
 * instance already holding it means fn does not run and this answers null.
 */
export function withCampaignLock<T>(
  dataSource: DataSource,
  campaignId: string,
  fn: (qr: QueryRunner) => Promise<T>,
): Promise<T | null> {
  return onOwnConnection(dataSource, async (qr) => {
    const [row]: { locked: boolean }[] = await qr.query(TRY_PLAN_LOCK, [PLAN_LOCK, campaignId]);
    if (!row.locked) return null;
    try {
      return await fn(qr);
    } finally {
      await qr.query(PLAN_UNLOCK, [PLAN_LOCK, campaignId]);
    }
  });
}

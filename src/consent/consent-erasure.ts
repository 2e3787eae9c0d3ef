import type { EntityManager } from 'typeorm';

/**
 * Erasure keeps the consent ledger (what was agreed, when, under which wording) but blanks the
 * personal data in its evidence: IP address and user agent. The ledger's trigger refuses every
 * UPDATE except this one, allowed only while `tactful.erasure` is on in the current transaction.
 * Call inside the erasure's transaction.
 */
export async function blankConsentEvidence(
  manager: EntityManager,
  customerId: string,
): Promise<number> {
  await manager.query(`SELECT set_config('tactful.erasure', 'on', true)`);
  try {
    const [, count]: [unknown, number] = await manager.query(
      `UPDATE consent_events SET ip = NULL, user_agent = NULL
       WHERE customer_id = $1 AND (ip IS NOT NULL OR user_agent IS NOT NULL)`,
      [customerId],
    );
    return count;
  } finally {
    await manager.query(`SELECT set_config('tactful.erasure', 'off', true)`);
  }
}

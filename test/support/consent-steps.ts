import type { DataSource } from 'typeorm';
import type { TestApp } from './test-app';

/** A consent granted through the API by the admin, its double opt-in already done (a web form). */
export const grantConfirmed = (t: TestApp, customerId: string, channel: string, topic: string) =>
  t.admin
    .post(`/v1/customers/${customerId}/consents`)
    .send({
      channel,
      topic,
      action: 'grant',
      source: 'web-form',
      confirmed: true,
      evidence: { wording: 'Да', wordingVersion: 'v1' },
    })
    .expect(201);

/** The customer's consent state, `channel:topic → status`. */
export async function consentStates(
  db: DataSource,
  customerId: string,
): Promise<Record<string, string>> {
  const rows: { k: string; status: string }[] = await db.query(
    `SELECT channel || ':' || topic AS k, status FROM consent_state WHERE customer_id = $1`,
    [customerId],
  );
  return Object.fromEntries(rows.map((r) => [r.k, r.status]));
}

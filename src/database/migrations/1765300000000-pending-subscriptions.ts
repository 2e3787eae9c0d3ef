import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A double opt-in request waits here, not in customers or the consent ledger: nothing reachable
 * by a campaign exists before the confirmation. The address, name and the form's evidence are
 * kept only until then (the confirmation moves them into the customer and the ledger and clears
 * them here); a request never confirmed is cleared after its link expires.
 */
export class PendingSubscriptions1765300000000 implements MigrationInterface {
  name = 'PendingSubscriptions1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE subscription_requests
        ADD COLUMN email text NULL,
        ADD COLUMN name text NULL,
        ADD COLUMN wording text NULL,
        ADD COLUMN wording_version text NULL,
        ADD COLUMN ip inet NULL,
        ADD COLUMN user_agent text NULL`);
    await q.query(
      `CREATE INDEX ix_subscription_requests_unconfirmed ON subscription_requests (created_at)
       WHERE outcome = 'sent' AND confirmed_at IS NULL AND email IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_subscription_requests_unconfirmed`);
    await q.query(`
      ALTER TABLE subscription_requests DROP COLUMN email, DROP COLUMN name, DROP COLUMN wording,
        DROP COLUMN wording_version, DROP COLUMN ip, DROP COLUMN user_agent`);
  }
}

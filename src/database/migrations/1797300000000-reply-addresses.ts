import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where replies go: a business contact's account manager may have an e-mail (their replies reach
 * that person), and a campaign may name its own Reply-To instead of the REPLY_TO setting.
 */
export class ReplyAddresses1797300000000 implements MigrationInterface {
  name = 'ReplyAddresses1797300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customers ADD COLUMN account_manager_email text`);
    await q.query(`ALTER TABLE campaigns ADD COLUMN reply_to text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns DROP COLUMN reply_to`);
    await q.query(`ALTER TABLE customers DROP COLUMN account_manager_email`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A grant made through another channel than its own (a forwarded e-mail preference link switching
 * on SMS) is pending until confirmed on its own channel: the policy engine treats it like an
 * unconfirmed double opt-in. The ledger event carries `needsConfirmation` in its data.
 */
export class PendingCrossChannelConsent1765301000000 implements MigrationInterface {
  name = 'PendingCrossChannelConsent1765301000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE consent_state ADD COLUMN needs_confirmation boolean NOT NULL DEFAULT false`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE consent_state DROP COLUMN needs_confirmation`);
  }
}

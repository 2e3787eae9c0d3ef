import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * E-mail provider event webhooks (SES through SNS, SendGrid, Mailgun, Postmark): their events are
 * delivery events of their own source; a signed request seen once (a Mailgun token, an SNS
 * message id) is remembered for a day so a replay is refused. Neither holds personal data.
 */
export class ProviderEmailEvents1797200000000 implements MigrationInterface {
  name = 'ProviderEmailEvents1797200000000';

  async up(q: QueryRunner): Promise<void> {
    const constraint = await q.query(
      `SELECT conname FROM pg_constraint
        WHERE conrelid = 'delivery_events'::regclass AND contype = 'c'
          AND pg_get_constraintdef(oid) LIKE '%source%'`,
    );
    for (const { conname } of constraint as { conname: string }[]) {
      await q.query(`ALTER TABLE delivery_events DROP CONSTRAINT "${conname}"`);
    }
    await q.query(`
      ALTER TABLE delivery_events ADD CONSTRAINT delivery_events_source_check
        CHECK (source IN ('twilio', 'dsn', 'arf', 'ses', 'sendgrid', 'mailgun', 'postmark'))`);
    await q.query(`
      CREATE TABLE webhook_replay_guard (
        provider text NOT NULL,
        token text NOT NULL,
        seen_at timestamptz NOT NULL,
        PRIMARY KEY (provider, token)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_replay_guard`);
    await q.query(`ALTER TABLE delivery_events DROP CONSTRAINT delivery_events_source_check`);
    await q.query(`
      ALTER TABLE delivery_events ADD CONSTRAINT delivery_events_source_check
        CHECK (source IN ('twilio', 'dsn', 'arf'))`);
  }
}

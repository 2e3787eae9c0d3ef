import { MigrationInterface, QueryRunner } from 'typeorm';

/** Double opt-in requests and their per-address rate limit (#3). */
export class Subscriptions1763906400000 implements MigrationInterface {
  name = 'Subscriptions1763906400000';

  async up(q: QueryRunner): Promise<void> {
    // One row per POST /v1/subscribe, known address or not, so the per-address limit behaves the
    // same for both (no enumeration). The address is kept only as its suppression-style hash;
    // IP and user agent live in the consent ledger's evidence, not here.
    await q.query(`
      CREATE TABLE subscription_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        address_hash text NOT NULL,
        customer_id uuid NULL REFERENCES customers (id),
        topics text[] NOT NULL,
        locale text NOT NULL,
        outcome text NOT NULL
          CHECK (outcome IN ('sent', 'already_confirmed', 'suppressed', 'rate_limited')),
        created_at timestamptz NOT NULL,
        confirmed_at timestamptz NULL
      )`);
    await q.query(
      `CREATE INDEX ix_subscription_requests_address ON subscription_requests (address_hash, created_at)`,
    );
    await q.query(
      `CREATE INDEX ix_subscription_requests_customer ON subscription_requests (customer_id)
       WHERE customer_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE subscription_requests`);
  }
}

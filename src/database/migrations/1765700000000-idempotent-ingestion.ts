import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retried requests record once:
 * - customer_events.event_id: the client's own id of an event, unique per customer, so a batch is
 *   written with `ON CONFLICT (customer_id, event_id) DO NOTHING` (partial: events without one
 *   pay no index entry);
 * - idempotency_keys: the answer to each `Idempotency-Key` per API key, kept 24 hours. `response`
 *   is the JSON text as first sent (text, not jsonb, so a replay is byte for byte the same);
 *   `status` NULL while the first request is still running.
 */
export class IdempotentIngestion1765700000000 implements MigrationInterface {
  name = 'IdempotentIngestion1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_events ADD COLUMN event_id text NULL`);
    await q.query(
      `CREATE UNIQUE INDEX ux_customer_events_event_id ON customer_events (customer_id, event_id)
        WHERE event_id IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE idempotency_keys (
        api_key_id uuid NOT NULL,
        key text NOT NULL,
        fingerprint text NOT NULL,
        status smallint NULL,
        response text NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (api_key_id, key)
      )`);
    await q.query(`CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP INDEX ux_customer_events_event_id`);
    await q.query(`ALTER TABLE customer_events DROP COLUMN event_id`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per customer import: who started it, and how far it got. Each batch of customers
 * advances it in the batch's own transaction, so after a crash it still says exactly what was
 * written (rows up to `last_committed_line`). `heartbeat_at` moves while the import runs; a
 * `running` row whose heartbeat stopped belongs to a process that died and reads as interrupted.
 */
export class CustomerImports1765600000000 implements MigrationInterface {
  name = 'CustomerImports1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_imports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        actor text NOT NULL,
        format text NOT NULL CHECK (format IN ('ndjson', 'csv')),
        status text NOT NULL DEFAULT 'running'
          CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz NULL,
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        rows_read bigint NOT NULL DEFAULT 0,
        rows_inserted bigint NOT NULL DEFAULT 0,
        rows_updated bigint NOT NULL DEFAULT 0,
        rows_refused bigint NOT NULL DEFAULT 0,
        last_committed_line bigint NOT NULL DEFAULT 0,
        failure text NULL
      )`);
    await q.query(
      `CREATE INDEX customer_imports_started_at ON customer_imports (started_at DESC, id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE customer_imports`);
  }
}

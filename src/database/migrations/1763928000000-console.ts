import { MigrationInterface, QueryRunner } from 'typeorm';

/** Console sign-in sessions (#8): the cookie's random id is stored only as its SHA-256. */
export class Console1763928000000 implements MigrationInterface {
  name = 'Console1763928000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE console_sessions (
        id_hash text PRIMARY KEY,
        key_id uuid NOT NULL REFERENCES api_keys (id),
        role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    // Sign-out of a revoked key's sessions and expiry sweeps go by key and by time.
    await q.query(`CREATE INDEX ix_console_sessions_key ON console_sessions (key_id)`);
    await q.query(`CREATE INDEX ix_console_sessions_expires ON console_sessions (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE console_sessions`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Follow-ups: an unhappy customer (a low satisfaction score, a complaint) waits for a person, and
 * selling waits with them. At most one open follow-up per customer; further reasons join it.
 * Only ids and codes, plus the note of whoever resolved it (scrubbed at erasure).
 */
export class FollowUps1797300001000 implements MigrationInterface {
  name = 'FollowUps1797300001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE follow_ups (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customers (id),
        -- low_satisfaction | complaint | sms_complaint, in the order they arrived
        reasons text[] NOT NULL CHECK (cardinality(reasons) > 0),
        event_ids bigint[] NOT NULL DEFAULT '{}',
        delivery_ids uuid[] NOT NULL DEFAULT '{}',
        opened_at timestamptz NOT NULL,
        resolved_at timestamptz,
        resolved_by text,
        note text,
        CHECK ((resolved_at IS NULL) = (resolved_by IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX ux_follow_ups_open_customer ON follow_ups (customer_id) WHERE resolved_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX ix_follow_ups_open ON follow_ups (opened_at, id) WHERE resolved_at IS NULL`,
    );
    await q.query(`CREATE INDEX ix_follow_ups_customer ON follow_ups (customer_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE follow_ups`);
  }
}

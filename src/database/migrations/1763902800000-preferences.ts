import { MigrationInterface, QueryRunner } from 'typeorm';

export class Preferences1763902800000 implements MigrationInterface {
  name = 'Preferences1763902800000';

  async up(q: QueryRunner): Promise<void> {
    // A customer's own choices; they can only make the contact policy stricter. Topic on/off
    // lives in the consent ledger, not here, so that every yes and no keeps its evidence.
    await q.query(`
      CREATE TABLE customer_preferences (
        customer_id uuid PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
        max_frequency text CHECK (max_frequency IN ('quarter', 'half_year', 'year')),
        paused_until timestamptz,
        preferred_channels text[] NOT NULL DEFAULT '{}'
          CHECK (preferred_channels <@ ARRAY['email', 'sms', 'voice']::text[]),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE customer_preferences`);
  }
}

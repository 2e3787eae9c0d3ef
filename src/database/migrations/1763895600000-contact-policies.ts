import { MigrationInterface, QueryRunner } from 'typeorm';

export class ContactPolicies1763895600000 implements MigrationInterface {
  name = 'ContactPolicies1763895600000';

  async up(q: QueryRunner): Promise<void> {
    // Every save is a new version; old versions stay so each decision can name the one it used.
    await q.query(`
      CREATE TABLE contact_policies (
        kind text NOT NULL CHECK (kind IN ('consumer', 'business')),
        version integer NOT NULL CHECK (version >= 1),
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NULL,
        PRIMARY KEY (kind, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE contact_policies`);
  }
}

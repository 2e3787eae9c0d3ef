import { MigrationInterface, QueryRunner } from 'typeorm';

/** Stored, versioned templates (#5). Built-in templates live in files and are version 1. */
export class Templates1763910000000 implements MigrationInterface {
  name = 'Templates1763910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE templates (
        name text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_-]{1,59}$'),
        version integer NOT NULL CHECK (version >= 1),
        -- { "<locale>": { "subject", "html", "text", "sms", "call" } } (Handlebars sources)
        locales jsonb NOT NULL CHECK (jsonb_typeof(locales) = 'object'),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, version)
      )`);
    // A version, once saved, is what campaigns pinned to it will send: it never changes.
    await q.query(`
      CREATE FUNCTION templates_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'template versions are immutable (% refused)', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER templates_immutable BEFORE UPDATE OR DELETE ON templates
      FOR EACH ROW EXECUTE FUNCTION templates_refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE templates`);
    await q.query(`DROP FUNCTION templates_refuse_change()`);
  }
}

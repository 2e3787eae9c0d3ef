import { MigrationInterface, QueryRunner } from 'typeorm';

const HASH = `encode(sha256(convert_to(wording, 'UTF8')), 'hex')`;

/**
 * Consent wording moves out of the append-only ledger into `consent_wordings`, keyed by its
 * sha256. A client may write anything into a wording (the person's name, their address), and an
 * append-only row can never be scrubbed; the ledger keeps the hash, which still proves which text
 * was shown, and erasure can blank the text of a wording that was this person's alone or quotes
 * them. Standard wordings shared by many customers stay readable.
 *
 * A trigger does the move for every writer (the service, fixtures, SQL by hand), and a CHECK
 * keeps `consent_events.wording` empty, so no path can put a wording into the ledger again.
 */
export class ConsentWordings1765100000000 implements MigrationInterface {
  name = 'ConsentWordings1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE consent_wordings (
        hash text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
        wording text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        erased_at timestamptz NULL
      )`);
    await q.query(`ALTER TABLE consent_events ADD COLUMN wording_hash text NULL`);
    await q.query(`
      INSERT INTO consent_wordings (hash, wording)
      SELECT DISTINCT ${HASH}, wording FROM consent_events WHERE wording IS NOT NULL`);
    // A one-off move of existing rows: the ledger's trigger is off only inside this migration.
    await q.query(`ALTER TABLE consent_events DISABLE TRIGGER consent_events_append_only`);
    await q.query(`
      UPDATE consent_events SET wording_hash = ${HASH}, wording = NULL WHERE wording IS NOT NULL`);
    await q.query(`ALTER TABLE consent_events ENABLE TRIGGER consent_events_append_only`);
    await q.query(`
      CREATE FUNCTION consent_events_store_wording() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.wording IS NOT NULL THEN
          NEW.wording_hash := encode(sha256(convert_to(NEW.wording, 'UTF8')), 'hex');
          -- A wording blanked by an erasure comes back when someone else is shown it.
          INSERT INTO consent_wordings (hash, wording) VALUES (NEW.wording_hash, NEW.wording)
          ON CONFLICT (hash) DO UPDATE SET wording = EXCLUDED.wording, erased_at = NULL
            WHERE consent_wordings.wording IS NULL;
          NEW.wording := NULL;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER consent_events_wording BEFORE INSERT ON consent_events
      FOR EACH ROW EXECUTE FUNCTION consent_events_store_wording()`);
    await q.query(
      `ALTER TABLE consent_events ADD CONSTRAINT ck_consent_events_no_wording CHECK (wording IS NULL)`,
    );
    await q.query(
      `CREATE INDEX ix_consent_events_wording_hash ON consent_events (wording_hash) WHERE wording_hash IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_consent_events_wording_hash`);
    await q.query(`ALTER TABLE consent_events DROP CONSTRAINT ck_consent_events_no_wording`);
    await q.query(`DROP TRIGGER consent_events_wording ON consent_events`);
    await q.query(`DROP FUNCTION consent_events_store_wording()`);
    await q.query(`ALTER TABLE consent_events DISABLE TRIGGER consent_events_append_only`);
    await q.query(`
      UPDATE consent_events e SET wording = w.wording
        FROM consent_wordings w WHERE w.hash = e.wording_hash`);
    await q.query(`ALTER TABLE consent_events ENABLE TRIGGER consent_events_append_only`);
    await q.query(`ALTER TABLE consent_events DROP COLUMN wording_hash`);
    await q.query(`DROP TABLE consent_wordings`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

const KEY = `'^[a-z][a-z0-9_-]{1,39}$'`;
const CHANNEL = `('email', 'sms', 'voice')`;

export class Consent1763899200000 implements MigrationInterface {
  name = 'Consent1763899200000';

  async up(q: QueryRunner): Promise<void> {
    // What a message is about and what a customer subscribes to; archived, never deleted,
    // because the consent ledger keeps naming them.
    await q.query(`
      CREATE TABLE topics (
        key text PRIMARY KEY CHECK (key ~ ${KEY}),
        category text NOT NULL CHECK (category IN ('content', 'promotional', 'service')),
        cadence_days integer NULL CHECK (cadence_days IS NULL OR cadence_days >= 1),
        title jsonb NOT NULL DEFAULT '{}'::jsonb,
        description jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        archived_at timestamptz NULL
      )`);

    // The consent ledger: every grant, confirmation and withdrawal with its evidence.
    await q.query(`
      CREATE TABLE consent_events (
        id bigserial PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers (id),
        channel text NOT NULL CHECK (channel IN ${CHANNEL}),
        topic text NOT NULL CHECK (topic = '*' OR topic ~ ${KEY}),
        action text NOT NULL CHECK (action IN ('grant', 'confirm', 'withdraw')),
        source text NOT NULL CHECK (source ~ '^[a-z][a-z0-9_-]{1,39}$'),
        confirmed boolean NOT NULL DEFAULT false,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        ip inet NULL,
        user_agent text NULL,
        wording text NULL,
        wording_version text NULL,
        actor text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(`CREATE INDEX ix_consent_events_customer ON consent_events (customer_id, id)`);
    await q.query(`CREATE INDEX ix_consent_events_topic ON consent_events (topic)`);
    // Append-only, like audit_events. The one exception is erasure: inside a transaction that has
    // run SET LOCAL tactful.erasure = 'on' (see src/consent/consent-erasure.ts), an UPDATE may
    // blank ip and user_agent (personal data) and change nothing else. This guards against
    // application mistakes; it is not a barrier against someone with SQL access.
    await q.query(`
      CREATE FUNCTION consent_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE'
           AND current_setting('tactful.erasure', true) = 'on'
           AND NEW.ip IS NULL AND NEW.user_agent IS NULL
           AND (to_jsonb(NEW) - 'ip' - 'user_agent') = (to_jsonb(OLD) - 'ip' - 'user_agent') THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'consent_events is append-only (% refused)', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER consent_events_append_only BEFORE UPDATE OR DELETE ON consent_events
      FOR EACH ROW EXECUTE FUNCTION consent_events_refuse_change()`);
    await q.query(`
      CREATE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON consent_events
      FOR EACH STATEMENT EXECUTE FUNCTION consent_events_refuse_change()`);

    // The current state, derived from the ledger in the transaction that appends to it.
    await q.query(`
      CREATE TABLE consent_state (
        customer_id uuid NOT NULL REFERENCES customers (id),
        channel text NOT NULL CHECK (channel IN ${CHANNEL}),
        topic text NOT NULL,
        status text NOT NULL CHECK (status IN ('granted', 'confirmed', 'withdrawn')),
        since timestamptz NOT NULL,
        last_event_id bigint NOT NULL REFERENCES consent_events (id),
        PRIMARY KEY (customer_id, channel, topic)
      )`);
    await q.query(`CREATE INDEX ix_consent_state_topic ON consent_state (topic)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE consent_state`);
    await q.query(`DROP TABLE consent_events`);
    await q.query(`DROP FUNCTION consent_events_refuse_change()`);
    await q.query(`DROP TABLE topics`);
  }
}

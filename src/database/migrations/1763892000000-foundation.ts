import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1763892000000 implements MigrationInterface {
  name = 'Foundation1763892000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'marketer', 'auditor', 'integration')),
        key_hash text NOT NULL,
        key_prefix text NOT NULL,
        created_by uuid NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz NULL,
        last_used_at timestamptz NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX ux_api_keys_hash ON api_keys (key_hash)`);

    await q.query(`
      CREATE TABLE customers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        external_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('consumer', 'business')),
        name text NULL,
        email text NULL,
        phone text NULL,
        timezone text NOT NULL DEFAULT 'UTC',
        locale text NOT NULL DEFAULT 'en',
        company text NULL,
        account_manager_name text NULL,
        account_manager_phone text NULL,
        attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
        first_purchase_at timestamptz NULL,
        last_purchase_at timestamptz NULL,
        purchase_count integer NOT NULL DEFAULT 0,
        last_satisfaction_score smallint NULL,
        last_satisfaction_at timestamptz NULL,
        last_engagement_at timestamptz NULL,
        last_review_at timestamptz NULL,
        last_complaint_at timestamptz NULL,
        erased_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX ux_customers_external_id ON customers (external_id)`);
    await q.query(
      `CREATE INDEX ix_customers_email ON customers (lower(email)) WHERE email IS NOT NULL`,
    );
    await q.query(`CREATE INDEX ix_customers_phone ON customers (phone) WHERE phone IS NOT NULL`);

    await q.query(`
      CREATE TABLE customer_events (
        id bigserial PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers (id),
        type text NOT NULL CHECK (type IN ('purchase', 'satisfaction', 'review_posted', 'complaint', 'engagement')),
        occurred_at timestamptz NOT NULL,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX ix_customer_events_customer ON customer_events (customer_id, occurred_at)`,
    );

    // Suppressions hold hashes, never addresses, so they survive erasure of the customer.
    await q.query(`
      CREATE TABLE suppressions (
        id bigserial PRIMARY KEY,
        address_type text NOT NULL CHECK (address_type IN ('email', 'phone')),
        address_hash text NOT NULL,
        reason text NOT NULL CHECK (reason IN ('hard_bounce', 'complaint', 'erasure', 'do_not_contact')),
        customer_id uuid NULL,
        note text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        lifted_at timestamptz NULL
      )`);
    await q.query(
      `CREATE INDEX ix_suppressions_hash ON suppressions (address_hash) WHERE lifted_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        type text NOT NULL,
        customer_id uuid NULL,
        campaign_id uuid NULL,
        delivery_id uuid NULL,
        channel text NULL,
        reason text NULL,
        policy_version integer NULL,
        actor text NULL,
        data jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(
      `CREATE INDEX ix_audit_customer ON audit_events (customer_id, id) WHERE customer_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX ix_audit_campaign ON audit_events (campaign_id, id) WHERE campaign_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX ix_audit_at ON audit_events (at)`);
    // The audit is append-only: the database itself refuses edits, whatever the application does.
    await q.query(`
      CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_refuse_change()`);
    await q.query(`DROP TABLE suppressions`);
    await q.query(`DROP TABLE customer_events`);
    await q.query(`DROP TABLE customers`);
    await q.query(`DROP TABLE api_keys`);
  }
}

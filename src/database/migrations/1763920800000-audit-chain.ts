import { MigrationInterface, QueryRunner } from 'typeorm';

const COLUMNS = `id, at, type, customer_id, campaign_id, delivery_id, channel, reason, policy_version, actor, data`;

/**
 * #7: the audit partitioned by month, sealed by a hash chain, and rendered content kept apart.
 *
 * - audit_events becomes a range-partitioned table on `at` (one partition per UTC month plus a
 *   DEFAULT partition, so an insert never fails for want of a partition). The primary key must
 *   contain the partition key: (id, at). `id` keeps the same sequence, so it stays globally
 *   ordered across partitions. The append-only triggers are recreated on the parent (row triggers
 *   are cloned to every partition); TRUNCATE triggers do not cascade, so each partition gets its own.
 * - audit_seals: the hash chain (see src/audit/audit-sealer.service.ts); append-only as well.
 * - audit_content: rendered message content, deliberately outside the chain: it is purged after
 *   settings.auditContentRetentionDays, leaving its hash (which the chained delivery audit row and
 *   deliveries.content_hash also carry).
 */
export class AuditChain1763920800000 implements MigrationInterface {
  name = 'AuditChain1763920800000';

  async up(q: QueryRunner): Promise<void> {
    // Month partitions on demand. Returns false (and creates nothing) when the DEFAULT partition
    // already holds rows of that month: PostgreSQL would refuse the new partition, and moving the
    // rows would need a DELETE the append-only trigger refuses. Those rows simply stay in DEFAULT.
    await q.query(`
      CREATE FUNCTION audit_events_ensure_partition(ts timestamptz) RETURNS boolean
      LANGUAGE plpgsql AS $$
      DECLARE
        lo timestamptz := date_trunc('month', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
        hi timestamptz := (date_trunc('month', ts AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
        part text := 'audit_events_' || to_char(ts AT TIME ZONE 'UTC', '"y"YYYY"m"MM');
      BEGIN
        IF to_regclass(part) IS NOT NULL THEN
          RETURN true;
        END IF;
        -- Several instances may tick at once: one creates, the others then find it.
        PERFORM pg_advisory_xact_lock(hashtext('tactful.audit_partition'));
        IF to_regclass(part) IS NOT NULL THEN
          RETURN true;
        END IF;
        IF to_regclass('audit_events_default') IS NOT NULL
           AND EXISTS (SELECT 1 FROM audit_events_default WHERE at >= lo AND at < hi) THEN
          RETURN false;
        END IF;
        EXECUTE format('CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
                       part, lo, hi);
        EXECUTE format('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()', part);
        RETURN true;
      END $$`);

    await q.query(`ALTER TABLE audit_events RENAME TO audit_events_unpartitioned`);
    await q.query(
      `ALTER TABLE audit_events_unpartitioned RENAME CONSTRAINT audit_events_pkey TO audit_events_unpartitioned_pkey`,
    );
    await q.query(`DROP INDEX ix_audit_customer, ix_audit_campaign, ix_audit_at`);
    await q.query(`ALTER TABLE audit_events_unpartitioned ALTER COLUMN id DROP DEFAULT`);
    await q.query(`ALTER SEQUENCE audit_events_id_seq OWNED BY NONE`);
    await q.query(`
      CREATE TABLE audit_events (
        id bigint NOT NULL DEFAULT nextval('audit_events_id_seq'),
        at timestamptz NOT NULL DEFAULT now(),
        type text NOT NULL,
        customer_id uuid NULL,
        campaign_id uuid NULL,
        delivery_id uuid NULL,
        channel text NULL,
        reason text NULL,
        policy_version integer NULL,
        actor text NULL,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT audit_events_pkey PRIMARY KEY (id, at)
      ) PARTITION BY RANGE (at)`);
    await q.query(`ALTER SEQUENCE audit_events_id_seq OWNED BY audit_events.id`);
    await q.query(`CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events_default
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
    // Partitions for every month that has rows, and for this month and the next three.
    await q.query(`
      SELECT audit_events_ensure_partition(m)
        FROM (SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m
                FROM audit_events_unpartitioned
              UNION
              SELECT now() + make_interval(months => g) FROM generate_series(0, 3) g) months
       ORDER BY m`);
    await q.query(
      `INSERT INTO audit_events (${COLUMNS}) SELECT ${COLUMNS} FROM audit_events_unpartitioned ORDER BY id`,
    );
    await q.query(`DROP TABLE audit_events_unpartitioned`);

    await q.query(
      `CREATE INDEX ix_audit_customer ON audit_events (customer_id, id) WHERE customer_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX ix_audit_campaign ON audit_events (campaign_id, id) WHERE campaign_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX ix_audit_delivery ON audit_events (delivery_id) WHERE delivery_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX ix_audit_at ON audit_events (at)`);
    await q.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);

    // The hash chain: each seal covers the rows (prev seal's last_id, last_id] in id order.
    // row_ids (varint deltas) and row_digests (first 8 bytes of each row's SHA-256) let verify
    // name the row that was altered, removed or added; hash covers the full digests, the range
    // and the previous seal's hash.
    await q.query(`
      CREATE TABLE audit_seals (
        seq bigint PRIMARY KEY,
        first_id bigint NOT NULL,
        last_id bigint NOT NULL,
        row_count integer NOT NULL CHECK (row_count > 0),
        row_ids bytea NOT NULL,
        row_digests bytea NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        sealed_at timestamptz NOT NULL DEFAULT now(),
        CHECK (first_id <= last_id)
      )`);
    await q.query(`CREATE UNIQUE INDEX ux_audit_seals_last_id ON audit_seals (last_id)`);
    await q.query(`
      CREATE FUNCTION audit_seals_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_seals is append-only (% refused)', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE ON audit_seals
      FOR EACH ROW EXECUTE FUNCTION audit_seals_refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
      FOR EACH STATEMENT EXECUTE FUNCTION audit_seals_refuse_change()`);

    // Rendered content (personal data: names, addresses in the body) is kept for a while and
    // then only its hash. Not chained, not append-only: purging it is the point.
    await q.query(`
      CREATE TABLE audit_content (
        delivery_id uuid PRIMARY KEY REFERENCES deliveries (id),
        customer_id uuid NOT NULL,
        content jsonb NULL,
        content_hash text NOT NULL,
        stored_at timestamptz NOT NULL,
        purged_at timestamptz NULL
      )`);
    await q.query(
      `CREATE INDEX ix_audit_content_due ON audit_content (stored_at) WHERE content IS NOT NULL`,
    );
    await q.query(`CREATE INDEX ix_audit_content_customer ON audit_content (customer_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_content`);
    await q.query(`DROP TABLE audit_seals`);
    await q.query(`DROP FUNCTION audit_seals_refuse_change()`);
    await q.query(`ALTER TABLE audit_events RENAME TO audit_events_partitioned`);
    await q.query(
      `ALTER TABLE audit_events_partitioned RENAME CONSTRAINT audit_events_pkey TO audit_events_partitioned_pkey`,
    );
    await q.query(
      `DROP INDEX ix_audit_customer, ix_audit_campaign, ix_audit_delivery, ix_audit_at`,
    );
    await q.query(`ALTER TABLE audit_events_partitioned ALTER COLUMN id DROP DEFAULT`);
    await q.query(`ALTER SEQUENCE audit_events_id_seq OWNED BY NONE`);
    await q.query(`
      CREATE TABLE audit_events (
        id bigint PRIMARY KEY DEFAULT nextval('audit_events_id_seq'),
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
    await q.query(`ALTER SEQUENCE audit_events_id_seq OWNED BY audit_events.id`);
    await q.query(
      `INSERT INTO audit_events (${COLUMNS}) SELECT ${COLUMNS} FROM audit_events_partitioned ORDER BY id`,
    );
    await q.query(`DROP TABLE audit_events_partitioned`);
    await q.query(`DROP FUNCTION audit_events_ensure_partition(timestamptz)`);
    await q.query(
      `CREATE INDEX ix_audit_customer ON audit_events (customer_id, id) WHERE customer_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX ix_audit_campaign ON audit_events (campaign_id, id) WHERE campaign_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX ix_audit_at ON audit_events (at)`);
    await q.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
  }
}

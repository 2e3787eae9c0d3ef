import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks: endpoints an admin registers, the outbox of events owed to them and the
 * attempts made. Outbox rows are derived from the audit rows being written, in the same
 * statement's transaction (a statement-level trigger with a transition table), so every change
 * that is audited — by AuditWriter or a set-based writer (withdrawals, erasure, the sender) —
 * is owed to its subscribers exactly when it commits. With no endpoint the trigger costs one
 * EXISTS per statement. Payloads carry ids and codes only, never an address, a name or a text.
 */
export class OutboundWebhooks1797200001000 implements MigrationInterface {
  name = 'OutboundWebhooks1797200001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
        events text[] NOT NULL,
        secret_sealed text NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text,
        deleted_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE webhook_outbox (
        id bigserial PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id),
        event_type text NOT NULL,
        audit_id bigint NOT NULL,
        payload jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_status integer,
        last_answer text,
        sent_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX ix_webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query(`CREATE INDEX ix_webhook_outbox_endpoint ON webhook_outbox (endpoint_id, id)`);
    await q.query(`
      CREATE TABLE webhook_attempts (
        id bigserial PRIMARY KEY,
        outbox_id bigint NOT NULL REFERENCES webhook_outbox (id),
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id),
        at timestamptz NOT NULL,
        status_code integer,
        answer text NOT NULL,
        duration_ms integer NOT NULL
      )`);
    await q.query(
      `CREATE INDEX ix_webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id)`,
    );
    await q.query(`CREATE INDEX ix_webhook_attempts_outbox ON webhook_attempts (outbox_id, id)`);

    // The audit type → webhook event map (webhooks/webhook-events.ts lists the same names).
    await q.query(`
      CREATE FUNCTION webhook_event_of(audit_type text) RETURNS text
      LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE
          WHEN audit_type IN ('consent.granted', 'consent.confirmed', 'consent.withdrawn',
                              'suppression.added', 'campaign.completed', 'campaign.auto_paused',
                              'follow_up.resolved') THEN audit_type
          WHEN audit_type = 'admin.customer_erased' THEN 'customer.erased'
          WHEN audit_type = 'follow_up.opened' THEN 'customer.needs_attention'
          WHEN audit_type LIKE 'delivery.%' THEN audit_type
        END
      $$`);
    // Codes only: a value that is not shaped like a code (an address, a sentence) is left out.
    await q.query(`
      CREATE FUNCTION webhook_code(v text) RETURNS text
      LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN v ~ '^[A-Za-z0-9_.:*-]{1,64}$' THEN v END
      $$`);
    await q.query(`
      CREATE FUNCTION webhook_outbox_from_audit() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE deleted_at IS NULL) THEN
          RETURN NULL;
        END IF;
        INSERT INTO webhook_outbox (endpoint_id, event_type, audit_id, payload, occurred_at,
                                    next_attempt_at)
        SELECT e.id, ev.name, n.id,
               jsonb_strip_nulls(jsonb_build_object(
                 'customerId', n.customer_id,
                 'campaignId', n.campaign_id,
                 'deliveryId', n.delivery_id,
                 'channel', webhook_code(n.channel),
                 'topic', webhook_code(n.data->>'topic'),
                 'source', webhook_code(n.data->>'source'),
                 'reason', webhook_code(n.reason),
                 'auditId', n.id::text)),
               n.at, n.at
          FROM new_rows n
          CROSS JOIN LATERAL (SELECT webhook_event_of(n.type) AS name) ev
          JOIN webhook_endpoints e
            ON e.deleted_at IS NULL
           AND (ev.name = ANY (e.events)
                OR (ev.name LIKE 'delivery.%' AND 'delivery.*' = ANY (e.events)))
         WHERE ev.name IS NOT NULL;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_events_webhook_outbox AFTER INSERT ON audit_events
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION webhook_outbox_from_audit()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER audit_events_webhook_outbox ON audit_events`);
    await q.query(`DROP FUNCTION webhook_outbox_from_audit()`);
    await q.query(`DROP FUNCTION webhook_code(text)`);
    await q.query(`DROP FUNCTION webhook_event_of(text)`);
    await q.query(`DROP TABLE webhook_attempts`);
    await q.query(`DROP TABLE webhook_outbox`);
    await q.query(`DROP TABLE webhook_endpoints`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

export const DELIVERY_STATUSES = [
  'planned',
  'sending',
  'sent',
  'delivered',
  'bounced',
  'failed',
  'complained',
  'cancelled',
  'unknown',
] as const;

export class Deliveries1763917200000 implements MigrationInterface {
  name = 'Deliveries1763917200000';

  async up(q: QueryRunner): Promise<void> {
    const statuses = DELIVERY_STATUSES.map((s) => `'${s}'`).join(', ');
    // One planned message and its life. A planned row is also the budget reservation: contact
    // history for the policy engine is every delivery that is not cancelled or failed.
    await q.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL REFERENCES campaigns (id),
        step integer NOT NULL DEFAULT 0,
        customer_id uuid NOT NULL REFERENCES customers (id),
        channel text NOT NULL CHECK (channel IN ('email', 'sms', 'voice')),
        category text NOT NULL CHECK (category IN ('content', 'promotional', 'service')),
        topic text NOT NULL,
        goal text NOT NULL,
        is_reminder boolean NOT NULL DEFAULT false,
        lapse_id text,
        template_name text NOT NULL,
        template_version integer NOT NULL,
        policy_version integer NOT NULL,
        -- the consent_events row the decision relied on (promise 7); NULL for service messages
        consent_event_id bigint REFERENCES consent_events (id),
        status text NOT NULL DEFAULT 'planned' CHECK (status IN (${statuses})),
        not_before timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        lease_until timestamptz,
        leased_by text,
        provider_id text,
        provider_status text,
        content_hash text,
        last_error text,
        planned_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- promise 6: at most one message per customer per campaign step
        CONSTRAINT ux_deliveries_once UNIQUE (campaign_id, step, customer_id)
      )`);
    await q.query(
      `CREATE INDEX ix_deliveries_due ON deliveries (not_before) WHERE status = 'planned'`,
    );
    await q.query(
      `CREATE INDEX ix_deliveries_lease ON deliveries (lease_until) WHERE status = 'sending'`,
    );
    await q.query(`CREATE INDEX ix_deliveries_customer ON deliveries (customer_id, planned_at)`);
    await q.query(`CREATE INDEX ix_deliveries_campaign ON deliveries (campaign_id, step, status)`);
    await q.query(
      `CREATE INDEX ix_deliveries_provider ON deliveries (provider_id) WHERE provider_id IS NOT NULL`,
    );

    // Provider feedback (Twilio status callbacks, DSNs, ARF complaints), one row per distinct
    // status of a delivery: a repeated callback hits the unique key and is ignored.
    await q.query(`
      CREATE TABLE delivery_events (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES deliveries (id),
        source text NOT NULL CHECK (source IN ('twilio', 'dsn', 'arf')),
        status text NOT NULL,
        provider_id text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ux_delivery_events_once UNIQUE (delivery_id, source, status)
      )`);
    // Transient (4.x.x) bounces per address, kept as a hash like suppressions; 3 → suppressed.
    await q.query(`
      CREATE TABLE soft_bounces (
        address_hash text PRIMARY KEY,
        count integer NOT NULL DEFAULT 0,
        last_delivery_id uuid,
        last_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE soft_bounces`);
    await q.query(`DROP TABLE delivery_events`);
    await q.query(`DROP TABLE deliveries`);
  }
}

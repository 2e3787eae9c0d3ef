import { MigrationInterface, QueryRunner } from 'typeorm';

/** Planner state: per-customer reservation guards and trigger watermarks (#6). */
export class Planning1763924400000 implements MigrationInterface {
  name = 'Planning1763924400000';

  async up(q: QueryRunner): Promise<void> {
    // One row per customer ever planned. A planner locks (and bumps) the rows of its batch, in
    // customer id order, before it reads contact history: two planners on different campaigns
    // then see each other's reservations and can never both take a customer's last slot.
    // Only planners touch this table, so imports and consent changes never wait on it.
    await q.query(`
      CREATE TABLE customer_contact_guard (
        customer_id uuid PRIMARY KEY REFERENCES customers (id),
        version bigint NOT NULL DEFAULT 0
      )`);
    // A step's audience is planned in lanes (ranges of the customer id space) side by side;
    // each lane checkpoints its own keyset cursor in the transaction of its batch.
    await q.query(`
      CREATE TABLE campaign_step_lanes (
        campaign_id uuid NOT NULL,
        step integer NOT NULL,
        lane integer NOT NULL,
        lanes integer NOT NULL,
        cursor uuid,
        done boolean NOT NULL DEFAULT false,
        PRIMARY KEY (campaign_id, step, lane),
        FOREIGN KEY (campaign_id, step) REFERENCES campaign_steps (campaign_id, step)
      )`);
    // How far a trigger campaign has read: customer_events by id, lapses and reminders by time.
    await q.query(`
      CREATE TABLE campaign_trigger_watermarks (
        campaign_id uuid PRIMARY KEY REFERENCES campaigns (id),
        last_event_id bigint NOT NULL DEFAULT 0,
        lapses_until timestamptz NOT NULL,
        reminders_until timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // "Who became lapsed since the last tick" is a range over last purchases.
    await q.query(
      `CREATE INDEX ix_customers_last_purchase ON customers (last_purchase_at) WHERE last_purchase_at IS NOT NULL`,
    );
    await q.query(`CREATE INDEX ix_customer_events_type_id ON customer_events (type, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_customer_events_type_id`);
    await q.query(`DROP INDEX ix_customers_last_purchase`);
    await q.query(`DROP TABLE campaign_trigger_watermarks`);
    await q.query(`DROP TABLE campaign_step_lanes`);
    await q.query(`DROP TABLE customer_contact_guard`);
  }
}

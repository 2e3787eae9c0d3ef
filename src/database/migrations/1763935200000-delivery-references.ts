import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * deliveries drops its three foreign keys (campaigns, customers, consent_events). Each one ran a
 * lookup and took a KEY SHARE row lock (a write to the referenced row, with WAL) for every planned
 * delivery: measured, half the cost of inserting a delivery. What they protected is held instead
 * by the referenced rows never going away: consent_events is append-only already, and customers
 * (erasure blanks a customer in place) and campaigns (cancelled, never deleted) now refuse DELETE
 * and TRUNCATE in the database itself. The planner writes ids it read in the same transaction.
 */
export class DeliveryReferences1763935200000 implements MigrationInterface {
  name = 'DeliveryReferences1763935200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
      END $$`);
    for (const table of ['customers', 'campaigns']) {
      await q.query(`CREATE TRIGGER ${table}_no_delete BEFORE DELETE OR TRUNCATE ON ${table}
                     FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete()`);
    }
    await q.query(`
      ALTER TABLE deliveries
        DROP CONSTRAINT deliveries_campaign_id_fkey,
        DROP CONSTRAINT deliveries_customer_id_fkey,
        DROP CONSTRAINT deliveries_consent_event_id_fkey`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE deliveries
        ADD CONSTRAINT deliveries_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES campaigns (id),
        ADD CONSTRAINT deliveries_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id),
        ADD CONSTRAINT deliveries_consent_event_id_fkey FOREIGN KEY (consent_event_id) REFERENCES consent_events (id)`);
    for (const table of ['customers', 'campaigns'])
      await q.query(`DROP TRIGGER ${table}_no_delete ON ${table}`);
    await q.query(`DROP FUNCTION refuse_delete()`);
  }
}

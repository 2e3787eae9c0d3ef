import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two fewer b-tree insertions on the planner's write path, which writes an audit row for every
 * decision and a delivery for every send:
 * - audit_events (at) becomes a BRIN index. It only serves from/to filters, on a table that is
 *   appended in time order and already partitioned by month; a BRIN summary is updated per block
 *   range instead of per row.
 * - deliveries drops ix_deliveries_campaign (campaign_id, step, status): the once-per-step unique
 *   key (campaign_id, step, customer_id) now carries status as an included column, so counting a
 *   campaign's deliveries by status stays an index-only scan.
 */
export class WritePathIndexes1763938800000 implements MigrationInterface {
  name = 'WritePathIndexes1763938800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_audit_at`);
    await q.query(`CREATE INDEX ix_audit_at ON audit_events USING brin (at)`);
    await q.query(`
      ALTER TABLE deliveries
        DROP CONSTRAINT ux_deliveries_once,
        -- promise 6: at most one message per customer per campaign step
        ADD CONSTRAINT ux_deliveries_once UNIQUE (campaign_id, step, customer_id) INCLUDE (status)`);
    await q.query(`DROP INDEX ix_deliveries_campaign`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX ix_deliveries_campaign ON deliveries (campaign_id, step, status)`);
    await q.query(`
      ALTER TABLE deliveries
        DROP CONSTRAINT ux_deliveries_once,
        ADD CONSTRAINT ux_deliveries_once UNIQUE (campaign_id, step, customer_id)`);
    await q.query(`DROP INDEX ix_audit_at`);
    await q.query(`CREATE INDEX ix_audit_at ON audit_events (at)`);
  }
}

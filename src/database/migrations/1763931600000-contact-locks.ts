import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-customer guard rows give way to transaction-scoped advisory locks on buckets of the
 * customer id space (src/common/contact-lock.ts): the same serialisation of planners and consent
 * withdrawals, without writing a new row version for every customer of every planner batch.
 */
export class ContactLocks1763931600000 implements MigrationInterface {
  name = 'ContactLocks1763931600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE customer_contact_guard`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_contact_guard (
        customer_id uuid PRIMARY KEY REFERENCES customers (id),
        version bigint NOT NULL DEFAULT 0
      )`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every event batch updates its customers' lifecycle facts. With full pages each update moves the
 * row to another page and adds an entry to every index of customers; leaving a fifth of each page
 * free lets most updates stay on their page (HOT: no index entries) when no indexed column changes.
 * Applies to pages written from now on; existing pages keep their fill until rewritten.
 */
export class CustomersFillfactor1765800001000 implements MigrationInterface {
  name = 'CustomersFillfactor1765800001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customers SET (fillfactor = 80)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customers RESET (fillfactor)`);
  }
}

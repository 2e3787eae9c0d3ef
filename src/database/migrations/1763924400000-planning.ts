import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reserved slot: planner state (budget reservation guards, trigger jobs) (#6). */
export class Planning1763924400000 implements MigrationInterface {
  name = 'Planning1763924400000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}

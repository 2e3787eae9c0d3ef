import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reserved slot: stored, versioned templates (#5). */
export class Templates1763910000000 implements MigrationInterface {
  name = 'Templates1763910000000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}

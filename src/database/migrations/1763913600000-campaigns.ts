import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reserved slot: campaigns and their runs/steps (#5). */
export class Campaigns1763913600000 implements MigrationInterface {
  name = 'Campaigns1763913600000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reserved slot: deliveries, budget reservations, provider events (#6). */
export class Deliveries1763917200000 implements MigrationInterface {
  name = 'Deliveries1763917200000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}

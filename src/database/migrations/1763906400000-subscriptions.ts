import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reserved slot: double opt-in requests and their rate limits (#3). */
export class Subscriptions1763906400000 implements MigrationInterface {
  name = 'Subscriptions1763906400000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reserved slot: audit partitioning, hash chain, content retention (#7). */
export class AuditChain1763920800000 implements MigrationInterface {
  name = 'AuditChain1763920800000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}

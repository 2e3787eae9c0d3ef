import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An announcement's customer-facing title and summary per locale
 * (`{ "ru": { "title", "summary" }, "en": { … } }`): the internal campaign name is not for customers.
 */
export class CampaignAnnouncement1797100000000 implements MigrationInterface {
  name = 'CampaignAnnouncement1797100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns ADD COLUMN announcement jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns DROP COLUMN announcement`);
  }
}

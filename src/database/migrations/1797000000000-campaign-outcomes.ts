import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a campaign needs to measure itself: a holdout share (its control group), the attribution
 * window of purchases, whether its links are tracked, its guardrails (null: the settings'
 * defaults) and why it paused itself.
 */
export class CampaignOutcomes1797000000000 implements MigrationInterface {
  name = 'CampaignOutcomes1797000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE campaigns
        ADD COLUMN holdout_percent integer NOT NULL DEFAULT 0
          CHECK (holdout_percent BETWEEN 0 AND 50),
        ADD COLUMN attribution_days integer NOT NULL DEFAULT 7
          CHECK (attribution_days BETWEEN 1 AND 90),
        ADD COLUMN track_clicks boolean NOT NULL DEFAULT true,
        ADD COLUMN guardrails jsonb,
        ADD COLUMN paused_reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE campaigns DROP COLUMN holdout_percent, DROP COLUMN attribution_days,
        DROP COLUMN track_clicks, DROP COLUMN guardrails, DROP COLUMN paused_reason`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * First-party click tracking. `click_links` keeps each distinct tracked URL once (a link shared
 * by a whole campaign is one row; links quoting the customer are never tracked, so no row holds
 * personal values). `delivery_clicks` records every hit on `/r/<token>`: which delivery and link,
 * when, whether a scanner made it, and the user agent's class only (no IP, no agent string).
 * `customers.track_clicks` is the customer's "don't track my clicks".
 */
export class Clicks1797000001000 implements MigrationInterface {
  name = 'Clicks1797000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customers ADD COLUMN track_clicks boolean NOT NULL DEFAULT true`);
    await q.query(`
      CREATE TABLE click_links (
        id bigserial PRIMARY KEY,
        url text NOT NULL CHECK (length(url) <= 2048),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A URL may be longer than a btree entry allows: unique on its digest.
    await q.query(`CREATE UNIQUE INDEX ux_click_links_url ON click_links (md5(url))`);
    await q.query(`
      CREATE TABLE delivery_clicks (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL,
        campaign_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        link_id bigint NOT NULL REFERENCES click_links (id),
        clicked_at timestamptz NOT NULL,
        method text NOT NULL CHECK (method IN ('GET', 'HEAD')),
        agent_class text NOT NULL CHECK (agent_class IN ('browser', 'mobile', 'scanner', 'unknown')),
        scanner boolean NOT NULL,
        counted boolean NOT NULL
      )`);
    await q.query(`CREATE INDEX ix_delivery_clicks_delivery ON delivery_clicks (delivery_id)`);
    await q.query(`CREATE INDEX ix_delivery_clicks_campaign ON delivery_clicks (campaign_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE delivery_clicks`);
    await q.query(`DROP TABLE click_links`);
    await q.query(`ALTER TABLE customers DROP COLUMN track_clicks`);
  }
}

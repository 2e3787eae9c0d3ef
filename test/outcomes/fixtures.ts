import type { DataSource } from 'typeorm';
import { group } from '../planning/fixtures';
import { aCampaign, aCampaignStep } from '../support/builders';

// Tuesday 10:00 UTC: inside the send window for customers in UTC.
export const NOW = new Date('2026-03-03T10:00:00Z');

/** `n` consumers in `tag`, with a confirmed e-mail consent for `topic`, set-based. */
export async function eligibleCustomers(db: DataSource, tag: string, n: number, topic: string) {
  await db.query(
    `WITH c AS (
       INSERT INTO customers (external_id, kind, name, email, locale, timezone, purchase_count,
                              first_purchase_at, last_purchase_at, attributes)
       SELECT $1 || '-' || g, 'consumer', 'Customer ' || g, $1 || g || '@mail.example', 'en', 'UTC', 1,
              '2026-01-01Z', '2026-01-01Z', jsonb_build_object('group', $1::text)
         FROM generate_series(1, $2::int) g
       RETURNING id
     ), e AS (
       INSERT INTO consent_events (customer_id, channel, topic, action, source, confirmed, occurred_at,
         wording, wording_version, actor)
       SELECT id, 'email', $3, 'grant', 'import', true, '2026-01-01Z', 'Yes', 'w-1', 'seed' FROM c
       RETURNING id, customer_id, occurred_at
     )
     INSERT INTO consent_state (customer_id, channel, topic, status, since, last_event_id)
     SELECT customer_id, 'email', $3, 'confirmed', occurred_at, id FROM e`,
    [tag, n, topic],
  );
}

export async function launched(
  db: DataSource,
  tag: string,
  holdoutPercent: number,
  topic = 'offers',
) {
  const id = await aCampaign(db, {
    name: `holdout ${tag}`,
    topic,
    templateName: 'tpl',
    templateVersion: 1,
    audience: group(tag),
    status: 'scheduled',
    launchedAt: NOW,
    holdoutPercent,
  });
  await aCampaignStep(db, { campaignId: id, step: 0, dueAt: NOW });
  return id;
}

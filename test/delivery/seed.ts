import type { ClientBase } from 'pg';
import type { CreateTemplateDto } from '../../src/templates/templates.dto';
import { middayZone } from '../../src/common/midday-zone';
import { aCampaign, aTopic, sql } from '../support/builders';

// Where it is midday now (the console spec imports it from here too).
export { middayZone };

export const SEED_TEMPLATE: CreateTemplateDto = {
  name: 'seed',
  locales: {
    en: {
      subject: 'Spring tips for {{customer.name}}',
      html: '<p>Hello {{customer.name}},</p><p>Here are three ways to care for your leather shoes in spring.</p>',
      text: 'Hello {{customer.name}},\nHere are three ways to care for your leather shoes in spring.',
      sms: 'Hello {{customer.name}}, spring care tips are in your inbox.',
    },
  },
} as CreateTemplateDto;

/**
 * Set-based seeding for the crash test and the send benchmark: a topic, a running campaign and
 * `n` consumers with a confirmed consent and one planned delivery each, due now.
 * Returns the campaign id.
 */
export async function seedPlannedDeliveries(
  db: ClientBase,
  opts: { n: number; channel: 'email' | 'sms'; tag: string; template?: string; version?: number },
): Promise<string> {
  const zone = middayZone();
  await aTopic(db, { key: 'tips', category: 'content', title: { en: 'Tips', ru: 'Советы' } });
  const campaignId = await aCampaign(db, {
    name: `seed ${opts.tag}`,
    templateName: opts.template ?? 'seed',
    templateVersion: opts.version ?? 1,
    channels: [opts.channel],
    createdBy: 'seed',
    launchedAt: sql('now()'),
  });
  // The customers, their consents and deliveries set-based: benches seed tens of thousands.
  await db.query(
    `WITH c AS (
       INSERT INTO customers (external_id, kind, name, email, phone, locale, timezone)
       SELECT 'seed-' || $2 || '-' || g, 'consumer', 'Customer ' || g,
              'c' || g || '.' || $2 || '@mail.example', '+7999' || lpad(g::text, 7, '0'), 'en', $4
         FROM generate_series(1, $3::int) g
       RETURNING id
     ), e AS (
       INSERT INTO consent_events (customer_id, channel, topic, action, source, confirmed, occurred_at,
         wording, wording_version, actor)
       SELECT id, $5, 'tips', 'grant', 'import', true, now() - interval '1 day', 'Yes, send me tips', 'tips-1', 'seed'
         FROM c
       RETURNING id, customer_id, occurred_at
     ), s AS (
       INSERT INTO consent_state (customer_id, channel, topic, status, since, last_event_id)
       SELECT customer_id, $5, 'tips', 'confirmed', occurred_at, id FROM e
     )
     INSERT INTO deliveries (campaign_id, customer_id, channel, category, topic, goal, template_name,
       template_version, policy_version, consent_event_id, not_before)
     SELECT $1, customer_id, $5, 'content', 'tips', 'retention', $6, $7, 1, id, now() - interval '1 minute'
       FROM e`,
    [campaignId, opts.tag, opts.n, zone, opts.channel, opts.template ?? 'seed', opts.version ?? 1],
  );
  return campaignId;
}

import { AuditEntry, AuditWriter } from '../../src/audit-log/audit-writer';
import type { TestApp } from '../support/test-app';

/** A customer through the API (so defaults and validation are the real ones). */
export async function createCustomer(
  t: TestApp,
  c: { externalId: string; locale?: string; timezone?: string; name?: string; email?: string },
): Promise<string> {
  const res = await t.admin.post('/v1/customers').send({
    kind: 'consumer',
    name: c.name ?? 'Анна Петрова',
    email: c.email ?? `${c.externalId}@example.ru`,
    timezone: c.timezone ?? 'Europe/Moscow',
    locale: c.locale ?? 'ru',
    externalId: c.externalId,
  });
  if (res.status !== 201) throw new Error(`customer: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** Campaigns by SQL: the campaign API belongs to another module and is not needed here. */
export async function createCampaign(
  t: TestApp,
  c: { name: string; topic: string; status?: string; channels?: string[] },
): Promise<string> {
  const [row] = await t.db.query(
    `INSERT INTO campaigns (name, topic, goal, template_name, template_version, channels, audience,
                            schedule, status, created_by)
     VALUES ($1, $2, 'retention', 'tpl', 1, $3, '{"all": []}', '{"type": "now"}', $4, 'key:test')
     RETURNING id`,
    [c.name, c.topic, c.channels ?? ['email', 'sms'], c.status ?? 'running'],
  );
  return row.id as string;
}

/** A delivery row as the planner and sender would leave it. */
export async function createDelivery(
  t: TestApp,
  d: {
    campaignId: string;
    customerId: string;
    channel?: string;
    topic: string;
    category?: string;
    status?: string;
    step?: number;
    consentEventId?: string | null;
    contentHash?: string | null;
    sentAt?: Date | null;
  },
): Promise<string> {
  const [row] = await t.db.query(
    `INSERT INTO deliveries (campaign_id, step, customer_id, channel, category, topic, goal,
                             template_name, template_version, policy_version, consent_event_id,
                             status, not_before, content_hash, provider_id, sent_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'retention', 'tpl', 1, 1, $7, $8, now(), $9, $10, $11)
     RETURNING id`,
    [
      d.campaignId,
      d.step ?? 0,
      d.customerId,
      d.channel ?? 'email',
      d.category ?? 'promotional',
      d.topic,
      d.consentEventId ?? null,
      d.status ?? 'sent',
      d.contentHash ?? null,
      d.status === 'planned' ? null : 'provider-1',
      d.sentAt === undefined ? new Date() : d.sentAt,
    ],
  );
  return row.id as string;
}

export const record = (t: TestApp, entries: AuditEntry | AuditEntry[]) =>
  t.app.get(AuditWriter).record(entries);

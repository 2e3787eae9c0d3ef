import { AuditEntry, AuditWriter } from '../../src/audit-log/audit-writer';
import type { Category, Channel } from '../../src/policy/engine';
import { aCampaign, aDelivery } from '../support/builders';
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
  c: { name: string; topic: string; status?: string; channels?: Channel[] },
): Promise<string> {
  return aCampaign(t.db, {
    name: c.name,
    topic: c.topic,
    templateVersion: 1,
    channels: c.channels ?? ['email', 'sms'],
    audience: { all: [] },
    status: c.status ?? 'running',
    createdBy: 'key:test',
  });
}

/** A delivery row as the planner and sender would leave it. */
export async function createDelivery(
  t: TestApp,
  d: {
    campaignId: string;
    customerId: string;
    channel?: Channel;
    topic: string;
    category?: Category;
    status?: string;
    step?: number;
    consentEventId?: string | null;
    contentHash?: string | null;
    sentAt?: Date | null;
  },
): Promise<string> {
  return aDelivery(t.db, {
    ...d,
    category: d.category ?? 'promotional',
    status: d.status ?? 'sent',
    providerId: d.status === 'planned' ? null : 'provider-1',
    sentAt: d.sentAt === undefined ? new Date() : d.sentAt,
  });
}

export const record = (t: TestApp, entries: AuditEntry | AuditEntry[]) =>
  t.app.get(AuditWriter).record(entries);

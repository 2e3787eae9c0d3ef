export { ManualClock } from '../support/clock';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Category, Channel } from '../../src/policy/engine';
import { aCampaign, aCampaignStep, aConsent, aCustomer, aTopic } from '../support/builders';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface CustomerSeed {
  kind?: 'consumer' | 'business';
  email?: string | null;
  phone?: string | null;
  timezone?: string;
  accountManagerPhone?: string | null;
  purchaseCount?: number;
  lastPurchaseAt?: Date | null;
  lastSatisfactionScore?: number | null;
  /** Tests scope their campaign audiences with `attributes.group`. */
  group?: string;
}

/** An audience of one test's customers. */
export const group = (name: string) => ({ field: 'attributes.group', op: 'eq', value: name });

/** Inserts customers directly (fast, no HTTP); returns their ids in the given order. */
export async function insertCustomers(db: DataSource, seeds: CustomerSeed[]): Promise<string[]> {
  const ids: string[] = [];
  for (const s of seeds) {
    const id = randomUUID();
    const lastPurchaseAt =
      s.lastPurchaseAt === undefined ? new Date('2026-01-01T00:00:00Z') : s.lastPurchaseAt;
    await aCustomer(db, {
      id,
      externalId: `ext-${id}`,
      kind: s.kind ?? 'consumer',
      name: `Customer ${ids.length}`,
      email: s.email === undefined ? `c${id.slice(0, 8)}@example.com` : s.email,
      phone: s.phone === undefined ? null : s.phone,
      timezone: s.timezone ?? 'UTC',
      locale: 'en',
      accountManagerPhone: s.accountManagerPhone ?? null,
      purchaseCount: s.purchaseCount ?? 1,
      firstPurchaseAt: lastPurchaseAt,
      lastPurchaseAt,
      lastSatisfactionScore: s.lastSatisfactionScore ?? null,
      attributes: s.group ? { group: s.group } : {},
    });
    ids.push(id);
  }
  return ids;
}

/** Appends a consent event and its state row, as ConsentService would. */
export const grantConsent = (
  db: DataSource,
  customerId: string,
  channel: Channel,
  topic: string,
  status: 'granted' | 'confirmed' | 'withdrawn' = 'confirmed',
  at = new Date('2026-01-01T00:00:00Z'),
): Promise<string> => aConsent(db, { customerId, channel, topic, status, at });

export const ensureTopic = (
  db: DataSource,
  key: string,
  category: Category,
  cadenceDays: number | null = null,
): Promise<void> => aTopic(db, { key, category, cadenceDays, title: { en: 't' } });

export interface CampaignSeed {
  topic: string;
  goal?: string;
  channels?: Channel[];
  priority?: number;
  audience?: unknown;
  schedule?: unknown;
  status?: string;
  launchedAt?: Date;
  dueAt?: Date;
  effectiveAt?: Date | null;
}

/** A launched campaign (template version pinned) with its step 0 due, as D's launch leaves it. */
export async function insertCampaign(db: DataSource, seed: CampaignSeed): Promise<string> {
  const id = randomUUID();
  const launchedAt = seed.launchedAt ?? new Date('2026-03-02T09:00:00Z');
  await aCampaign(db, {
    id,
    name: `campaign ${id.slice(0, 8)}`,
    topic: seed.topic,
    goal: seed.goal ?? 'retention',
    templateName: 'tpl',
    templateVersion: 1,
    channels: seed.channels ?? ['email'],
    priority: seed.priority ?? 50,
    audience: seed.audience ?? {},
    schedule: seed.schedule ?? { type: 'now' },
    effectiveAt: seed.effectiveAt ?? null,
    status: seed.status ?? 'scheduled',
    createdBy: 'test',
    launchedAt,
  });
  await aCampaignStep(db, { campaignId: id, step: 0, dueAt: seed.dueAt ?? launchedAt });
  return id;
}

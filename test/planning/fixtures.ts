export { ManualClock } from '../support/clock';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

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
    const n = ids.length;
    await db.query(
      `INSERT INTO customers (id, external_id, kind, name, email, phone, timezone, locale,
         account_manager_phone, purchase_count, first_purchase_at, last_purchase_at, last_satisfaction_score,
         attributes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'en', $8, $9, $10, $10, $11, $12)`,
      [
        id,
        `ext-${id}`,
        s.kind ?? 'consumer',
        `Customer ${n}`,
        s.email === undefined ? `c${id.slice(0, 8)}@example.com` : s.email,
        s.phone === undefined ? null : s.phone,
        s.timezone ?? 'UTC',
        s.accountManagerPhone ?? null,
        s.purchaseCount ?? 1,
        s.lastPurchaseAt === undefined ? new Date('2026-01-01T00:00:00Z') : s.lastPurchaseAt,
        s.lastSatisfactionScore ?? null,
        JSON.stringify(s.group ? { group: s.group } : {}),
      ],
    );
    ids.push(id);
  }
  return ids;
}

/** Appends a consent event and its state row, as ConsentService would. */
export async function grantConsent(
  db: DataSource,
  customerId: string,
  channel: 'email' | 'sms' | 'voice',
  topic: string,
  status: 'granted' | 'confirmed' | 'withdrawn' = 'confirmed',
  at = new Date('2026-01-01T00:00:00Z'),
): Promise<string> {
  const action = status === 'withdrawn' ? 'withdraw' : 'grant';
  const [ev]: { id: string }[] = await db.query(
    `INSERT INTO consent_events (customer_id, channel, topic, action, source, confirmed, occurred_at,
       wording, wording_version, actor)
     VALUES ($1, $2, $3, $4, 'api', $5, $6, 'yes please', 'v1', 'test') RETURNING id`,
    [customerId, channel, topic, action, status === 'confirmed', at],
  );
  await db.query(
    `INSERT INTO consent_state (customer_id, channel, topic, status, since, last_event_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (customer_id, channel, topic)
     DO UPDATE SET status = EXCLUDED.status, since = EXCLUDED.since, last_event_id = EXCLUDED.last_event_id`,
    [customerId, channel, topic, status, at, ev.id],
  );
  return String(ev.id);
}

export async function ensureTopic(
  db: DataSource,
  key: string,
  category: 'content' | 'promotional' | 'service',
  cadenceDays: number | null = null,
): Promise<void> {
  await db.query(
    `INSERT INTO topics (key, category, cadence_days, title) VALUES ($1, $2, $3, '{"en":"t"}')
     ON CONFLICT (key) DO NOTHING`,
    [key, category, cadenceDays],
  );
}

export interface CampaignSeed {
  topic: string;
  goal?: string;
  channels?: string[];
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
  await db.query(
    `INSERT INTO campaigns (id, name, topic, goal, template_name, template_version, channels, priority,
       audience, schedule, effective_at, status, created_by, launched_at)
     VALUES ($1, $2, $3, $4, 'tpl', 1, $5, $6, $7, $8, $9, $10, 'test', $11)`,
    [
      id,
      `campaign ${id.slice(0, 8)}`,
      seed.topic,
      seed.goal ?? 'retention',
      seed.channels ?? ['email'],
      seed.priority ?? 50,
      JSON.stringify(seed.audience ?? {}),
      JSON.stringify(seed.schedule ?? { type: 'now' }),
      seed.effectiveAt ?? null,
      seed.status ?? 'scheduled',
      launchedAt,
    ],
  );
  await db.query(`INSERT INTO campaign_steps (campaign_id, step, due_at) VALUES ($1, 0, $2)`, [
    id,
    seed.dueAt ?? launchedAt,
  ]);
  return id;
}

import type { Category, Channel } from '../../src/policy/engine';

/**
 * Test data written straight into the tables, for specs that need rows the API would take many
 * calls to reach (a running campaign, a delivery in a given state). Each builder inserts exactly
 * the columns it is given plus the few NOT NULL ones it defaults; every other column keeps its
 * database default. Rows a spec should get through the real rules go through the API instead.
 */

/** Anything with TypeORM's or pg's `query`: a DataSource, a QueryRunner, an EntityManager, a pg Client. */
export interface Queryable {
  // TypeORM answers rows, pg answers { rows }; rowsOf reads either.
  query(text: string, params?: unknown[]): Promise<unknown>;
}

/** SQL inserted as written (`now()`, `now() + interval '2 days'`): the database's clock, not ours. */
export class SqlExpression {
  constructor(readonly text: string) {}
}
export const sql = (text: string): SqlExpression => new SqlExpression(text);

type When = Date | string | SqlExpression;

function rowsOf(result: unknown): { id: string }[] {
  return (Array.isArray(result) ? result : (result as { rows: { id: string }[] }).rows) ?? [];
}

const column = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** One INSERT of the defined entries of `values` (camelCase keys name snake_case columns). */
async function insertRow(
  db: Queryable,
  table: string,
  values: Record<string, unknown>,
  returning = 'id',
): Promise<string> {
  const columns: string[] = [];
  const placeholders: string[] = [];
  const params: unknown[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    columns.push(column(key));
    if (value instanceof SqlExpression) placeholders.push(value.text);
    else placeholders.push(`$${params.push(value)}`);
  }
  const [row] = rowsOf(
    await db.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders.join(', ')}) RETURNING ${returning}`,
      params,
    ),
  );
  return String(row?.id);
}

const json = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value));

export interface CustomerRow {
  id?: string;
  externalId: string;
  kind?: 'consumer' | 'business';
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  timezone?: string;
  locale?: string;
  company?: string | null;
  accountManagerName?: string | null;
  accountManagerPhone?: string | null;
  accountManagerEmail?: string | null;
  purchaseCount?: number;
  firstPurchaseAt?: Date | null;
  lastPurchaseAt?: Date | null;
  lastSatisfactionScore?: number | null;
  attributes?: Record<string, unknown>;
}

/** A customer row; returns its id. */
export function aCustomer(db: Queryable, c: CustomerRow): Promise<string> {
  return insertRow(db, 'customers', {
    ...c,
    kind: c.kind ?? 'consumer',
    attributes: json(c.attributes),
  });
}

/** A topic, unless one with that key exists. */
export async function aTopic(
  db: Queryable,
  t: {
    key: string;
    category: Category;
    cadenceDays?: number | null;
    title: Record<string, string>;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO topics (key, category, cadence_days, title) VALUES ($1, $2, $3, $4)
     ON CONFLICT (key) DO NOTHING`,
    [t.key, t.category, t.cadenceDays ?? null, JSON.stringify(t.title)],
  );
}

export interface ConsentRow {
  customerId: string;
  channel: Channel;
  topic: string;
  status?: 'granted' | 'confirmed' | 'withdrawn';
  at?: Date;
  source?: string;
  wording?: string;
  wordingVersion?: string;
  actor?: string;
}

/** A consent event and the state row it leads to, as ConsentService writes them; returns the event id. */
export async function aConsent(db: Queryable, c: ConsentRow): Promise<string> {
  const status = c.status ?? 'confirmed';
  const at = c.at ?? new Date('2026-01-01T00:00:00Z');
  const [event] = rowsOf(
    await db.query(
      `INSERT INTO consent_events (customer_id, channel, topic, action, source, confirmed, occurred_at,
         wording, wording_version, actor)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        c.customerId,
        c.channel,
        c.topic,
        status === 'withdrawn' ? 'withdraw' : 'grant',
        c.source ?? 'api',
        status === 'confirmed',
        at,
        c.wording ?? 'yes please',
        c.wordingVersion ?? 'v1',
        c.actor ?? 'test',
      ],
    ),
  );
  await db.query(
    `INSERT INTO consent_state (customer_id, channel, topic, status, since, last_event_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (customer_id, channel, topic)
     DO UPDATE SET status = EXCLUDED.status, since = EXCLUDED.since, last_event_id = EXCLUDED.last_event_id`,
    [c.customerId, c.channel, c.topic, status, at, event.id],
  );
  return String(event.id);
}

export interface CampaignRow {
  id?: string;
  name: string;
  topic?: string;
  goal?: string;
  templateName?: string;
  templateVersion?: number;
  channels?: Channel[];
  priority?: number;
  audience?: unknown;
  schedule?: unknown;
  effectiveAt?: Date | null;
  status?: string;
  createdBy?: string;
  launchedAt?: When;
  replyTo?: string | null;
  // Outcomes.
  holdoutPercent?: number;
  attributionDays?: number;
  trackClicks?: boolean;
  guardrails?: unknown;
}

/**
 * A campaign row, by default a running e-mail campaign on `tips` to everyone, now; returns its
 * id. Its steps are separate rows (aCampaignStep).
 */
export function aCampaign(db: Queryable, c: CampaignRow): Promise<string> {
  return insertRow(db, 'campaigns', {
    ...c,
    topic: c.topic ?? 'tips',
    goal: c.goal ?? 'retention',
    templateName: c.templateName ?? 'tpl',
    channels: c.channels ?? ['email'],
    audience: json(c.audience ?? {}),
    schedule: json(c.schedule ?? { type: 'now' }),
    status: c.status ?? 'running',
    createdBy: c.createdBy ?? 'test',
    guardrails: json(c.guardrails),
  });
}

/** One step of a campaign (the planner's unit of work). */
export async function aCampaignStep(
  db: Queryable,
  s: {
    campaignId: string;
    step: number;
    dueAt: When;
    status?: string;
    audienceSize?: number | null;
  },
): Promise<void> {
  await insertRow(db, 'campaign_steps', s, 'campaign_id AS id');
}

export interface DeliveryRow {
  campaignId: string;
  customerId: string;
  step?: number;
  channel?: Channel;
  category?: Category;
  topic?: string;
  goal?: string;
  templateName?: string;
  templateVersion?: number;
  policyVersion?: number;
  consentEventId?: string | null;
  status?: string;
  notBefore?: When;
  plannedAt?: When;
  sentAt?: When | null;
  contentHash?: string | null;
  providerId?: string | null;
  leaseUntil?: Date | null;
  leasedBy?: string | null;
  attempts?: number;
}

/**
 * A delivery as the planner (status planned) or the sender would leave it, by default a content
 * e-mail on `tips`, due now by the database's clock; returns its id.
 */
export function aDelivery(db: Queryable, d: DeliveryRow): Promise<string> {
  return insertRow(db, 'deliveries', {
    ...d,
    step: d.step ?? 0,
    channel: d.channel ?? 'email',
    category: d.category ?? 'content',
    topic: d.topic ?? 'tips',
    goal: d.goal ?? 'retention',
    templateName: d.templateName ?? 'tpl',
    templateVersion: d.templateVersion ?? 1,
    policyVersion: d.policyVersion ?? 1,
    status: d.status ?? 'planned',
    notBefore: d.notBefore ?? sql('now()'),
  });
}

export interface SuppressionRow {
  addressType: 'email' | 'phone';
  /** addressHash(type, address) of src/suppression: suppressions never hold the address. */
  addressHash: string;
  reason: 'hard_bounce' | 'complaint' | 'erasure' | 'do_not_contact';
  createdAt?: When;
  liftedAt?: When | null;
}

/** A suppression row (by default in force since now); returns its id. */
export function aSuppression(db: Queryable, s: SuppressionRow): Promise<string> {
  return insertRow(db, 'suppressions', { ...s });
}

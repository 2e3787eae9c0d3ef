import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { addressHash, type AddressType } from '../suppression/suppression.service';
import type {
  Category,
  Channel,
  ConsentEntry,
  ConsentState,
  ConsentStatus,
  ContactRecord,
  CustomerFacts,
  CustomerKind,
  CustomerPreferences,
  Goal,
  MaxFrequency,
  Suppression,
} from '../policy/engine';

/** Everything the policy engine needs about one customer, loaded for a whole batch at once. */
export interface CustomerDecisionContext {
  customer: CustomerFacts;
  consent: ConsentState;
  preferences: CustomerPreferences | null;
  history: ContactRecord[];
  suppression: Suppression | null;
  /** `${channel}:${topic}` → the consent_events row each consent state came from (promise 7). */
  consentEventIds: Map<string, string>;
}

export interface LoadOptions {
  now: Date;
  /** How far back contact history matters (requiredHistoryDays of the policies in play). */
  historyDays: number;
  /** Run inside the caller's transaction (the planner loads after locking its batch). */
  manager?: EntityManager;
  /** Channels whose marketing needs a confirmed (double opt-in) consent. */
  doubleOptIn?: Partial<Record<Channel, boolean>>;
}

const DAY_MS = 86_400_000;

interface CustomerRow {
  id: string;
  kind: CustomerKind;
  timezone: string;
  locale: string;
  email: string | null;
  phone: string | null;
  has_am_phone: boolean;
  first_purchase_at: Date | null;
  last_purchase_at: Date | null;
  purchase_count: number;
  last_satisfaction_score: number | null;
  last_satisfaction_at: Date | null;
  last_engagement_at: Date | null;
  erased: boolean;
}

interface ConsentRow {
  customer_id: string;
  channel: Channel;
  topic: string;
  status: ConsentStatus;
  since: Date;
  last_event_id: string;
}

interface PreferencesRow {
  customer_id: string;
  max_frequency: MaxFrequency | null;
  paused_until: Date | null;
  preferred_channels: Channel[];
}

interface HistoryRow {
  customer_id: string;
  at: Date;
  channel: Channel;
  category: Category;
  topic: string;
  campaign_id: string;
  step: number;
  goal: Goal;
  is_reminder: boolean;
  lapse_id: string | null;
  engaged: boolean;
}

interface SuppressionRow {
  address_hash: string;
  reason: string;
}

/** Reasons that mean "do not contact this person at all", whatever the address. */
const PERSON_REASONS = new Set(['complaint', 'erasure', 'do_not_contact']);

/** A lapse is identified by the purchase it followed: a new purchase ends it. */
export function lapseIdOf(lastPurchaseAt: Date | null): string | null {
  return lastPurchaseAt ? `after:${lastPurchaseAt.toISOString()}` : null;
}

/**
 * Loads decision contexts for a batch of customers: one query per concern (facts, consent,
 * preferences, history, suppressions), whatever the batch size. Customers that do not exist
 * are absent from the map.
 */
@Injectable()
export class DecisionContextLoader {
  constructor(private readonly dataSource: DataSource) {}

  async load(
    customerIds: readonly string[],
    opts: LoadOptions,
  ): Promise<Map<string, CustomerDecisionContext>> {
    const out = new Map<string, CustomerDecisionContext>();
    if (customerIds.length === 0) return out;
    const m = opts.manager ?? this.dataSource.manager;
    const ids = [...customerIds];
    const since = new Date(opts.now.getTime() - opts.historyDays * DAY_MS);

    const customers: CustomerRow[] = await m.query(
      `SELECT id, kind, timezone, locale,
              email, phone,
              coalesce(account_manager_phone, '') <> '' AS has_am_phone,
              first_purchase_at, last_purchase_at, purchase_count,
              last_satisfaction_score, last_satisfaction_at, last_engagement_at,
              erased_at IS NOT NULL AS erased
         FROM customers WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    // Suppressions hold hashes only: hash this batch's addresses the way they were suppressed.
    const byHash = new Map<string, { customerId: string; type: AddressType }[]>();
    const hashOf = (customerId: string, type: AddressType, value: string) => {
      const hash = addressHash(type, value);
      const list = byHash.get(hash);
      if (list) list.push({ customerId, type });
      else byHash.set(hash, [{ customerId, type }]);
    };
    for (const r of customers) {
      if (r.email) hashOf(r.id, 'email', r.email);
      if (r.phone) hashOf(r.id, 'phone', r.phone);
      out.set(r.id, {
        customer: {
          id: r.id,
          kind: r.kind,
          timezone: r.timezone,
          locale: r.locale,
          hasEmail: !!r.email,
          hasPhone: !!r.phone,
          hasAccountManagerPhone: r.has_am_phone,
          firstPurchaseAt: r.first_purchase_at,
          lastPurchaseAt: r.last_purchase_at,
          purchaseCount: r.purchase_count,
          lastSatisfactionScore: r.last_satisfaction_score,
          lastSatisfactionAt: r.last_satisfaction_at,
          lastEngagementAt: r.last_engagement_at,
          lapseId: lapseIdOf(r.last_purchase_at),
        },
        consent: { entries: [], doubleOptIn: opts.doubleOptIn },
        preferences: null,
        history: [],
        suppression: r.erased ? { suppressed: true, reason: 'erasure' } : null,
        consentEventIds: new Map(),
      });
    }
    if (out.size === 0) return out;

    const consent: ConsentRow[] = await m.query(
      `SELECT customer_id, channel, topic, status, since, last_event_id FROM consent_state
        WHERE customer_id = ANY($1::uuid[]) ORDER BY customer_id, since, last_event_id`,
      [ids],
    );
    for (const r of consent) {
      const ctx = out.get(r.customer_id);
      if (!ctx) continue;
      (ctx.consent.entries as ConsentEntry[]).push({
        channel: r.channel,
        topic: r.topic,
        status: r.status,
        since: r.since,
      });
      ctx.consentEventIds.set(`${r.channel}:${r.topic}`, String(r.last_event_id));
    }

    const prefs: PreferencesRow[] = await m.query(
      `SELECT customer_id, max_frequency, paused_until, preferred_channels FROM customer_preferences
        WHERE customer_id = ANY($1::uuid[])`,
      [ids],
    );
    for (const r of prefs) {
      const ctx = out.get(r.customer_id);
      if (!ctx) continue;
      ctx.preferences = {
        maxFrequency: r.max_frequency,
        pausedUntil: r.paused_until,
        preferredChannels: r.preferred_channels ?? [],
      };
    }

    // Every delivery that is not cancelled or failed counts, planned ones too: a planned row is
    // a budget reservation. A contact counts as engaged when the customer clicked, replied or
    // bought after it (a posted review answers a review request).
    const history: HistoryRow[] = await m.query(
      `WITH ev AS (
         SELECT customer_id,
                max(occurred_at) FILTER (WHERE type IN ('engagement', 'purchase')) AS engaged_at,
                max(occurred_at) FILTER (WHERE type = 'review_posted') AS reviewed_at
           FROM customer_events
          WHERE customer_id = ANY($1::uuid[]) AND occurred_at >= $2
            AND type IN ('engagement', 'purchase', 'review_posted')
          GROUP BY customer_id
       )
       SELECT d.customer_id, coalesce(d.sent_at, d.not_before) AS at, d.channel, d.category, d.topic,
              d.campaign_id, d.step, d.goal, d.is_reminder, d.lapse_id,
              coalesce(ev.engaged_at > coalesce(d.sent_at, d.not_before)
                       OR (d.goal = 'review' AND ev.reviewed_at > coalesce(d.sent_at, d.not_before)),
                       false) AS engaged
         FROM deliveries d LEFT JOIN ev ON ev.customer_id = d.customer_id
        WHERE d.customer_id = ANY($1::uuid[])
          AND d.status NOT IN ('cancelled', 'failed')
          AND (d.planned_at >= $2 OR d.not_before >= $2)`,
      [ids, since],
    );
    for (const r of history) {
      const ctx = out.get(r.customer_id);
      if (!ctx) continue;
      ctx.history.push({
        at: r.at,
        channel: r.channel,
        category: r.category,
        topic: r.topic,
        campaignId: r.campaign_id,
        step: r.step,
        goal: r.goal,
        engaged: r.engaged,
        isReminder: r.is_reminder,
        lapseId: r.lapse_id,
      });
    }

    const suppressed: SuppressionRow[] = byHash.size
      ? await m.query(
          `SELECT address_hash, reason FROM suppressions
            WHERE lifted_at IS NULL AND address_hash = ANY($1::text[])
            ORDER BY created_at, id`,
          [[...byHash.keys()]],
        )
      : [];
    for (const r of suppressed) {
      for (const { customerId, type } of byHash.get(r.address_hash) ?? [])
        applySuppression(out.get(customerId), type, r.reason);
    }
    return out;
  }
}

function applySuppression(
  ctx: CustomerDecisionContext | undefined,
  type: AddressType,
  reason: string,
): void {
  if (!ctx || ctx.suppression?.suppressed) return;
  const c = ctx.customer;
  if (PERSON_REASONS.has(reason)) {
    ctx.suppression = { suppressed: true, reason: `${reason} (${type})` };
    return;
  }
  // A hard bounce only closes that address; the customer is suppressed once none is left.
  if (type === 'email') c.hasEmail = false;
  else c.hasPhone = false;
  if (!c.hasEmail && !c.hasPhone)
    ctx.suppression = { suppressed: true, reason: `${reason} (${type})` };
}

/**
 * The consent_events row a marketing send on `channel` for `topic` relies on: the same choice as
 * the engine's marketingConsentProblem (a confirmed topic consent, else the channel-wide one).
 */
export function consentEventFor(
  ctx: CustomerDecisionContext,
  channel: Channel,
  topic: string,
): string | null {
  let specific: ConsentEntry | undefined;
  let all: ConsentEntry | undefined;
  for (const e of ctx.consent.entries) {
    if (e.channel !== channel) continue;
    if (e.topic === topic) specific = e;
    else if (e.topic === '*') all = e;
  }
  let chosen: ConsentEntry | undefined;
  if (specific && all) chosen = specific.status === 'confirmed' ? specific : all;
  else chosen = specific ?? all;
  if (!chosen || chosen.status === 'withdrawn') return null;
  return ctx.consentEventIds.get(`${channel}:${chosen.topic}`) ?? null;
}

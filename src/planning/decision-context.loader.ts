import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { plainArray } from '../database/pg-array';
import {
  coversPerson,
  suppressionsByCustomer,
  type AddressType,
} from '../suppression/suppression.service';
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

/** A consent state and the consent_events row it came from (promise 7). */
export interface LedgerConsentEntry extends ConsentEntry {
  eventId: string;
}

/** Everything the policy engine needs about one customer, loaded for a whole batch at once. */
export interface CustomerDecisionContext {
  customer: CustomerFacts;
  /** The engine's ConsentState, each entry with its ledger row. */
  consent: { entries: LedgerConsentEntry[]; doubleOptIn?: ConsentState['doubleOptIn'] };
  preferences: CustomerPreferences | null;
  history: ContactRecord[];
  suppression: Suppression | null;
}

export interface LoadOptions {
  now: Date;
  /** How far back contact history matters (requiredHistoryDays of the policies in play). */
  historyDays: number;
  /** Run inside the caller's transaction (the planner loads after locking its batch). */
  manager?: EntityManager;
  /** Channels whose marketing needs a confirmed (double opt-in) consent. */
  doubleOptIn?: Partial<Record<Channel, boolean>>;
  /** false: leave lapseId out (only win-back uses it). */
  lapseIds?: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Epoch milliseconds of a timestamptz column: a JSON number, no date parsing in JS. date_part
 * answers in float8, much cheaper than extract's numeric.
 */
const ms = (column: string) => `floor(date_part('epoch', ${column}) * 1000)`;

/**
 * The batch's ids as the planner sees them: a sub-select, not a constant. With a 1,000-element
 * constant array the planner estimates every element against the statistics, once per path it
 * costs, which took longer than running the statement.
 */
const IDS = '(SELECT $1::uuid[])::uuid[]';

/**
 * One JSON array per column: array_to_json formats a whole column with one type lookup, where
 * json_build_array per row looks up every argument's type again, and the native JSON.parse then
 * builds a handful of arrays per batch instead of one per row. An empty aggregate is null.
 */
const columns = (exprs: (string | { array: string })[]) =>
  `json_build_array(${exprs
    .map((e) =>
      // An array-valued column goes through json_agg: array_agg would stack the arrays into one
      // two-dimensional array, which fails on rows of different lengths.
      typeof e === 'string' ? `array_to_json(array_agg(${e}))` : `json_agg(${e.array})`,
    )
    .join(', ')})`;

/**
 * The whole batch's context in one statement: each concern is one JSON array of columns, parsed
 * by the native JSON.parse rather than row by row by the driver, and the batch's ids travel once.
 */
const CONTEXT_SQL = `
SELECT
  (SELECT ${columns([
    'id',
    'kind',
    'timezone',
    'email',
    'phone',
    "coalesce(account_manager_phone, '') <> ''",
    ms('last_purchase_at'),
    'purchase_count',
    'last_satisfaction_score',
    ms('last_engagement_at'),
    'erased_at IS NOT NULL',
    // Set-based: one hashed look-up of the batch's open follow-ups, not one per customer.
    `id IN (SELECT customer_id FROM follow_ups WHERE resolved_at IS NULL AND customer_id = ANY(${IDS}))`,
  ])}
     FROM customers WHERE id = ANY(${IDS})) AS customers,
  -- Unordered: one row per channel and topic, and ties between a topic and '*' go by since.
  (SELECT ${columns(['customer_id', 'channel', 'topic', 'status', ms('since'), 'last_event_id::text', 'needs_confirmation'])}
     FROM consent_state WHERE customer_id = ANY(${IDS})) AS consent,
  (SELECT ${columns(['customer_id', 'max_frequency', ms('paused_until'), { array: 'preferred_channels' }])}
     FROM customer_preferences WHERE customer_id = ANY(${IDS})) AS preferences,
  -- Every delivery that is not cancelled or failed counts, planned ones too: a planned row is
  -- a budget reservation. A contact counts as engaged when the customer clicked, replied or
  -- bought after it (a posted review answers a review request).
  (WITH ev AS (
     SELECT customer_id,
            max(occurred_at) FILTER (WHERE type IN ('engagement', 'purchase')) AS engaged_at,
            max(occurred_at) FILTER (WHERE type = 'review_posted') AS reviewed_at
       FROM customer_events
      WHERE customer_id = ANY(${IDS}) AND occurred_at >= $2
        AND type IN ('engagement', 'purchase', 'review_posted')
      GROUP BY customer_id
   )
   SELECT ${columns([
     'd.customer_id',
     ms('coalesce(d.sent_at, d.not_before)'),
     'd.channel',
     'd.category',
     'd.topic',
     'd.campaign_id',
     'd.step',
     'd.goal',
     'd.is_reminder',
     'd.lapse_id',
     `coalesce(ev.engaged_at > coalesce(d.sent_at, d.not_before)
               OR (d.goal = 'review' AND ev.reviewed_at > coalesce(d.sent_at, d.not_before)),
               false)`,
   ])}
     FROM deliveries d LEFT JOIN ev ON ev.customer_id = d.customer_id
    WHERE d.customer_id = ANY(${IDS})
      AND d.status NOT IN ('cancelled', 'failed')
      AND (d.planned_at >= $2 OR d.not_before >= $2)) AS history`;

type Ms = number | null;
/** The facts the engine reads (a field it does not read is not loaded), one array per column. */
type CustomerColumns = [
  id: string[],
  kind: CustomerKind[],
  timezone: string[],
  email: (string | null)[],
  phone: (string | null)[],
  hasAmPhone: boolean[],
  lastPurchaseAt: Ms[],
  purchaseCount: number[],
  lastSatisfactionScore: (number | null)[],
  lastEngagementAt: Ms[],
  erased: boolean[],
  openFollowUp: boolean[],
];
type ConsentColumns = [
  customerId: string[],
  channel: Channel[],
  topic: string[],
  status: ConsentStatus[],
  since: Ms[],
  lastEventId: string[],
  needsConfirmation: boolean[],
];
type PreferencesColumns = [
  customerId: string[],
  maxFrequency: (MaxFrequency | null)[],
  pausedUntil: Ms[],
  preferredChannels: (Channel[] | null)[],
];
type HistoryColumns = [
  customerId: string[],
  at: number[],
  channel: Channel[],
  category: Category[],
  topic: string[],
  campaignId: string[],
  step: number[],
  goal: Goal[],
  isReminder: boolean[],
  lapseId: (string | null)[],
  engaged: boolean[],
];

/** json columns arrive parsed by the driver (JSON.parse); with no rows a concern's columns are null. */
interface ContextResult {
  customers: CustomerColumns | null[];
  consent: ConsentColumns | null[];
  preferences: PreferencesColumns | null[];
  history: HistoryColumns | null[];
}

const toDate = (value: Ms): Date | null => (value === null ? null : new Date(value));

/** A lapse is identified by the purchase it followed: a new purchase ends it. */
export function lapseIdOf(lastPurchaseAt: Date | number | null): string | null {
  return lastPurchaseAt === null ? null : `after:${new Date(lastPurchaseAt).toISOString()}`;
}

/**
 * Loads decision contexts for a batch of customers in two statements whatever the batch size:
 * facts, consent, preferences and history together, then suppressions by address hash.
 * Customers that do not exist are absent from the map.
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

    const [result]: ContextResult[] = await m.query(CONTEXT_SQL, [plainArray(ids), since]);
    // Suppressions hold hashes only: the batch's addresses, hashed by suppressionsByCustomer.
    const addresses: { id: string; email: string | null; phone: string | null }[] = [];
    const cu = result.customers;
    if (cu[0] !== null) {
      const [
        id,
        kind,
        timezone,
        email,
        phone,
        hasAmPhone,
        lastPurchaseAt,
        purchases,
        score,
        lastEngagementAt,
        erased,
        openFollowUp,
      ] = cu as CustomerColumns;
      for (let i = 0; i < id.length; i++) {
        if (email[i] || phone[i]) addresses.push({ id: id[i], email: email[i], phone: phone[i] });
        out.set(id[i], {
          customer: {
            id: id[i],
            kind: kind[i],
            timezone: timezone[i],
            hasEmail: !!email[i],
            hasPhone: !!phone[i],
            hasAccountManagerPhone: hasAmPhone[i],
            lastPurchaseAt: lastPurchaseAt[i],
            purchaseCount: purchases[i],
            lastSatisfactionScore: score[i],
            lastEngagementAt: lastEngagementAt[i],
            // Only win-back compares lapses; formatting one per customer is not free.
            lapseId: opts.lapseIds === false ? null : lapseIdOf(lastPurchaseAt[i]),
            ...(openFollowUp[i] ? { hasOpenFollowUp: true } : {}),
          },
          consent: { entries: [], doubleOptIn: opts.doubleOptIn },
          preferences: null,
          history: [],
          suppression: erased[i] ? { suppressed: true, reason: 'erasure' } : null,
        });
      }
    }
    if (out.size === 0) return out;

    if (result.consent[0] !== null) {
      const [customerId, channel, topic, status, since, eventId, pending] =
        result.consent as ConsentColumns;
      for (let i = 0; i < customerId.length; i++) {
        out.get(customerId[i])?.consent.entries.push({
          channel: channel[i],
          topic: topic[i],
          status: status[i],
          since: since[i],
          eventId: eventId[i],
          ...(pending[i] ? { needsConfirmation: true } : {}),
        });
      }
    }
    if (result.preferences[0] !== null) {
      const [customerId, maxFrequency, pausedUntil, channels] =
        result.preferences as PreferencesColumns;
      for (let i = 0; i < customerId.length; i++) {
        const ctx = out.get(customerId[i]);
        if (!ctx) continue;
        ctx.preferences = {
          maxFrequency: maxFrequency[i],
          pausedUntil: toDate(pausedUntil[i]),
          preferredChannels: channels[i] ?? [],
        };
      }
    }
    if (result.history[0] !== null) {
      const [
        customerId,
        at,
        channel,
        category,
        topic,
        campaignId,
        step,
        goal,
        isReminder,
        lapseId,
        engaged,
      ] = result.history as HistoryColumns;
      for (let i = 0; i < customerId.length; i++) {
        out.get(customerId[i])?.history.push({
          at: new Date(at[i]),
          channel: channel[i],
          category: category[i],
          topic: topic[i],
          campaignId: campaignId[i],
          step: step[i],
          goal: goal[i],
          isReminder: isReminder[i],
          lapseId: lapseId[i],
          engaged: engaged[i],
        });
      }
    }

    for (const [customerId, hits] of await suppressionsByCustomer(m, addresses)) {
      for (const { type, reason } of hits) applySuppression(out.get(customerId), type, reason);
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
  if (coversPerson(reason)) {
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
  let specific: LedgerConsentEntry | undefined;
  let all: LedgerConsentEntry | undefined;
  for (const e of ctx.consent.entries) {
    if (e.channel !== channel) continue;
    if (e.topic === topic) specific = e;
    else if (e.topic === '*') all = e;
  }
  let chosen: LedgerConsentEntry | undefined;
  if (specific && all) chosen = specific.status === 'confirmed' ? specific : all;
  else chosen = specific ?? all;
  if (!chosen || chosen.status === 'withdrawn') return null;
  return chosen.eventId;
}

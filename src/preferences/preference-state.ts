import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';
import type { ConsentService } from '../consent';
import type { PageLang } from '../mail/system-mail';
import type { Channel, ConsentEntry, MaxFrequency } from '../policy/engine';
import { DEFAULT_DOUBLE_OPT_IN, marketingConsentProblem } from '../policy/engine/consent';
import type { LinkTokenPayload } from '../tokens/link-token.service';
import { pairKey, type PreferenceChoices } from './preference-form';
import type { TopicTextsRow } from './topic-texts';

export interface CustomerRow {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  kind: 'consumer' | 'business';
  locale: string;
  timezone: string;
}

/** A genuine preference link and the customer it names. */
export interface PreferenceTarget {
  token: string;
  link: LinkTokenPayload;
  customer: CustomerRow;
  lang: PageLang;
}

/** What the page shows and a submission starts from: topics, channels, consents, preferences. */
export interface Loaded {
  topics: TopicTextsRow[];
  reachable: Channel[];
  pairs: { topic: string; channel: Channel }[];
  entries: ConsentEntry[];
  current: PreferenceChoices;
  /** Pairs granted but waiting for their channel's confirmation (shown as pending). */
  pending: Set<string>;
}

/** The customer's zone for dates on the page; an unknown zone reads as UTC. */
export function customerZone(customer: CustomerRow): string {
  return DateTime.local().setZone(customer.timezone).isValid ? customer.timezone : 'UTC';
}

/** The customer's preferences as they stand, read through m (under the caller's lock if any). */
export async function loadPreferenceState(
  consents: ConsentService,
  customer: CustomerRow,
  m: EntityManager,
): Promise<Loaded> {
  const topics: TopicTextsRow[] = await m.query(
    `SELECT key, category, cadence_days, title, description FROM topics
     WHERE archived_at IS NULL AND category IN ('content', 'promotional')
     ORDER BY category, key`,
  );
  const reachable: Channel[] = [];
  if (customer.email) reachable.push('email');
  if (customer.phone) reachable.push('sms');
  // Voice is a call by a person and never for consumers (38-FZ art. 18(2)).
  if (customer.phone && customer.kind === 'business') reachable.push('voice');
  const entries: ConsentEntry[] =
    (await consents.stateFor([customer.id], m)).get(customer.id) ?? [];
  const pairs = topics.flatMap((tp) => reachable.map((channel) => ({ topic: tp.key, channel })));
  const topicState = new Map<string, boolean>();
  const pending = new Set<string>();
  for (const p of pairs) {
    // "On" = a live consent (granted or confirmed) for this topic, directly or via '*'.
    const on = { entries: entries.map((e) => ({ ...e, needsConfirmation: false })) };
    const problem = marketingConsentProblem(on, p.channel, p.topic);
    topicState.set(pairKey(p.topic, p.channel), problem === null);
    // Pending: on, but nothing is sent until the channel's confirmation arrives.
    const strict = { entries, doubleOptIn: DEFAULT_DOUBLE_OPT_IN };
    if (problem === null && marketingConsentProblem(strict, p.channel, p.topic) !== null)
      pending.add(pairKey(p.topic, p.channel));
  }
  const [prefs]: {
    max_frequency: MaxFrequency | null;
    paused_until: Date | null;
    preferred_channels: Channel[];
  }[] = await m.query(
    `SELECT max_frequency, paused_until, preferred_channels FROM customer_preferences
     WHERE customer_id = $1`,
    [customer.id],
  );
  const [tracking]: { track_clicks: boolean }[] = await m.query(
    `SELECT track_clicks FROM customers WHERE id = $1`,
    [customer.id],
  );
  return {
    topics,
    reachable,
    pairs,
    entries,
    pending,
    current: {
      topics: topicState,
      channels: prefs?.preferred_channels ?? [],
      maxFrequency: prefs?.max_frequency ?? null,
      pausedUntil: prefs?.paused_until ?? null,
      trackClicks: tracking?.track_clicks ?? true,
    },
  };
}

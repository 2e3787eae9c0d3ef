import { DateTime } from 'luxon';
import { DEFAULT_POLICIES } from '../default-policies';
import type {
  CampaignMessage,
  Channel,
  ConsentEntry,
  ContactRecord,
  CustomerFacts,
  CustomerKind,
  DecisionInput,
} from '../types';

/** Builders for readable specs and the benchmark: defaults describe a happy, reachable customer. */

export const DAY = 86_400_000;

/** Epoch ms of a local wall time, e.g. at('2026-03-08T01:30', 'America/New_York'). */
export function at(localIso: string, zone: string): number {
  const dt = DateTime.fromISO(localIso, { zone });
  if (!dt.isValid) throw new Error(`bad local time ${localIso} in ${zone}`);
  return dt.toMillis();
}

/** Local wall time of an instant, "yyyy-MM-dd HH:mm ccc". */
export function local(ms: number | Date, zone: string): string {
  return DateTime.fromMillis(typeof ms === 'number' ? ms : ms.getTime(), { zone }).toFormat(
    'yyyy-MM-dd HH:mm ccc',
  );
}

export function customer(overrides: Partial<CustomerFacts> = {}): CustomerFacts {
  const kind: CustomerKind = overrides.kind ?? 'consumer';
  return {
    id: 'cust-1',
    kind,
    timezone: 'Europe/Moscow',
    locale: 'ru',
    hasEmail: true,
    hasPhone: true,
    hasAccountManagerPhone: kind === 'business',
    purchaseCount: 1,
    ...overrides,
  };
}

export function grant(channel: Channel, topic = '*', confirmed = true): ConsentEntry {
  return { channel, topic, status: confirmed ? 'confirmed' : 'granted' };
}

export function message(overrides: Partial<CampaignMessage> = {}): CampaignMessage {
  return {
    campaignId: 'camp-1',
    step: 0,
    topic: 'offers',
    category: 'promotional',
    goal: 'retention',
    channels: ['email', 'sms'],
    priority: 50,
    ...overrides,
  };
}

export function contact(atMs: number, overrides: Partial<ContactRecord> = {}): ContactRecord {
  return {
    at: atMs,
    channel: 'email',
    category: 'promotional',
    topic: 'offers',
    campaignId: 'old',
    step: 0,
    engaged: false,
    ...overrides,
  };
}

export function input(overrides: Partial<DecisionInput> = {}): DecisionInput {
  const c = overrides.customer ?? customer();
  return {
    customer: c,
    consent: {
      entries: [grant('email'), grant('sms'), grant('voice')],
      doubleOptIn: { email: true },
    },
    preferences: null,
    history: [],
    suppression: null,
    message: message(),
    policy: DEFAULT_POLICIES[c.kind],
    ...overrides,
    now: overrides.now ?? at('2026-06-10T12:00', c.timezone),
  };
}

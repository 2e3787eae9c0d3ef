import type { Channel, ConsentStatus } from '../policy/engine';
import type { ConsentAction } from './consent-state';

/** What the ledger answers: its rows as read from PostgreSQL and as shown to callers. */
export interface ConsentEventView {
  id: string;
  customerId: string;
  channel: Channel;
  topic: string;
  action: ConsentAction;
  source: string;
  confirmed: boolean;
  occurredAt: Date;
  evidence: {
    ip: string | null;
    userAgent: string | null;
    /** Null once an erasure blanked it; `wordingHash` still names the text shown. */
    wording: string | null;
    wordingHash: string | null;
    wordingVersion: string | null;
  };
  actor: string;
  data: Record<string, unknown>;
}

export interface ConsentStateView {
  channel: Channel;
  topic: string;
  status: ConsentStatus;
  since: Date;
  lastEventId: string;
  /** Present (true) on a grant made through another channel that still awaits its own. */
  needsConfirmation?: true;
}

export interface RecordedConsent {
  event: ConsentEventView;
  state: ConsentStateView[];
  /** Deliveries of the withdrawn scope cancelled in the same transaction (promise 5). */
  cancelledDeliveries: number;
}

export interface EventRow {
  id: string;
  customer_id: string;
  channel: Channel;
  topic: string;
  action: ConsentAction;
  source: string;
  confirmed: boolean;
  occurred_at: Date;
  ip: string | null;
  user_agent: string | null;
  wording: string | null;
  wording_hash: string | null;
  wording_version: string | null;
  actor: string;
  data: Record<string, unknown>;
}

export interface StateRow {
  customer_id: string;
  channel: Channel;
  topic: string;
  status: ConsentStatus;
  since: Date;
  last_event_id: string;
  needs_confirmation?: boolean;
}

export const toEvent = (r: EventRow): ConsentEventView => ({
  id: String(r.id),
  customerId: r.customer_id,
  channel: r.channel,
  topic: r.topic,
  action: r.action,
  source: r.source,
  confirmed: r.confirmed,
  occurredAt: r.occurred_at,
  evidence: {
    ip: r.ip,
    userAgent: r.user_agent,
    wording: r.wording,
    wordingHash: r.wording_hash,
    wordingVersion: r.wording_version,
  },
  actor: r.actor,
  data: r.data,
});

export const toState = (r: StateRow): ConsentStateView => ({
  channel: r.channel,
  topic: r.topic,
  status: r.status,
  since: r.since,
  lastEventId: String(r.last_event_id),
  ...(r.needs_confirmation ? { needsConfirmation: true as const } : {}),
});

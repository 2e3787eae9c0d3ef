import type { EntityManager } from 'typeorm';
import type { Channel, ConsentEntry } from '../../policy/engine';

const READ_CONSENT_STATE = `
  SELECT customer_id, channel, topic, status, since, last_event_id::text AS last_event_id,
         needs_confirmation
    FROM consent_state WHERE customer_id = ANY($1::uuid[])
   ORDER BY customer_id, since, consent_state.last_event_id`;

interface ConsentStateRow {
  customer_id: string;
  channel: Channel;
  topic: string;
  status: ConsentEntry['status'];
  since: Date;
  last_event_id: string;
  needs_confirmation: boolean;
}

export interface ConsentAtSend {
  /** The engine's entries per customer. */
  entries: Map<string, ConsentEntry[]>;
  /** The ledger row behind each state, keyed `customer:channel:topic`. */
  eventIds: Map<string, string>;
}

/** Current consent entries (the engine's shape) and the ledger row behind each state. */
export async function readConsentState(
  m: EntityManager,
  customerIds: string[],
): Promise<ConsentAtSend> {
  const rows: ConsentStateRow[] = await m.query(READ_CONSENT_STATE, [customerIds]);
  const entries = new Map<string, ConsentEntry[]>();
  const eventIds = new Map<string, string>();
  for (const r of rows) {
    let list = entries.get(r.customer_id);
    if (!list) entries.set(r.customer_id, (list = []));
    list.push({
      channel: r.channel,
      topic: r.topic,
      status: r.status,
      since: r.since,
      ...(r.needs_confirmation ? { needsConfirmation: true } : {}),
    });
    eventIds.set(`${r.customer_id}:${r.channel}:${r.topic}`, r.last_event_id);
  }
  return { entries, eventIds };
}

/** The ledger rows behind the channel's topic and '*' states of a delivery's customer. */
export function consentIdsAtSend(
  state: ConsentAtSend,
  d: { customer_id: string; channel: Channel; topic: string },
): { topic: string | null; all: string | null } {
  const key = `${d.customer_id}:${d.channel}`;
  return {
    topic: state.eventIds.get(`${key}:${d.topic}`) ?? null,
    all: state.eventIds.get(`${key}:*`) ?? null,
  };
}

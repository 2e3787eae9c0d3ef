import { FLOW_SOURCES } from '../consent/consent-sources';
import { ALL_TOPICS, nextConsentState, type ConsentAction } from '../consent/consent-state';
import type { ConsentStatus } from '../policy/engine';

/** The consent source of everything an SMS keyword records. */
export const SMS_KEYWORD_SOURCE = FLOW_SOURCES.smsKeyword;
const SOURCE = SMS_KEYWORD_SOURCE;

export interface SmsLedgerRow {
  id: string;
  topic: string;
  action: ConsentAction;
  source: string;
  confirmed: boolean;
  occurred_at: Date;
}

interface ScopeState {
  status: ConsentStatus;
  since: Date;
}

/** What a START re-grants: the live SMS scopes before the keyword withdrawal still in force. */
export interface RestorePlan {
  /** The keyword withdrawal of '*' that opened the current opt-out. */
  stopEventId: string;
  scopes: { topic: string; confirmed: boolean }[];
}

const isKeywordStop = (e: SmsLedgerRow) =>
  e.source === SOURCE && e.action === 'withdraw' && e.topic === ALL_TOPICS;
const isKeywordStart = (e: SmsLedgerRow) => e.source === SOURCE && e.action === 'grant';

/**
 * Replays a customer's SMS ledger (oldest first) and returns what a START would restore, or null
 * when no keyword opt-out is in force. The state before the first STOP of a run counts (a second
 * STOP changes nothing the customer had); scopes changed by anything else after that STOP keep
 * their newer state; a START closes the run.
 */
export function planRestore(ledger: readonly SmsLedgerRow[]): RestorePlan | null {
  const state = new Map<string, ScopeState>();
  let open: { stopEventId: string; before: Map<string, ScopeState>; touched: Set<string> } | null =
    null;
  for (const e of ledger) {
    if (isKeywordStop(e)) {
      open ??= { stopEventId: String(e.id), before: new Map(state), touched: new Set() };
    } else if (isKeywordStart(e)) {
      open = null;
    } else if (open && !(e.source === SOURCE && e.action === 'withdraw')) {
      open.touched.add(e.topic);
    }
    const next = nextConsentState(state.get(e.topic) ?? null, {
      action: e.action,
      confirmed: e.confirmed,
      at: e.occurred_at,
    });
    if (next.kind === 'set') state.set(e.topic, { status: next.status, since: next.since });
  }
  if (!open) return null;
  const scopes: RestorePlan['scopes'] = [];
  for (const [topic, before] of open.before) {
    if (before.status === 'withdrawn' || open.touched.has(topic)) continue;
    if (state.get(topic)?.status !== 'withdrawn') continue;
    scopes.push({ topic, confirmed: before.status === 'confirmed' });
  }
  // '*' first, then topics in a stable order, as the STOP wrote them.
  scopes.sort((a, b) =>
    a.topic === b.topic
      ? 0
      : a.topic === ALL_TOPICS
        ? -1
        : b.topic === ALL_TOPICS
          ? 1
          : a.topic < b.topic
            ? -1
            : 1,
  );
  return { stopEventId: open.stopEventId, scopes };
}

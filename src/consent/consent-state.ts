import type { Channel, ConsentStatus } from '../policy/engine';

export const CONSENT_CHANNELS = ['email', 'sms', 'voice'] as const;
export const CONSENT_ACTIONS = ['grant', 'confirm', 'withdraw'] as const;
export type ConsentAction = (typeof CONSENT_ACTIONS)[number];
/** Topic scope of a consent: a topic key, or '*' for every topic. */
export const ALL_TOPICS = '*';

export interface ConsentStateRow {
  channel: Channel;
  topic: string;
  status: ConsentStatus;
  since: Date;
  lastEventId: string;
}

export type Transition =
  | { kind: 'set'; status: ConsentStatus; since: Date }
  | { kind: 'unchanged' }
  | { kind: 'refused'; message: string };

/**
 * The state after one ledger event (pure). A repeated status keeps its `since`; an unconfirmed
 * grant never downgrades a confirmed consent; `confirm` needs a live grant to confirm.
 */
export function nextConsentState(
  current: Pick<ConsentStateRow, 'status' | 'since'> | null,
  event: {
    action: ConsentAction;
    confirmed: boolean;
    at: Date;
    /**
     * A newer '*' withdrawal on the channel overrides this topic's entry (the later one wins).
     * A grant or confirm of the topic then restarts its `since`, so it wins again.
     */
    overridden?: boolean;
  },
): Transition {
  const keepSince = (status: ConsentStatus): Transition => ({
    kind: 'set',
    status,
    since: current?.status === status && !event.overridden ? current.since : event.at,
  });
  switch (event.action) {
    case 'withdraw':
      return keepSince('withdrawn');
    case 'grant':
      if (event.confirmed) return keepSince('confirmed');
      if (current?.status === 'confirmed')
        return event.overridden ? keepSince('confirmed') : { kind: 'unchanged' };
      return keepSince('granted');
    case 'confirm':
      if (current === null || current.status === 'withdrawn') {
        return {
          kind: 'refused',
          message: 'action confirm needs a granted consent for this channel and topic',
        };
      }
      return keepSince('confirmed');
  }
}

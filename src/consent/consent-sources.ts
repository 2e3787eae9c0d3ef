/**
 * Consent sources that claim an action of the customer (or of their provider on their behalf),
 * recorded by Tactful's own flows through ConsentService, never by an API key: evidence that says
 * "double-opt-in" must mean the customer clicked Tactful's confirmation link.
 */
export const FLOW_SOURCES = {
  /** POST /confirm/:token after POST /v1/subscribe. */
  doubleOptIn: 'double-opt-in',
  /** The preference page /p/:token. */
  preferencePage: 'preference-page',
  /** STOP/START keywords on Twilio's inbound webhook. */
  smsKeyword: 'sms-keyword',
  /** RFC 8058 one-click unsubscribe POST /u/:token. */
  oneClick: 'one-click',
  /** A mail to the List-Unsubscribe mailto: address. */
  mailto: 'mailto-unsubscribe',
  /** The provider reports the handset opted out (Twilio 21610). */
  providerOptout: 'provider-optout',
  /** "Undo" on the unsubscribed page, within the hour: restores what the one-click withdrew. */
  unsubscribeUndo: 'unsubscribe-undo',
  /** An ARF complaint (the customer pressed "spam"). */
  complaint: 'complaint',
} as const;

export type FlowSource = (typeof FLOW_SOURCES)[keyof typeof FLOW_SOURCES];

export const FLOW_SOURCE_LIST: readonly FlowSource[] = Object.values(FLOW_SOURCES);

// Separators are folded so that look-alikes (double_opt_in, doubleoptin) are refused too; a
// reserved name followed by anything (one-click-v2) is refused as well.
const fold = (source: string) => source.toLowerCase().replace(/[^a-z0-9]/g, '');
const FOLDED = FLOW_SOURCE_LIST.map(fold);

/** Whether a source given through the API claims one of the customer's own flows. */
export function isFlowSource(source: string): boolean {
  const f = fold(source);
  return FOLDED.some((reserved) => f.startsWith(reserved));
}

export const FLOW_SOURCE_MESSAGE = `source must not claim one of the customer's own flows (${FLOW_SOURCE_LIST.join(', ')}): Tactful records those itself`;

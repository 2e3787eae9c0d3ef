import type { Channel } from '../../policy/engine';
import type { RenderedMessage } from '../../templates/template-context';

/** One rendered message, ready for its channel. */
export interface OutgoingMessage {
  deliveryId: string;
  channel: Channel;
  /** E-mail address or E.164 phone of the customer. */
  to: string;
  rendered: RenderedMessage;
  locale: string;
  /** E-mail only: extra headers (List-Unsubscribe, Feedback-ID, …) and the Message-ID to use. */
  headers?: Record<string, string>;
  messageId?: string;
  /** E-mail only: where a reply goes (account manager, campaign, REPLY_TO); none: to From. */
  replyTo?: string;
  /** Voice only: the person who is rung first and then bridged to the customer. */
  accountManagerPhone?: string | null;
}

export interface ProviderAcceptance {
  /** Message-ID, SMS/Call SID, or `outbox:<file>`. */
  providerId: string;
  providerStatus: string | null;
}

/**
 * What a failed hand-over means for the delivery:
 * - transient: the provider did not take the message (SMTP 4xx, HTTP 429/5xx, refused connection) → retry later;
 * - permanent: it never will (SMTP 5xx, invalid number, recipient unsubscribed) → failed;
 * - ambiguous: the connection broke while the message was being handed over; it may have gone
 *   out, so marketing becomes `unknown` (at most once) and only service messages are retried.
 */
export type FailureKind = 'transient' | 'permanent' | 'ambiguous';

/** What else a permanent failure implies for the address or the consent. */
export type FailureAction = 'suppress_email' | 'suppress_phone' | 'withdraw_sms';

export class SendFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    /** A short stable code for audit rows: `smtp_550`, `twilio_21610`, `ECONNREFUSED`, … */
    readonly code: string,
    message: string,
    readonly action?: FailureAction,
  ) {
    super(message);
    this.name = 'SendFailure';
  }
}

/** One implementation per channel, chosen at module init (provider or outbox folder). */
export interface ChannelSender {
  readonly channel: Channel;
  /** `smtp`, `twilio`, `outbox`: shown in audit rows. */
  readonly transport: string;
  /**
   * How many messages the transport hands over at once (SMTP pool connections, HTTP requests):
   * the sender marks and hands over groups no larger than this.
   */
  readonly concurrency: number;
  /** Resolves when the provider accepted the message; throws a SendFailure otherwise. */
  send(message: OutgoingMessage): Promise<ProviderAcceptance>;
}

const NETWORK_BEFORE_HANDOVER = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNECTION',
  'EDNS',
]);

/** Network errors by code: refused/unresolvable connections are safe to retry; the rest are not known. */
export function networkFailure(err: { code?: unknown; message?: unknown }): SendFailure {
  const code = typeof err.code === 'string' ? err.code : 'ENETWORK';
  const message = typeof err.message === 'string' ? err.message : 'network error';
  return new SendFailure(
    NETWORK_BEFORE_HANDOVER.has(code) ? 'transient' : 'ambiguous',
    code,
    message,
  );
}

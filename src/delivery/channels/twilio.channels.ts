import type { Settings } from '../../config/settings';
import {
  networkFailure,
  SendFailure,
  type ChannelSender,
  type OutgoingMessage,
  type ProviderAcceptance,
} from './channel';
import type { TwilioClient } from './twilio-client';

export const TWILIO_STATUS_PATH = '/webhooks/twilio/status';
/** REST requests to Twilio in flight at once per channel (Twilio allows far more per account). */
export const TWILIO_CONCURRENCY = 10;

/** Twilio REST errors and network errors as FailureKinds (pure; unit-tested). */
export function classifyTwilioError(err: unknown): SendFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    status?: unknown;
    code?: unknown;
    message?: unknown;
  };
  if (typeof e.status !== 'number') return networkFailure(e);
  const status = e.status;
  const code = typeof e.code === 'number' ? e.code : null;
  const message = typeof e.message === 'string' ? e.message.slice(0, 300) : `HTTP ${status}`;
  const tag = code ? `twilio_${code}` : `http_${status}`;
  if (status === 429 || status >= 500) return new SendFailure('transient', tag, message);
  // 21610: the recipient replied STOP to this sender; Twilio refuses until START.
  if (code === 21610) return new SendFailure('permanent', tag, message, 'withdraw_sms');
  // 21211: not a valid phone number at all; 21614: valid but cannot receive SMS (landline).
  if (code === 21211) return new SendFailure('permanent', tag, message, 'suppress_phone');
  return new SendFailure('permanent', tag, message);
}

/** `<Say language>` wants a BCP-47 tag Twilio knows; the common ones by our locale. */
const SAY_LANGUAGE: Record<string, string> = {
  ru: 'ru-RU',
  en: 'en-US',
  de: 'de-DE',
  fr: 'fr-FR',
  es: 'es-ES',
  it: 'it-IT',
};

const escapeXml = (s: string) =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

/**
 * A call by a person: Twilio rings the account manager, reads them the brief in the customer's
 * language, then dials the customer with the company's number as caller id. Never a robocall.
 */
export function bridgeTwiml(
  brief: string,
  locale: string,
  customerPhone: string,
  callerId: string,
): string {
  const language = SAY_LANGUAGE[locale.slice(0, 2).toLowerCase()] ?? 'en-US';
  return (
    '<?xml version="1.0" encoding="UTF-8"?><Response>' +
    `<Say language="${language}">${escapeXml(brief)}</Say>` +
    `<Dial callerId="${escapeXml(callerId)}">${escapeXml(customerPhone)}</Dial>` +
    '</Response>'
  );
}

export class TwilioSmsChannel implements ChannelSender {
  readonly channel = 'sms' as const;
  readonly transport = 'twilio';
  readonly concurrency = TWILIO_CONCURRENCY;

  constructor(
    private readonly client: TwilioClient,
    private readonly settings: Pick<Settings, 'twilio' | 'publicUrl'>,
  ) {}

  async send(message: OutgoingMessage): Promise<ProviderAcceptance> {
    const r = message.rendered;
    if (r.channel !== 'sms') throw new SendFailure('permanent', 'render_mismatch', 'not an SMS');
    const { from, messagingServiceSid } = this.settings.twilio;
    try {
      const sent = await this.client.messages.create({
        to: message.to,
        body: r.body,
        ...(messagingServiceSid ? { messagingServiceSid } : { from: from! }),
        statusCallback: this.settings.publicUrl + TWILIO_STATUS_PATH,
      });
      return { providerId: sent.sid, providerStatus: sent.status ?? 'queued' };
    } catch (err) {
      throw classifyTwilioError(err);
    }
  }
}

export class TwilioVoiceChannel implements ChannelSender {
  readonly channel = 'voice' as const;
  readonly transport = 'twilio';
  readonly concurrency = TWILIO_CONCURRENCY;

  constructor(
    private readonly client: TwilioClient,
    private readonly settings: Pick<Settings, 'twilio' | 'publicUrl'>,
  ) {}

  async send(message: OutgoingMessage): Promise<ProviderAcceptance> {
    const r = message.rendered;
    if (r.channel !== 'voice')
      throw new SendFailure('permanent', 'render_mismatch', 'not a call brief');
    const callerId = this.settings.twilio.from;
    if (!callerId) {
      throw new SendFailure(
        'permanent',
        'no_caller_id',
        'TWILIO_FROM is needed as the caller id of bridged calls',
      );
    }
    if (!message.accountManagerPhone) {
      throw new SendFailure(
        'permanent',
        'no_account_manager',
        'the customer has no account manager phone',
      );
    }
    try {
      const call = await this.client.calls.create({
        to: message.accountManagerPhone,
        from: callerId,
        twiml: bridgeTwiml(r.brief, message.locale, message.to, callerId),
        statusCallback: this.settings.publicUrl + TWILIO_STATUS_PATH,
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      });
      return { providerId: call.sid, providerStatus: call.status ?? 'queued' };
    } catch (err) {
      throw classifyTwilioError(err);
    }
  }
}

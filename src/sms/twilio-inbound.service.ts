import { Inject, Injectable } from '@nestjs/common';
import twilio from 'twilio';
import { type TwilioParams, verifyTwilioSignature } from '../common/twilio-webhook';
import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { ALL_TOPICS } from '../consent/consent-state';
import { ConsentService } from '../consent/consent.service';
import { toE164 } from '../common/validators';
import { classifySmsKeyword, writtenKeyword, type SmsKeyword } from './sms-keywords';
import { confirmedReply, keywordReply, replyLocale } from './sms-replies';
import { SmsReplyForwarder } from './sms-reply-forwarder';
import { planRestore, SMS_KEYWORD_SOURCE as SOURCE, type SmsLedgerRow } from './sms-restore';

export const TWILIO_INBOUND_PATH = '/webhooks/twilio/inbound';

/** The urlencoded form Twilio posts; repeated fields arrive as arrays. */
export type { TwilioParams };

interface CustomerRow {
  id: string;
  locale: string | null;
}

const first = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v[0] : v;

/**
 * Inbound SMS from Twilio (promise 8): STOP-type keywords withdraw SMS consent for every topic,
 * START-type keywords restore what the keyword withdrawal took away, HELP replies with who we are
 * and how to opt out. Everything goes through the consent ledger.
 */
@Injectable()
export class TwilioInboundService {
  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly dataSource: DataSource,
    private readonly consent: ConsentService,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
    private readonly replies: SmsReplyForwarder,
  ) {}

  /** 503 when Twilio is not configured; 403 when X-Twilio-Signature is missing or wrong. */
  verify(signature: string | undefined, params: TwilioParams): void {
    verifyTwilioSignature(this.settings, TWILIO_INBOUND_PATH, signature, params, 'inbound SMS');
  }

  /** Acts on a verified inbound message and returns the TwiML to answer with. */
  async handle(params: TwilioParams): Promise<string> {
    const body = first(params.Body) ?? '';
    const keyword = classifySmsKeyword(body);
    const from = first(params.From);
    const phone = from ? toE164(from.trim(), this.settings.defaultPhoneRegion) : null;
    if (!phone) return this.twiml(null);
    const sid = first(params.MessageSid) ?? first(params.SmsSid) ?? '';
    const messageSid = /^[A-Za-z0-9]{1,64}$/.test(sid) ? sid : null;
    if (!keyword) {
      // Words for a person, not a keyword: forwarded to one; no automatic answer.
      if (body.trim()) await this.replies.handle(phone, body, messageSid);
      return this.twiml(null);
    }

    const reply = await this.dataSource.transaction(async (m) => {
      // Locked like ConsentService locks them, so a STOP and a START of one number run in turn.
      const customers: CustomerRow[] = await m.query(
        `SELECT id, locale FROM customers WHERE phone = $1 AND erased_at IS NULL
         ORDER BY created_at, id FOR NO KEY UPDATE`,
        [phone],
      );
      if (!customers.length) return null;
      let changed = false;
      let confirmed = false;
      for (const c of customers) {
        if (keyword === 'help') continue;
        if (messageSid && (await this.seen(m, c.id, messageSid))) continue; // a replayed webhook
        if (keyword === 'stop') await this.stop(m, c.id, body, messageSid);
        else {
          // YES / ДА answers the confirmation SMS of grants made through another channel.
          confirmed = (await this.confirmPending(m, c.id, body, messageSid)) || confirmed;
          changed = (await this.start(m, c.id, body, messageSid)) || changed;
        }
      }
      const locale = replyLocale(customers[0].locale);
      if (confirmed) return confirmedReply(locale, this.settings.company.name);
      if (keyword === 'start' && !changed) return null;
      return keywordReply(keyword, locale, this.settings.company.name);
    });
    return this.twiml(reply);
  }

  private async seen(m: EntityManager, customerId: string, messageSid: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM consent_events WHERE customer_id = $1 AND actor = $2 LIMIT 1`,
      [customerId, `sms:${messageSid}`],
    );
    return rows.length > 0;
  }

  /** Withdraws '*' and every live SMS topic, so that a START can re-grant exactly those. */
  private async stop(
    m: EntityManager,
    customerId: string,
    body: string,
    messageSid: string | null,
  ): Promise<void> {
    const live: { topic: string }[] = await m.query(
      `SELECT topic FROM consent_state WHERE customer_id = $1 AND channel = 'sms'
         AND status <> 'withdrawn' AND topic <> $2 ORDER BY topic`,
      [customerId, ALL_TOPICS],
    );
    // The STOP answers the last SMS sent to this number: the audit links the withdrawal to it,
    // so the campaign that prompted it is known (campaign report: unsubscribes).
    const [last]: { id: string }[] = await m.query(
      `SELECT id FROM deliveries
        WHERE customer_id = $1 AND channel = 'sms' AND status IN ('sent', 'delivered', 'unknown')
        ORDER BY sent_at DESC NULLS LAST, planned_at DESC LIMIT 1`,
      [customerId],
    );
    const lastDeliveryId = last?.id ?? null;
    const eventIds: string[] = [];
    for (const topic of [ALL_TOPICS, ...live.map((r) => r.topic)]) {
      const { event } = await this.consent.withdraw(
        {
          customerId,
          channel: 'sms',
          topic,
          source: SOURCE,
          actor: this.actor(messageSid),
          evidence: { wording: body },
          data: {
            messageSid,
            lastDeliveryId,
            ...(lastDeliveryId ? { deliveryId: lastDeliveryId } : {}),
          },
        },
        m,
      );
      eventIds.push(event.id);
    }
    await this.recordKeyword(m, customerId, 'stop', body, messageSid, eventIds, lastDeliveryId);
  }

  /**
   * Confirms the SMS (and voice: same phone) grants waiting for this phone's own "yes" — those
   * made from a forwarded e-mail preference link. False when none was waiting.
   */
  private async confirmPending(
    m: EntityManager,
    customerId: string,
    body: string,
    messageSid: string | null,
  ): Promise<boolean> {
    const pending: { channel: 'sms' | 'voice'; topic: string }[] = await m.query(
      `SELECT channel, topic FROM consent_state
       WHERE customer_id = $1 AND channel IN ('sms', 'voice') AND status = 'granted'
         AND needs_confirmation ORDER BY channel, topic`,
      [customerId],
    );
    const eventIds: string[] = [];
    for (const p of pending) {
      const { event } = await this.consent.record(
        {
          customerId,
          channel: p.channel,
          topic: p.topic,
          action: 'confirm',
          source: SOURCE,
          actor: this.actor(messageSid),
          evidence: { wording: body },
          data: { messageSid },
        },
        m,
      );
      eventIds.push(event.id);
    }
    if (!eventIds.length) return false;
    await this.recordKeyword(m, customerId, 'start', body, messageSid, eventIds);
    return true;
  }

  /** Re-grants what the keyword withdrawal took away; false when there is nothing to restore. */
  private async start(
    m: EntityManager,
    customerId: string,
    body: string,
    messageSid: string | null,
  ): Promise<boolean> {
    const ledger: SmsLedgerRow[] = await m.query(
      `SELECT id, topic, action, source, confirmed, occurred_at FROM consent_events
       WHERE customer_id = $1 AND channel = 'sms' ORDER BY id`,
      [customerId],
    );
    const plan = planRestore(ledger);
    if (!plan?.scopes.length) return false;
    const archived: { key: string }[] = await m.query(
      `SELECT key FROM topics WHERE key = ANY($1::text[]) AND archived_at IS NOT NULL`,
      [plan.scopes.map((s) => s.topic)],
    );
    const skip = new Set(archived.map((r) => r.key));
    const eventIds: string[] = [];
    for (const scope of plan.scopes) {
      if (skip.has(scope.topic)) continue;
      const { event } = await this.consent.record(
        {
          customerId,
          channel: 'sms',
          topic: scope.topic,
          action: 'grant',
          confirmed: scope.confirmed,
          source: SOURCE,
          actor: this.actor(messageSid),
          evidence: { wording: body, wordingVersion: SOURCE },
          data: { messageSid, restores: plan.stopEventId },
        },
        m,
      );
      eventIds.push(event.id);
    }
    if (!eventIds.length) return false;
    await this.recordKeyword(m, customerId, 'start', body, messageSid, eventIds);
    return true;
  }

  private recordKeyword(
    m: EntityManager,
    customerId: string,
    keyword: SmsKeyword,
    body: string,
    messageSid: string | null,
    consentEventIds: string[],
    lastDeliveryId: string | null = null,
  ): Promise<void> {
    return this.audit.record(
      {
        type: 'sms.keyword',
        customerId,
        channel: 'sms',
        actor: this.actor(messageSid),
        at: this.clock.now(),
        deliveryId: lastDeliveryId,
        // `written`: the keyword as the customer wrote it (the message is only the keyword).
        data: {
          keyword,
          written: writtenKeyword(body),
          messageSid,
          lastDeliveryId,
          consentEventIds,
        },
      },
      m,
    );
  }

  private actor(messageSid: string | null): string {
    return `sms:${messageSid ?? 'unknown'}`;
  }

  private twiml(message: string | null): string {
    const response = new twilio.twiml.MessagingResponse();
    if (message) response.message(message);
    return response.toString();
  }
}

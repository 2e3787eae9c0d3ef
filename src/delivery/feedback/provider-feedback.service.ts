import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  UnprocessableEntityException,
} from '@nestjs/common';
import { type TwilioParams, verifyTwilioSignature } from '../../common/twilio-webhook';
import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '../../audit-log/audit-writer';
import { auditEventType } from '../../audit-log/audit-event-types';
import { Clock } from '../../common/clock';
import { maskDiagnostic, maskPersonal, type PersonalValues } from '../../common/mask-personal';
import { SETTINGS } from '../../common/tokens';
import type { Settings } from '../../config/settings';
import { FLOW_SOURCES } from '../../consent/consent-sources';
import { ConsentService } from '../../consent/consent.service';
import { addressHash, SuppressionService } from '../../suppression/suppression.service';
import { TWILIO_STATUS_PATH } from '../channels/twilio.channels';
import { parseFeedbackReport, type FeedbackReport } from './report-parser';
import { ownEntries } from './report-recipient';
import { twilioStatusRank, twilioOutcome } from './twilio-status';

export type { TwilioParams };

interface DeliveryRow {
  id: string;
  campaign_id: string;
  customer_id: string;
  channel: string;
  topic: string;
  status: string;
  provider_status: string | null;
  policy_version: number;
}

export interface FeedbackResult {
  deliveryId: string | null;
  /** The delivery's status after this event. */
  status: string | null;
  /** True when the event was already known or older than what we have: nothing changed. */
  ignored: boolean;
  /** Why a report was ignored, when it is not simply a repeat. */
  reason?: string;
}

export const OTHER_RECIPIENT_REASON = 'the report names another recipient than the delivery';

/** Soft bounces (4.x.x) of one address after which it is suppressed. */
export const SOFT_BOUNCE_LIMIT = 3;
/**
 * A soft bounce more than this long after the previous one starts the count again: the address
 * took mail in between, so the earlier ones were passing trouble (a full mailbox that was emptied).
 */
export const SOFT_BOUNCE_WINDOW_DAYS = 30;
const UNKNOWN_SID_RETRIES = 4;
const UNKNOWN_SID_WAIT_MS = 250;

const first = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v[0] : v;
/** An enhanced status code (5.1.1) as reported; anything else is masked and cut. */
const safeStatus = (status: string): string =>
  /^[245]\.\d{1,3}\.\d{1,3}$/.test(status) ? status : maskPersonal(status).slice(0, 20);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What providers tell us after the hand-over: Twilio status callbacks (forward only, duplicates
 * ignored) and e-mail bounces and complaints. Each event is matched to its delivery and every
 * transition is audited in the same transaction.
 */
@Injectable()
export class ProviderFeedbackService {
  private readonly logger = new Logger(ProviderFeedbackService.name);

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly suppression: SuppressionService,
    private readonly consent: ConsentService,
    private readonly clock: Clock,
  ) {}

  /** 503 when Twilio is not configured; 403 when X-Twilio-Signature is missing or wrong. */
  verifyTwilio(signature: string | undefined, params: TwilioParams): void {
    verifyTwilioSignature(this.settings, TWILIO_STATUS_PATH, signature, params, 'status callbacks');
  }

  /** A verified Twilio status callback for a message (MessageSid) or a call (CallSid). */
  async twilioStatus(params: TwilioParams): Promise<FeedbackResult> {
    const callSid = first(params.CallSid);
    const isCall = Boolean(callSid) && !first(params.MessageSid);
    const sid = (isCall ? callSid : (first(params.MessageSid) ?? first(params.SmsSid))) ?? '';
    const status = (
      (isCall
        ? first(params.CallStatus)
        : (first(params.MessageStatus) ?? first(params.SmsStatus))) ?? ''
    ).toLowerCase();
    if (!/^[A-Za-z0-9]{2,64}$/.test(sid) || !/^[a-z-]{2,20}$/.test(status)) {
      throw new BadRequestException([
        isCall
          ? 'CallSid and CallStatus are required'
          : 'MessageSid and MessageStatus are required',
      ]);
    }
    // A Twilio error code is a number; anything else is not stored (the audit is append-only).
    const rawCode = first(params.ErrorCode);
    const errorCode = rawCode && /^\d{1,10}$/.test(rawCode) ? rawCode : null;
    const kind = isCall ? 'call' : 'message';
    await this.awaitProviderId(sid);
    return this.dataSource.transaction(async (m) => {
      const d = await this.lockDelivery(m, `provider_id = $1`, [sid]);
      if (!d) {
        this.logger.warn(`twilio status for an unknown ${kind} ${sid}`);
        return { deliveryId: null, status: null, ignored: true };
      }
      const fresh = await this.recordEvent(m, d.id, 'twilio', status, sid, {
        kind,
        errorCode,
        duration: first(params.CallDuration) ?? null,
      });
      // Forward only: a callback that arrives late (sent after delivered) changes nothing.
      if (!fresh || twilioStatusRank(kind, status) <= twilioStatusRank(kind, d.provider_status)) {
        return { deliveryId: d.id, status: d.status, ignored: true };
      }
      const outcome = twilioOutcome(kind, status);
      const next =
        outcome && ['sent', 'unknown'].includes(d.status) && d.status !== outcome
          ? outcome
          : d.status;
      await m.query(
        `UPDATE deliveries SET provider_status = $2, status = $3, updated_at = $4,
                finished_at = CASE WHEN $3 <> status THEN $4 ELSE finished_at END,
                last_error = CASE WHEN $5::text IS NOT NULL THEN 'twilio_' || $5 ELSE last_error END
          WHERE id = $1`,
        [d.id, status, next, this.clock.now(), errorCode],
      );
      if (next !== d.status) {
        await this.audit.record(
          {
            type: auditEventType(`delivery.${next}`),
            customerId: d.customer_id,
            campaignId: d.campaign_id,
            deliveryId: d.id,
            channel: d.channel,
            policyVersion: d.policy_version,
            reason: next === 'failed' ? (errorCode ? `twilio_${errorCode}` : status) : null,
            actor: `twilio:${sid}`,
            at: this.clock.now(),
            data: { providerStatus: status, previous: d.status, errorCode },
          },
          m,
        );
      }
      // The handset replied STOP to the provider: the ledger says so too.
      if (!isCall && errorCode === '21610') {
        await this.consent.withdraw(
          {
            customerId: d.customer_id,
            channel: 'sms',
            topic: '*',
            source: FLOW_SOURCES.providerOptout,
            actor: 'system',
            data: { deliveryId: d.id, provider: 'twilio', code: 21610 },
          },
          m,
        );
      }
      return { deliveryId: d.id, status: next, ignored: false };
    });
  }

  /**
   * A callback can overtake the sender: Twilio may call back while the batch that handed the
   * message over has not yet committed its SID. Wait briefly for the SID to appear.
   */
  private async awaitProviderId(sid: string): Promise<void> {
    for (let i = 0; i < UNKNOWN_SID_RETRIES; i++) {
      const rows: unknown[] = await this.dataSource.query(
        `SELECT 1 FROM deliveries WHERE provider_id = $1 LIMIT 1`,
        [sid],
      );
      if (rows.length) return;
      await new Promise((r) => setTimeout(r, UNKNOWN_SID_WAIT_MS));
    }
  }

  /** A raw RFC 3464 bounce or RFC 5965 complaint. */
  async emailReport(raw: Buffer): Promise<FeedbackResult & { type: 'bounce' | 'complaint' }> {
    const report = await parseFeedbackReport(raw);
    if (!report) {
      throw new BadRequestException([
        'body must be an RFC 3464 delivery status notification or an RFC 5965 feedback report',
      ]);
    }
    return this.dataSource.transaction(async (m) => {
      const d = await this.matchEmail(m, report);
      if (!d) {
        throw new UnprocessableEntityException([
          'body: no delivery matches the original Message-ID of this report',
        ]);
      }
      const result =
        report.type === 'complaint'
          ? await this.complaint(m, d, report)
          : await this.bounce(m, d, report);
      return { ...result, type: report.type };
    });
  }

  private async matchEmail(m: EntityManager, report: FeedbackReport): Promise<DeliveryRow | null> {
    const ids = report.deliveryIds.filter((id) => UUID.test(id));
    if (ids.length) {
      const d = await this.lockDelivery(m, `id = ANY($1::uuid[]) AND channel = 'email'`, [ids]);
      if (d) return d;
    }
    if (!report.messageIds.length) return null;
    const withBrackets = report.messageIds.map((id) => `<${id}>`);
    return this.lockDelivery(m, `provider_id = ANY($1::text[]) AND channel = 'email'`, [
      withBrackets,
    ]);
  }

  private async complaint(
    m: EntityManager,
    d: DeliveryRow,
    report: Extract<FeedbackReport, { type: 'complaint' }>,
  ): Promise<FeedbackResult> {
    const email = await this.customerEmail(m, d.customer_id);
    if (ownEntries([report], email).foreign)
      return this.ignoreOtherRecipient(m, d, 'arf', 'complaint');
    // Reported by a third party: stored only masked (the audit row is append-only).
    const feedbackType = maskPersonal(report.feedbackType).slice(0, 40);
    const fresh = await this.recordEvent(m, d.id, 'arf', 'complained', null, { feedbackType });
    if (!fresh) return { deliveryId: d.id, status: d.status, ignored: true };
    const now = this.clock.now();
    await this.transition(m, d, 'complained', feedbackType, 'arf', { feedbackType });
    // The delivery's own address, never the one the report names.
    if (email) {
      await this.suppression.add(
        {
          type: 'email',
          value: email,
          reason: 'complaint',
          customerId: d.customer_id,
          note: 'spam complaint (ARF)',
        },
        `delivery:${d.id}`,
        m,
      );
    }
    await this.consent.withdraw(
      {
        customerId: d.customer_id,
        channel: 'email',
        topic: d.topic,
        source: FLOW_SOURCES.complaint,
        actor: 'system',
        data: { deliveryId: d.id, feedbackType, at: now.toISOString() },
      },
      m,
    );
    return { deliveryId: d.id, status: 'complained', ignored: false };
  }

  private async bounce(
    m: EntityManager,
    d: DeliveryRow,
    report: Extract<FeedbackReport, { type: 'bounce' }>,
  ): Promise<FeedbackResult> {
    // Only entries about the delivery's own address count; the suppression is of that address.
    const person = await this.person(m, d.customer_id);
    const email = person.email;
    const own = ownEntries(report.recipients, email);
    if (own.foreign) return this.ignoreOtherRecipient(m, d, 'dsn', 'bounce');
    const hard = own.entries.find((r) => r.status.startsWith('5.'));
    const soft = own.entries.find((r) => r.status.startsWith('4.'));
    const r = hard ?? soft;
    if (!r) return { deliveryId: d.id, status: d.status, ignored: true };
    // The diagnostic quotes the address and often the name: masked before it is stored (the
    // audit row is append-only and could never be scrubbed later).
    const diagnostic = maskDiagnostic(r.diagnostic, {
      ...person.values,
      emails: [...(person.values.emails ?? []), r.recipient],
    });
    const status = safeStatus(r.status);
    const eventStatus = hard ? 'bounced' : 'soft_bounce';
    const fresh = await this.recordEvent(m, d.id, 'dsn', eventStatus, null, {
      status,
      action: r.action ? maskPersonal(r.action).slice(0, 40) : null,
      diagnostic,
    });
    if (!fresh) return { deliveryId: d.id, status: d.status, ignored: true };
    if (hard) {
      await this.transition(m, d, 'bounced', status, 'dsn', { status, diagnostic });
      if (email) {
        await this.suppression.add(
          {
            type: 'email',
            value: email,
            reason: 'hard_bounce',
            customerId: d.customer_id,
            note: `bounce ${status}`,
          },
          `delivery:${d.id}`,
          m,
        );
      }
      return { deliveryId: d.id, status: 'bounced', ignored: false };
    }
    // 4.x.x: the address may recover; the third within the window of the one before suppresses it.
    if (!email) return { deliveryId: d.id, status: d.status, ignored: false };
    const hash = addressHash('email', email);
    const [row]: { count: number }[] = await m.query(
      `INSERT INTO soft_bounces (address_hash, count, last_delivery_id, last_at) VALUES ($1, 1, $2, $3)
       ON CONFLICT (address_hash) DO UPDATE
         SET count = CASE WHEN soft_bounces.last_at < $3::timestamptz - make_interval(days => $4)
                          THEN 1 ELSE soft_bounces.count + 1 END,
             last_delivery_id = $2, last_at = $3
       RETURNING count`,
      [hash, d.id, this.clock.now(), SOFT_BOUNCE_WINDOW_DAYS],
    );
    await this.audit.record(
      {
        type: 'delivery.soft_bounce',
        customerId: d.customer_id,
        campaignId: d.campaign_id,
        deliveryId: d.id,
        channel: 'email',
        reason: status,
        actor: 'dsn',
        at: this.clock.now(),
        data: { status, count: row.count },
      },
      m,
    );
    if (row.count >= SOFT_BOUNCE_LIMIT) {
      await this.suppression.add(
        {
          type: 'email',
          value: email,
          reason: 'hard_bounce',
          customerId: d.customer_id,
          note: `${row.count} soft bounces (last ${status})`,
        },
        `delivery:${d.id}`,
        m,
      );
    }
    return { deliveryId: d.id, status: d.status, ignored: false };
  }

  /**
   * A report matched to this delivery that names only other addresses: possibly forged by a
   * recipient of the message to silence a stranger. Nothing changes; it is recorded once per
   * delivery and kind (a delivery event and an audit row), without the other address.
   */
  private async ignoreOtherRecipient(
    m: EntityManager,
    d: DeliveryRow,
    source: 'dsn' | 'arf',
    report: 'bounce' | 'complaint',
  ): Promise<FeedbackResult> {
    const fresh = await this.recordEvent(m, d.id, source, 'ignored_other_recipient', null, {
      report,
    });
    if (fresh) {
      await this.audit.record(
        {
          type: 'delivery.feedback_ignored',
          customerId: d.customer_id,
          campaignId: d.campaign_id,
          deliveryId: d.id,
          channel: d.channel,
          reason: 'recipient_mismatch',
          actor: source,
          at: this.clock.now(),
          data: { report },
        },
        m,
      );
    }
    this.logger.warn(`${report} report for delivery ${d.id} names another recipient: ignored`);
    return { deliveryId: d.id, status: d.status, ignored: true, reason: OTHER_RECIPIENT_REASON };
  }

  /** sent | delivered | unknown → bounced | complained, audited. */
  private async transition(
    m: EntityManager,
    d: DeliveryRow,
    next: 'bounced' | 'complained',
    reason: string,
    actor: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    const now = this.clock.now();
    await m.query(
      `UPDATE deliveries SET status = $2, provider_status = $2, finished_at = $3, updated_at = $3 WHERE id = $1`,
      [d.id, next, now],
    );
    await this.audit.record(
      {
        type: auditEventType(`delivery.${next}`),
        customerId: d.customer_id,
        campaignId: d.campaign_id,
        deliveryId: d.id,
        channel: d.channel,
        policyVersion: d.policy_version,
        reason,
        actor,
        at: now,
        data: { ...data, previous: d.status },
      },
      m,
    );
  }

  private async lockDelivery(
    m: EntityManager,
    where: string,
    params: unknown[],
  ): Promise<DeliveryRow | null> {
    const rows: DeliveryRow[] = await m.query(
      `SELECT id, campaign_id, customer_id, channel, topic, status, provider_status, policy_version
         FROM deliveries WHERE ${where} ORDER BY planned_at LIMIT 1 FOR UPDATE`,
      params,
    );
    return rows[0] ?? null;
  }

  /** False when this very event was already recorded (a repeated callback or report). */
  private async recordEvent(
    m: EntityManager,
    deliveryId: string,
    source: 'twilio' | 'dsn' | 'arf',
    status: string,
    providerId: string | null,
    data: Record<string, unknown>,
  ): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `INSERT INTO delivery_events (delivery_id, source, status, provider_id, data, received_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ON CONSTRAINT ux_delivery_events_once DO NOTHING RETURNING id`,
      [deliveryId, source, status, providerId, JSON.stringify(data), this.clock.now()],
    );
    return rows.length > 0;
  }

  private async customerEmail(m: EntityManager, customerId: string): Promise<string | null> {
    return (await this.person(m, customerId)).email;
  }

  /** The recipient's e-mail and the values of theirs a diagnostic may quote. */
  private async person(
    m: EntityManager,
    customerId: string,
  ): Promise<{ email: string | null; values: PersonalValues }> {
    const [c]: {
      name: string | null;
      email: string | null;
      phone: string | null;
      company: string | null;
      account_manager_phone: string | null;
    }[] = await m.query(
      `SELECT name, email, phone, company, account_manager_phone FROM customers WHERE id = $1`,
      [customerId],
    );
    return {
      email: c?.email ?? null,
      values: {
        names: [c?.name, c?.company],
        emails: [c?.email],
        phones: [c?.phone, c?.account_manager_phone],
      },
    };
  }
}

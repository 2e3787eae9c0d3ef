import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../../audit-log/audit-writer';
import { Clock } from '../../common/clock';
import { invalid } from '../../common/domain-error';
import { SETTINGS } from '../../common/tokens';
import { type TwilioParams, verifyTwilioSignature } from '../../common/twilio-webhook';
import type { Settings } from '../../config/settings';
import { FLOW_SOURCES } from '../../consent/consent-sources';
import { ConsentService } from '../../consent/consent.service';
import { TWILIO_STATUS_PATH } from '../channels/twilio.channels';
import {
  lockDeliveryByProviderId,
  providerIdExists,
  recordDeliveryEvent,
  transitionAudit,
  updateTwilioStatus,
} from './feedback-sql';
import type { FeedbackResult } from './feedback-result';
import { callOutcome, twilioOutcome, twilioStatusRank } from './twilio-status';

const UNKNOWN_SID_RETRIES = 4;
const UNKNOWN_SID_WAIT_MS = 250;

const first = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v[0] : v;

/** Twilio message and call status callbacks: forward only, duplicates ignored, each move audited. */
@Injectable()
export class TwilioStatusFeedback {
  private readonly logger = new Logger(TwilioStatusFeedback.name);

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly consent: ConsentService,
    private readonly clock: Clock,
  ) {}

  /** 503 when Twilio is not configured; 403 when X-Twilio-Signature is missing or wrong. */
  verify(signature: string | undefined, params: TwilioParams): void {
    verifyTwilioSignature(this.settings, TWILIO_STATUS_PATH, signature, params, 'status callbacks');
  }

  /** A verified Twilio status callback for a message (MessageSid) or a call (CallSid). */
  async handle(params: TwilioParams): Promise<FeedbackResult> {
    const callSid = first(params.CallSid);
    const isCall = Boolean(callSid) && !first(params.MessageSid);
    const sid = (isCall ? callSid : (first(params.MessageSid) ?? first(params.SmsSid))) ?? '';
    const status = (
      (isCall
        ? first(params.CallStatus)
        : (first(params.MessageStatus) ?? first(params.SmsStatus))) ?? ''
    ).toLowerCase();
    if (!/^[A-Za-z0-9]{2,64}$/.test(sid) || !/^[a-z-]{2,20}$/.test(status)) {
      throw invalid([
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
      const d = await lockDeliveryByProviderId(m, sid);
      if (!d) {
        this.logger.warn(`twilio status for an unknown ${kind} ${sid}`);
        return { deliveryId: null, status: null, ignored: true };
      }
      const fresh = await recordDeliveryEvent(m, {
        deliveryId: d.id,
        source: 'twilio',
        status,
        providerId: sid,
        data: { kind, errorCode, duration: first(params.CallDuration) ?? null },
        at: this.clock.now(),
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
      await updateTwilioStatus(m, {
        id: d.id,
        providerStatus: status,
        status: next,
        at: this.clock.now(),
        errorCode,
      });
      if (next !== d.status) {
        await this.audit.record(
          transitionAudit(d, next, {
            reason: next === 'failed' ? (errorCode ? `twilio_${errorCode}` : status) : null,
            actor: `twilio:${sid}`,
            at: this.clock.now(),
            data: { providerStatus: status, previous: d.status, errorCode },
          }),
          m,
        );
      }
      // How the call ended (the account manager's leg, bridged to the customer), for the timeline.
      const ended = isCall ? callOutcome(status) : null;
      if (ended) {
        await this.audit.record(
          {
            type: 'call.outcome',
            customerId: d.customer_id,
            campaignId: d.campaign_id,
            deliveryId: d.id,
            channel: 'voice',
            reason: ended,
            actor: `twilio:${sid}`,
            at: this.clock.now(),
            data: { providerStatus: status },
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
      if (await providerIdExists(this.dataSource, sid)) return;
      await new Promise((r) => setTimeout(r, UNKNOWN_SID_WAIT_MS));
    }
  }
}

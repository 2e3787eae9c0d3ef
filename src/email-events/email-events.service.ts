import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { DomainError, forbidden, invalid, notFound } from '../common/domain-error';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { EmailReportFeedback } from '../delivery/feedback/email-report-feedback';
import type { FeedbackSource } from '../delivery/feedback/report-parser';
import type { ProviderEventsResultDto } from './email-events.dto';
import { mailgunReport, mailgunSignatureValid } from './mailgun-events';
import { postmarkAuthValid, postmarkReport } from './postmark-events';
import type { ProviderReport } from './provider-report';
import { objectAt, stringAt } from './provider-report';
import { firstSighting, forgetSighting } from './replay-guard';
import { sendgridPublicKey, sendgridReport, sendgridSignatureValid } from './sendgrid-events';
import { sesReports } from './ses-events';
import { SnsClient } from './sns-client';
import { isSnsUrl, snsMessageOf, snsSignatureValid } from './sns-message';

/** A signed request older (or further in the future) than this is refused as a replay. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;
/** SNS retries a notification for up to an hour with its first Timestamp. */
export const SNS_TOLERANCE_SECONDS = 60 * 60;
/** SendGrid posts up to a thousand events at once; more is not a SendGrid request. */
const MAX_EVENTS = 1000;

const NOT_CONFIGURED = (provider: string) => notFound(`no ${provider} webhook is configured here`);

/**
 * E-mail provider event webhooks: each request verified as its vendor documents it, then each
 * event applied by the same rules as a raw DSN or ARF report (EmailReportFeedback.apply).
 */
@Injectable()
export class EmailEventsService {
  private readonly logger = new Logger(EmailEventsService.name);
  private sendgridKey?: KeyObject;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly dataSource: DataSource,
    private readonly feedback: EmailReportFeedback,
    private readonly sns: SnsClient,
    private readonly clock: Clock,
  ) {}

  /** Amazon SES through an SNS HTTPS subscription (the body is the SNS message as text). */
  async ses(raw: Buffer): Promise<ProviderEventsResultDto> {
    if (!this.settings.emailProviders.sesEnabled) throw NOT_CONFIGURED('SES');
    const message = snsMessageOf(parseJson(raw));
    if (!message) throw invalid(['body must be an SNS message']);
    const topics = this.settings.emailProviders.sesTopicArns;
    // SNS signs every topic's messages alike: anyone's topic could post here otherwise.
    if (topics.length && !topics.includes(message.TopicArn)) {
      throw forbidden('TopicArn is not one of SES_WEBHOOK_TOPIC_ARNS');
    }
    if (!isSnsUrl(message.SigningCertURL, '.pem')) {
      throw forbidden('SigningCertURL is not an SNS certificate URL');
    }
    this.checkAge(Date.parse(message.Timestamp) / 1000, SNS_TOLERANCE_SECONDS, 'Timestamp');
    const certificate = await this.sns.certificate(message.SigningCertURL).catch(() => {
      throw new DomainError('unavailable', 'the SNS signing certificate could not be fetched');
    });
    if (!snsSignatureValid(message, certificate)) {
      throw forbidden('Signature does not match this SNS message');
    }
    if (message.Type === 'SubscriptionConfirmation') {
      if (!isSnsUrl(message.SubscribeURL)) throw forbidden('SubscribeURL is not an SNS URL');
      await this.sns.confirm(message.SubscribeURL!);
      this.logger.log(`SNS subscription confirmed for ${message.TopicArn}`);
      return { ...EMPTY, subscriptionConfirmed: true };
    }
    if (message.Type !== 'Notification') return { ...EMPTY };
    return this.applyAll('ses', sesReports(parseJson(Buffer.from(message.Message, 'utf8'))), 1);
  }

  /** SendGrid's Signed Event Webhook: a JSON array of events. */
  async sendgrid(
    raw: Buffer | undefined,
    signature: string | undefined,
    timestamp: string | undefined,
  ): Promise<ProviderEventsResultDto> {
    const key = this.settings.emailProviders.sendgridPublicKey;
    if (!key) throw NOT_CONFIGURED('SendGrid');
    if (!raw) throw invalid(['body must be a JSON array of SendGrid events']);
    if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) {
      throw forbidden(
        'X-Twilio-Email-Event-Webhook-Signature and X-Twilio-Email-Event-Webhook-Timestamp are required',
      );
    }
    this.sendgridKey ??= sendgridPublicKey(key);
    if (!sendgridSignatureValid(this.sendgridKey, timestamp, raw, signature)) {
      throw forbidden('X-Twilio-Email-Event-Webhook-Signature does not match this request');
    }
    this.checkAge(
      Number(timestamp),
      SIGNATURE_TOLERANCE_SECONDS,
      'X-Twilio-Email-Event-Webhook-Timestamp',
    );
    const events = parseJson(raw);
    if (!Array.isArray(events)) throw invalid(['body must be a JSON array of SendGrid events']);
    if (events.length > MAX_EVENTS) throw invalid([`body holds more than ${MAX_EVENTS} events`]);
    return this.applyAll('sendgrid', events.map(sendgridReport), events.length);
  }

  /** Mailgun: `{ signature: { timestamp, token, signature }, "event-data": {...} }`. */
  async mailgun(body: unknown): Promise<ProviderEventsResultDto> {
    const key = this.settings.emailProviders.mailgunSigningKey;
    if (!key) throw NOT_CONFIGURED('Mailgun');
    const sig = objectAt(body, 'signature');
    const s = {
      timestamp: stringAt(sig, 'timestamp') ?? '',
      token: stringAt(sig, 'token') ?? '',
      signature: stringAt(sig, 'signature') ?? '',
    };
    if (!/^\d{1,12}$/.test(s.timestamp) || !/^[A-Za-z0-9]{1,200}$/.test(s.token)) {
      throw forbidden('signature.timestamp, signature.token and signature.signature are required');
    }
    if (!mailgunSignatureValid(key, s)) throw forbidden('signature does not match this request');
    this.checkAge(Number(s.timestamp), SIGNATURE_TOLERANCE_SECONDS, 'signature.timestamp');
    if (!(await firstSighting(this.dataSource, 'mailgun', s.token, this.clock.now()))) {
      throw forbidden('signature.token was already used: a replayed request');
    }
    try {
      return await this.applyAll('mailgun', [mailgunReport(objectAt(body, 'event-data'))], 1);
    } catch (err) {
      // Mailgun retries with the same token: a failure here must not read as a replay then.
      await forgetSighting(this.dataSource, 'mailgun', s.token).catch(() => undefined);
      throw err;
    }
  }

  /** Postmark: basic auth on the webhook URL, one record per request. */
  async postmark(
    authorization: string | undefined,
    body: unknown,
  ): Promise<ProviderEventsResultDto> {
    const expected = this.settings.emailProviders.postmark;
    if (!expected) throw NOT_CONFIGURED('Postmark');
    if (!postmarkAuthValid(authorization, expected)) {
      throw new DomainError(
        'unauthenticated',
        'Authorization does not match the Postmark webhook user',
      );
    }
    return this.applyAll('postmark', [postmarkReport(body)], 1);
  }

  private checkAge(seconds: number, tolerance: number, field: string): void {
    const now = this.clock.now().getTime() / 1000;
    if (!Number.isFinite(seconds) || Math.abs(now - seconds) > tolerance) {
      throw forbidden(`${field} is too old or in the future: a replayed or delayed request`);
    }
  }

  private async applyAll(
    source: FeedbackSource,
    reports: (ProviderReport | null)[],
    received: number,
  ): Promise<ProviderEventsResultDto> {
    const result = { ...EMPTY, received };
    for (const report of reports) {
      const outcome = report ? await this.feedback.apply(report, source) : undefined;
      if (outcome === null) result.unmatched++;
      else if (!outcome || outcome.ignored) result.ignored++;
      else result.applied++;
    }
    return result;
  }
}

const EMPTY: ProviderEventsResultDto = { received: 0, applied: 0, ignored: 0, unmatched: 0 };

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw invalid(['body is not valid JSON']);
  }
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { CHANNEL_SENDERS } from '../delivery/channels/channel-registry';
import type { ChannelSender } from '../delivery/channels/channel';
import type { PageLang } from '../mail/system-mail';
import { smsSegments } from '../templates/sms-segments';

const DAY_MS = 86_400_000;
/** Confirmation SMS per customer per 24 hours: a forwarded link must not become an SMS pump. */
export const CONFIRMATION_SMS_PER_DAY = 3;

const SMS_TEXT: Record<PageLang, (company: string, topics: string) => string> = {
  ru: (c, topics) =>
    `${c}: подтвердите подписку на SMS (${topics}) — ответьте ДА. Если это были не вы, ничего не отвечайте.`,
  en: (c, topics) =>
    `${c}: to confirm text messages about ${topics}, reply YES. If this was not you, do not reply.`,
};

/** An e-mail grant made from an SMS link: the e-mail double opt-in is started for it. */
export type EmailConfirmationStarter = (request: {
  customerId: string;
  email: string;
  topics: string[];
  locale: PageLang;
}) => Promise<void>;

/**
 * Confirms a grant made on another channel than the link's own on that channel itself: an SMS
 * asking for a YES reply (src/sms confirms on it), or the e-mail double opt-in (registered by the
 * subscribe module, which owns it). Until then the grant is pending and the engine sends nothing.
 */
@Injectable()
export class ChannelConfirmationService {
  private readonly logger = new Logger(ChannelConfirmationService.name);
  private emailStarter: EmailConfirmationStarter | null = null;

  constructor(
    @Inject(CHANNEL_SENDERS) private readonly senders: ChannelSender[],
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** The double opt-in lives in the subscribe module, which imports this one. */
  setEmailStarter(starter: EmailConfirmationStarter): void {
    this.emailStarter = starter;
  }

  async requestEmail(
    customerId: string,
    email: string,
    topics: string[],
    locale: PageLang,
  ): Promise<void> {
    if (!this.emailStarter) {
      this.logger.warn(`no e-mail confirmation for customer ${customerId}: subscribe not loaded`);
      return;
    }
    await this.emailStarter({ customerId, email, topics, locale });
  }

  /** Sends the YES-to-confirm SMS; failures are logged (the grant stays pending). */
  async requestSms(
    customerId: string,
    phone: string,
    topicTitles: string[],
    lang: PageLang,
  ): Promise<void> {
    const sender = this.senders.find((s) => s.channel === 'sms');
    if (!sender) return;
    const now = this.clock.now();
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_events
       WHERE customer_id = $1 AND type = 'consent.confirmation_requested' AND channel = 'sms'
         AND at > $2`,
      [customerId, new Date(now.getTime() - DAY_MS)],
    );
    if (n >= CONFIRMATION_SMS_PER_DAY) {
      this.logger.warn(`confirmation SMS for customer ${customerId} skipped: daily limit`);
      return;
    }
    const body = SMS_TEXT[lang](this.settings.company.name, topicTitles.join(', '));
    const info = smsSegments(body);
    const id = randomUUID();
    try {
      const accepted = await sender.send({
        deliveryId: id,
        channel: 'sms',
        to: phone,
        locale: lang,
        rendered: { channel: 'sms', body, segments: info.segments, encoding: info.encoding },
      });
      await this.audit.record({
        type: 'consent.confirmation_requested',
        customerId,
        channel: 'sms',
        actor: 'customer',
        at: now,
        data: { providerId: accepted.providerId, topics: topicTitles.length },
      });
    } catch (err) {
      this.logger.warn(
        `confirmation SMS for customer ${customerId} failed: ${(err as { code?: string }).code ?? 'error'}`,
      );
    }
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { recordEngagement } from '../events/record-engagement';
import { FollowUpOpener } from '../follow-ups/follow-up-opener';
import { customerLabel, noticeRecipient } from '../follow-ups/follow-up-notice';
import type { OpenedRow } from '../follow-ups/follow-ups.sql';
import { MailService } from '../mail/mail.service';
import { langOf, renderSystemMail } from '../mail/system-mail';
import { readsAsComplaint } from './sms-complaint';

/** The customer a number belongs to (the oldest record, as keywords pick), with the last SMS sent. */
const REPLYING_CUSTOMER = `
  SELECT c.id, c.kind, c.name, c.company, c.locale, c.account_manager_email,
         d.id AS delivery_id, d.campaign_id, k.name AS campaign_name
    FROM customers c
    LEFT JOIN LATERAL (
      SELECT id, campaign_id FROM deliveries
       WHERE customer_id = c.id AND channel = 'sms' AND status IN ('sent', 'delivered', 'unknown')
       ORDER BY sent_at DESC NULLS LAST, planned_at DESC LIMIT 1) d ON true
    LEFT JOIN campaigns k ON k.id = d.campaign_id
   WHERE c.phone = $1 AND c.erased_at IS NULL
   ORDER BY c.created_at, c.id LIMIT 1
   FOR NO KEY UPDATE OF c`;

interface ReplyingCustomer {
  id: string;
  kind: 'consumer' | 'business';
  name: string | null;
  company: string | null;
  locale: string;
  account_manager_email: string | null;
  delivery_id: string | null;
  campaign_id: string | null;
  campaign_name: string | null;
}

/**
 * An SMS that is not a keyword reaches a person: it counts as engagement (`replied_sms`), shows in
 * the timeline (`customer.replied`, ids only: the text is never stored), opens a follow-up when it
 * reads as a complaint, and is forwarded by e-mail to the account manager or the support address.
 * Nothing is answered automatically.
 */
@Injectable()
export class SmsReplyForwarder {
  private readonly logger = new Logger(SmsReplyForwarder.name);

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly followUps: FollowUpOpener,
    private readonly mail: MailService,
    private readonly clock: Clock,
  ) {}

  async handle(phone: string, text: string, messageSid: string | null): Promise<void> {
    const now = this.clock.now();
    const complaint = readsAsComplaint(text);
    let opened: OpenedRow[] = [];
    const customer = await this.dataSource.transaction(async (m) => {
      const [c]: ReplyingCustomer[] = await m.query(REPLYING_CUSTOMER, [phone]);
      if (!c) return null;
      const written = await recordEngagement(
        m,
        {
          customerId: c.id,
          action: 'replied_sms',
          occurredAt: now,
          deliveryId: c.delivery_id,
          campaignId: c.campaign_id,
          // A replayed webhook (same MessageSid) records and forwards nothing.
          eventId: messageSid ? `sms:${messageSid}` : null,
        },
        now,
      );
      if (!written.inserted) return null;
      await this.audit.record(
        {
          type: 'customer.replied',
          customerId: c.id,
          campaignId: c.campaign_id,
          deliveryId: c.delivery_id,
          channel: 'sms',
          actor: `sms:${messageSid ?? 'unknown'}`,
          at: now,
          data: { messageSid, engagementEventId: written.id, complaint },
        },
        m,
      );
      if (complaint) {
        opened = await this.followUps.open(
          m,
          [{ customerId: c.id, reason: 'sms_complaint', deliveryId: c.delivery_id }],
          now,
        );
      }
      return c;
    });
    if (!customer) return;
    await this.forward(customer, text, complaint);
    await this.followUps.tell(opened);
  }

  private async forward(c: ReplyingCustomer, text: string, complaint: boolean): Promise<void> {
    const to = noticeRecipient(c, this.settings.replyTo);
    if (!to) {
      this.logger.warn(
        { customerId: c.id },
        'SMS reply with no one to forward it to: set REPLY_TO',
      );
      return;
    }
    const lang = langOf(c.locale);
    const mail = renderSystemMail('sms-reply', lang, {
      name: customerLabel(c.name, lang),
      company: c.company,
      campaign: c.campaign_name,
      text: text.slice(0, 1600),
      complaint,
      link: `${this.settings.publicUrl}/console/customers/${c.id}`,
    });
    try {
      await this.mail.send({ to, ...mail });
    } catch (err) {
      this.logger.error(
        { customerId: c.id, code: (err as { code?: unknown }).code },
        'SMS reply not forwarded',
      );
    }
  }
}

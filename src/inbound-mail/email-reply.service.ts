import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { recordEngagement } from '../events/record-engagement';

/** The e-mail delivery a reply answers (by the Message-ID Tactful set), with its customer's address. */
const REPLIED_DELIVERY = `
  SELECT d.id, d.customer_id, d.campaign_id, c.email
    FROM deliveries d JOIN customers c ON c.id = d.customer_id
   WHERE d.provider_id = ANY($1::text[]) AND d.channel = 'email' AND c.erased_at IS NULL
   ORDER BY d.sent_at DESC NULLS LAST, d.id
   LIMIT 1
   FOR NO KEY UPDATE OF c`;

export interface EmailReply {
  /** In-Reply-To and References, with angle brackets. */
  references: string[];
  /** The reply's From address. */
  from: string | null;
  /** The reply's own Message-ID: a repeat of it records nothing. */
  messageId: string | null;
}

export type EmailReplyResult =
  { handled: true; deliveryId: string } | { handled: false; reason: string };

export const UNKNOWN_REPLY_REASON = 'a reply to no message Tactful sent; nothing was recorded';
export const FOREIGN_REPLY_REASON =
  'a reply from an address other than the one the message went to; nothing was recorded';

/**
 * A reply forwarded by the support mailbox: matched to its delivery by In-Reply-To/References, it
 * counts as engagement (`replied_email`) and shows in the timeline (`customer.replied`, ids only:
 * the text is never stored). Nothing is answered. A reply from another address than the
 * delivery's own is not the customer's and counts for nothing.
 */
@Injectable()
export class EmailReplyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  async handle(reply: EmailReply): Promise<EmailReplyResult> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (m) => {
      const [d]: { id: string; customer_id: string; campaign_id: string; email: string | null }[] =
        await m.query(REPLIED_DELIVERY, [reply.references.slice(0, 50)]);
      if (!d) return { handled: false, reason: UNKNOWN_REPLY_REASON };
      if (!d.email || !reply.from || d.email.toLowerCase() !== reply.from.trim().toLowerCase())
        return { handled: false, reason: FOREIGN_REPLY_REASON };
      const written = await recordEngagement(
        m,
        {
          customerId: d.customer_id,
          action: 'replied_email',
          occurredAt: now,
          deliveryId: d.id,
          campaignId: d.campaign_id,
          eventId: reply.messageId ? `email:${reply.messageId.slice(0, 200)}` : null,
        },
        now,
      );
      if (written.inserted) {
        await this.audit.record(
          {
            type: 'customer.replied',
            customerId: d.customer_id,
            campaignId: d.campaign_id,
            deliveryId: d.id,
            channel: 'email',
            actor: 'system',
            at: now,
            data: { engagementEventId: written.id },
          },
          m,
        );
      }
      return { handled: true, deliveryId: d.id };
    });
  }
}

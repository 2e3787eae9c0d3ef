import { createHash } from 'node:crypto';
import { FLOW_SOURCES } from '../consent/consent-sources';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConsentService } from '../consent';
import type { Channel } from '../policy/engine';
import { unsubscribeTokenCandidates } from './mailto-token';
import { UnsubscribeService } from './unsubscribe.service';

export const MAILTO_SOURCE = FLOW_SOURCES.mailto;
export const NO_TOKEN_REASON =
  'no valid unsubscribe token in the subject, the body or the address; nothing was changed';

/** The parts of an answer to the List-Unsubscribe mailto that matter here. */
export interface MailtoAnswer {
  subject: string | null;
  text: string | null;
  /** `+tag`s of the unsubscribe mailbox's addresses the message was sent to. */
  addressTags: string[];
  /** The answer's own Message-ID, or null. */
  messageId: string | null;
  raw: Buffer;
}

export type MailtoResult =
  | { withdrawn: true; channel: Channel; topic: string; repeated: boolean }
  | { withdrawn: false; reason: string };

const MAX_MESSAGE_ID = 300;

/**
 * RFC 2369 `mailto:` unsubscribe: a message to the unsubscribe mailbox carrying a link token
 * withdraws exactly the token's scope, as one-click does, with source `mailto-unsubscribe`.
 * The mail server may hand the same message over more than once: it is withdrawn once.
 */
@Injectable()
export class MailtoUnsubscribeService {
  private readonly logger = new Logger(MailtoUnsubscribeService.name);

  constructor(
    private readonly unsubscribe: UnsubscribeService,
    private readonly consents: ConsentService,
    private readonly dataSource: DataSource,
  ) {}

  async handle(mail: MailtoAnswer): Promise<MailtoResult> {
    for (const token of unsubscribeTokenCandidates(mail)) {
      const target = await this.unsubscribe.resolve(token);
      if (!target) continue;
      const { link } = target;
      const mailId = mailIdentity(mail);
      const repeated = await this.dataSource.transaction(async (m) => {
        // The consent ledger locks the same row; taken first so the replay check and the
        // withdrawal are one step for this customer.
        await m.query(`SELECT 1 FROM customers WHERE id = $1 FOR NO KEY UPDATE`, [link.customerId]);
        const seen: unknown[] = await m.query(
          `SELECT 1 FROM consent_events WHERE customer_id = $1 AND source = $2
              AND data->>'mailMessageId' = $3 LIMIT 1`,
          [link.customerId, MAILTO_SOURCE, mailId],
        );
        if (seen.length) return true;
        await this.consents.withdraw(
          {
            customerId: link.customerId,
            channel: link.channel,
            topic: link.topic,
            source: MAILTO_SOURCE,
            actor: 'customer',
            evidence: { ip: null, userAgent: null, wording: null },
            data: {
              ...(link.deliveryId ? { deliveryId: link.deliveryId } : {}),
              mailMessageId: mailId,
            },
          },
          m,
        );
        return false;
      });
      return { withdrawn: true, channel: link.channel, topic: link.topic, repeated };
    }
    this.logger.warn('mailto unsubscribe without a valid token: nothing changed');
    return { withdrawn: false, reason: NO_TOKEN_REASON };
  }
}

/** The answer's Message-ID, or a digest of the message when it has none (or a silly one). */
function mailIdentity(mail: MailtoAnswer): string {
  const id = mail.messageId?.trim();
  if (id && id.length <= MAX_MESSAGE_ID && /^[\x21-\x7e]+$/.test(id)) return id;
  return `sha256:${createHash('sha256').update(mail.raw).digest('hex')}`;
}

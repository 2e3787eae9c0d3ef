import { Inject, Injectable } from '@nestjs/common';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import {
  ProviderFeedbackService,
  type FeedbackResult,
} from '../delivery/feedback/provider-feedback.service';
import {
  MailtoUnsubscribeService,
  type MailtoResult,
} from '../unsubscribe/mailto-unsubscribe.service';
import { EmailReplyService, type EmailReplyResult } from './email-reply.service';
import { routeInbound, type InboundFacts } from './inbound-route';

export type InboundResult =
  | ({ route: 'report'; handled: true; type: 'bounce' | 'complaint' } & FeedbackResult)
  | ({ route: 'unsubscribe'; handled: boolean } & MailtoResult)
  | ({ route: 'reply' } & EmailReplyResult)
  | { route: 'none'; handled: false; reason: string };

export const UNROUTED_REASON =
  'not a delivery status notification, a complaint report or a message to the unsubscribe mailbox; nothing was changed';

/** Header fields in which mail servers record the envelope recipient. */
const ENVELOPE_HEADERS = ['delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to'];
const ADDRESS = /[^\s<>,;:"()[\]\\]+@[^\s<>,;:"()[\]\\]+/g;

/**
 * The one door for raw e-mail reaching the product (the mail server pipes or posts each
 * message): bounces and complaints go to the provider feedback, answers to the List-Unsubscribe
 * mailto to the withdrawal. Anything else is acknowledged and left alone.
 */
@Injectable()
export class InboundMailService {
  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly feedback: ProviderFeedbackService,
    private readonly mailto: MailtoUnsubscribeService,
    private readonly replies: EmailReplyService,
  ) {}

  async receive(raw: Buffer): Promise<InboundResult> {
    const parsed = await simpleParser(raw, { keepDeliveryStatus: true });
    const target = routeInbound(facts(parsed), this.settings.unsubscribeMailto);
    switch (target.route) {
      case 'report': {
        const result = await this.feedback.emailReport(raw);
        return { route: 'report', handled: true, ...result };
      }
      case 'unsubscribe': {
        const result = await this.mailto.handle({
          subject: parsed.subject ?? null,
          text: parsed.text ?? null,
          addressTags: target.addressTags,
          messageId: parsed.messageId ?? null,
          raw,
        });
        return { route: 'unsubscribe', handled: result.withdrawn, ...result };
      }
      case 'reply': {
        const result = await this.replies.handle({
          references: referencesOf(parsed),
          from: parsed.from?.value[0]?.address ?? null,
          messageId: parsed.messageId ?? null,
        });
        return { route: 'reply', ...result };
      }
      default:
        return { route: 'none', handled: false, reason: UNROUTED_REASON };
    }
  }
}

function facts(parsed: ParsedMail): InboundFacts {
  const contentType = parsed.headers.get('content-type');
  const params =
    typeof contentType === 'object' && contentType && 'params' in contentType
      ? (contentType.params as Record<string, string>)
      : {};
  const recipients: string[] = [];
  const fromObjects = (v: AddressObject | AddressObject[] | undefined) => {
    for (const o of Array.isArray(v) ? v : v ? [v] : [])
      for (const a of o.value) {
        if (a.address) recipients.push(a.address);
        for (const g of a.group ?? []) if (g.address) recipients.push(g.address);
      }
  };
  fromObjects(parsed.to);
  fromObjects(parsed.cc);
  for (const h of parsed.headerLines)
    if (ENVELOPE_HEADERS.includes(h.key))
      for (const m of h.line.slice(h.line.indexOf(':') + 1).matchAll(ADDRESS))
        recipients.push(m[0]);
  return {
    reportType: params['report-type']?.toLowerCase() ?? null,
    partTypes: parsed.attachments.map((a) => a.contentType.toLowerCase()),
    recipients,
    references: referencesOf(parsed),
  };
}

/** In-Reply-To and References, each with angle brackets as Tactful's Message-IDs are stored. */
function referencesOf(parsed: ParsedMail): string[] {
  const refs = [
    ...(parsed.inReplyTo ? [parsed.inReplyTo] : []),
    ...(Array.isArray(parsed.references)
      ? parsed.references
      : parsed.references
        ? [parsed.references]
        : []),
  ];
  const ids = refs.flatMap((r) => r.match(/<[^<>\s]{1,250}>/g) ?? []);
  return [...new Set(ids)].slice(0, 50);
}

import { mailboxTag } from '../unsubscribe/mailto-token';

/** What an inbound message is, as far as the product reads mail today. */
export type InboundRoute =
  | { route: 'report' }
  | { route: 'unsubscribe'; addressTags: string[] }
  | { route: 'reply' }
  | { route: 'none' };

export interface InboundFacts {
  /** `report-type` of a top-level multipart/report, lower-cased. */
  reportType: string | null;
  /** Content types of the parts, lower-cased. */
  partTypes: string[];
  /** Every address the message was sent to: To, Cc, Delivered-To, X-Original-To, Envelope-To. */
  recipients: string[];
  /** In-Reply-To and References: the message ids a reply answers. */
  references?: string[];
}

const REPORT_TYPES = ['delivery-status', 'feedback-report'];
const REPORT_PARTS = [
  'message/delivery-status',
  'message/global-delivery-status',
  'message/feedback-report',
];

/**
 * Delivery status notifications (RFC 3464) and complaints (RFC 5965) go to the provider
 * feedback, wherever they were sent; a message to the unsubscribe mailbox is an answer to the
 * List-Unsubscribe mailto; any other message that answers one (In-Reply-To/References) is a reply.
 */
export function routeInbound(f: InboundFacts, unsubscribeMailbox: string): InboundRoute {
  if (
    (f.reportType && REPORT_TYPES.includes(f.reportType)) ||
    f.partTypes.some((t) => REPORT_PARTS.includes(t))
  )
    return { route: 'report' };
  let toMailbox = false;
  const addressTags: string[] = [];
  for (const r of f.recipients) {
    const { match, tag } = mailboxTag(r, unsubscribeMailbox);
    toMailbox ||= match;
    if (tag && !addressTags.includes(tag)) addressTags.push(tag);
  }
  if (toMailbox) return { route: 'unsubscribe', addressTags };
  // An answer to a message (the support mailbox forwards replies): matched to its delivery.
  return f.references?.length ? { route: 'reply' } : { route: 'none' };
}

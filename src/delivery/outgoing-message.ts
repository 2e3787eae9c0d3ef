import type { Settings } from '../config/settings';
import type { RenderedMessage } from '../templates/template-context';
import type { OutgoingMessage } from './channels/channel';
import type { ClaimedDelivery } from './sql/claim-due-deliveries';
import type { Recipient } from './sql/lock-recipients';

/** Who the messages come from: what their links, headers and Message-IDs are made of. */
export interface SenderIdentity {
  publicUrl: string;
  unsubscribeMailto: string;
  /** The domain of MAIL_FROM, for Message-IDs. */
  mailDomain: string;
  /** The company's name as a Feedback-ID sender id. */
  companySlug: string;
  /** REPLY_TO: the company's support address. */
  replyTo?: string;
}

export function senderIdentity(
  settings: Pick<Settings, 'publicUrl' | 'unsubscribeMailto' | 'mailFrom' | 'company' | 'replyTo'>,
): SenderIdentity {
  return {
    publicUrl: settings.publicUrl,
    unsubscribeMailto: settings.unsubscribeMailto,
    mailDomain: /@([^@\s<>]+)>?\s*$/.exec(settings.mailFrom)?.[1] ?? 'localhost',
    companySlug:
      settings.company.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'company',
    replyTo: settings.replyTo,
  };
}

/** The signed link tokens of one delivery. */
export interface LinkTokens {
  unsubscribe: string;
  preferences: string;
}

/** The one-click unsubscribe and preference page links of a message. */
export const linksOf = (id: SenderIdentity, tokens: LinkTokens) => ({
  unsubscribe: `${id.publicUrl}/u/${tokens.unsubscribe}`,
  preferences: `${id.publicUrl}/p/${tokens.preferences}`,
});

/**
 * Where a reply should reach a person: a business contact's account manager when they have an
 * e-mail, else the campaign's own Reply-To, else REPLY_TO; none leaves replies to From.
 */
export function replyToOf(
  id: Pick<SenderIdentity, 'replyTo'>,
  row: Pick<ClaimedDelivery, 'campaign_reply_to'>,
  customer: Pick<Recipient, 'kind' | 'account_manager_email'>,
): string | undefined {
  if (customer.kind === 'business' && customer.account_manager_email) {
    return customer.account_manager_email;
  }
  return row.campaign_reply_to ?? id.replyTo ?? undefined;
}

/**
 * The rendered message addressed for its channel: an e-mail carries RFC 8058 one-click and mailto
 * unsubscribe, a Feedback-ID (campaign:topic:company) and its delivery id.
 */
export function outgoingMessage(
  id: SenderIdentity,
  row: ClaimedDelivery,
  customer: Recipient,
  rendered: RenderedMessage,
  tokens: LinkTokens,
): OutgoingMessage {
  const headers: Record<string, string> | undefined =
    row.channel === 'email'
      ? {
          'List-Unsubscribe': `<${linksOf(id, tokens).unsubscribe}>, <mailto:${id.unsubscribeMailto}?subject=unsubscribe-${tokens.unsubscribe}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'Feedback-ID': `${row.campaign_id}:${row.topic}:${id.companySlug}`,
          'X-Tactful-Delivery': row.id,
        }
      : undefined;
  return {
    deliveryId: row.id,
    channel: row.channel,
    // Checked before: sendTimeProblem refuses a delivery without the channel's address.
    to: (row.channel === 'email' ? customer.email : customer.phone)!,
    rendered,
    locale: customer.locale,
    headers,
    messageId: `<${row.id}@${id.mailDomain}>`,
    replyTo: row.channel === 'email' ? replyToOf(id, row, customer) : undefined,
    accountManagerPhone: customer.account_manager_phone,
  };
}

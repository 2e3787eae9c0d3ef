import { simpleParser } from 'mailparser';

export interface BounceRecipient {
  recipient: string | null;
  action: string | null;
  /** Enhanced status code, e.g. 5.1.1 or 4.2.2. */
  status: string;
  diagnostic: string | null;
}

export type FeedbackReport =
  | { type: 'bounce'; recipients: BounceRecipient[]; messageIds: string[]; deliveryIds: string[] }
  | {
      type: 'complaint';
      feedbackType: string;
      recipient: string | null;
      messageIds: string[];
      deliveryIds: string[];
    };

/** Who reported: a raw DSN or ARF message, or an e-mail provider's event webhook. */
export type FeedbackSource = 'dsn' | 'arf' | 'ses' | 'sendgrid' | 'mailgun' | 'postmark';

/** A provider's word that the recipient's server accepted the message. */
export interface DeliveredReport {
  type: 'delivered';
  /** The address the event names, when it names one. */
  recipient: string | null;
  messageIds: string[];
  deliveryIds: string[];
}

/**
 * A report as a provider's event webhook gives it: the references a DSN carries, plus the
 * provider's own message ids recorded at hand-over.
 */
export type ProviderReport = (FeedbackReport | DeliveredReport) & { providerIds?: string[] };

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** RFC 822-style field blocks ("Name: value", folded lines), split on blank lines. */
export function fieldBlocks(text: string): Map<string, string>[] {
  const blocks: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let last: string | null = null;
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line.trim() === '') {
      if (current.size) blocks.push(current);
      current = new Map();
      last = null;
      continue;
    }
    if (/^[ \t]/.test(line) && last) {
      current.set(last, `${current.get(last)} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (!m) continue;
    last = m[1].toLowerCase();
    current.set(last, m[2].trim());
  }
  if (current.size) blocks.push(current);
  return blocks;
}

/** `rfc822; a@b.c` → a@b.c */
const address = (v: string | undefined): string | null => {
  if (!v) return null;
  const s = v.includes(';') ? v.slice(v.indexOf(';') + 1) : v;
  return s.trim().replace(/^<|>$/g, '') || null;
};

/**
 * Reads a raw RFC 3464 delivery status notification or RFC 5965 (ARF) feedback report.
 * Returns null when the message is neither. The original message is referenced by its
 * Message-ID and our X-Tactful-Delivery header, wherever the reporting MTA put them.
 */
export async function parseFeedbackReport(raw: Buffer): Promise<FeedbackReport | null> {
  const parsed = await simpleParser(raw, { keepDeliveryStatus: true });
  const contentType = parsed.headers.get('content-type');
  const reportType =
    typeof contentType === 'object' && contentType && 'params' in contentType
      ? (contentType.params as Record<string, string>)['report-type']?.toLowerCase()
      : undefined;
  const parts = parsed.attachments.map((a) => ({
    type: a.contentType.toLowerCase(),
    text: a.content.toString('utf8'),
  }));
  // Inline parts may have been folded into the text body, and an inline message/rfc822 keeps
  // only a few headers there: search the raw message as well.
  const haystack = [raw.toString('utf8'), parsed.text ?? '', ...parts.map((p) => p.text)];
  const ownId = parsed.messageId?.replace(/^<|>$/g, '');
  const messageIds = new Set<string>();
  const deliveryIds = new Set<string>();
  for (const text of haystack) {
    for (const m of text.matchAll(/^Message-ID:\s*<([^>\s]+)>/gim)) {
      if (m[1] !== ownId) messageIds.add(m[1]);
    }
    for (const m of text.matchAll(/^X-Tactful-Delivery:\s*(\S+)/gim)) {
      const id = UUID.exec(m[1])?.[0];
      if (id) deliveryIds.add(id.toLowerCase());
    }
  }

  const feedbackPart = parts.find((p) => p.type === 'message/feedback-report');
  const feedbackText =
    feedbackPart?.text ?? (reportType === 'feedback-report' ? haystack.join('\n\n') : undefined);
  if (feedbackText !== undefined) {
    const fields = fieldBlocks(feedbackText).find((b) => b.has('feedback-type'));
    if (fields) {
      return {
        type: 'complaint',
        feedbackType: fields.get('feedback-type')!.toLowerCase(),
        recipient: address(fields.get('original-rcpt-to')),
        messageIds: [...messageIds],
        deliveryIds: [...deliveryIds],
      };
    }
  }

  const statusPart = parts.find(
    (p) => p.type === 'message/delivery-status' || p.type === 'message/global-delivery-status',
  );
  const statusText =
    statusPart?.text ?? (reportType === 'delivery-status' ? haystack.join('\n\n') : undefined);
  if (statusText === undefined) return null;
  const recipients: BounceRecipient[] = [];
  for (const block of fieldBlocks(statusText)) {
    const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(block.get('status') ?? '')?.[1];
    if (!status || !(block.has('final-recipient') || block.has('action'))) continue;
    recipients.push({
      recipient: address(block.get('final-recipient') ?? block.get('original-recipient')),
      action: block.get('action')?.toLowerCase() ?? null,
      status,
      diagnostic: block.get('diagnostic-code') ?? null,
    });
  }
  if (!recipients.length) return null;
  return { type: 'bounce', recipients, messageIds: [...messageIds], deliveryIds: [...deliveryIds] };
}

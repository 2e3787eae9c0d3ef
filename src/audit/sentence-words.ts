/** The words the timeline's sentences share: languages, channels, the customer's context. */
export type TimelineLocale = 'ru' | 'en';

/** What a sentence is built from: one audit row plus the names it refers to. */
export interface SentenceInput {
  /** An `AuditEventType`, or any string an older row carries. */
  type: string;
  reason: string | null;
  channel: string | null;
  data: Record<string, unknown>;
  campaignName?: string | null;
  /** The topic's title in the sentence's locale, or its key. */
  topicTitle?: string | null;
  /** The budget window that applied (days), for budget_exhausted. */
  windowDays?: number | null;
  /** Topic titles in the sentence's locale, by key (preference changes name several). */
  topicTitles?: Record<string, string>;
  /** budget_exhausted: the campaign that won the arbitration. */
  winnerCampaignName?: string | null;
}

export interface SentenceContext {
  locale: TimelineLocale;
  /** The customer's IANA zone: dates are the customer's dates. */
  zone: string;
}

export const CHANNEL_BY: Record<TimelineLocale, Record<string, string>> = {
  en: { email: 'by e-mail', sms: 'by SMS', voice: 'by phone call' },
  ru: { email: 'по e-mail', sms: 'по SMS', voice: 'звонком' },
};

/** A non-empty string from an audit row's data, or null. */
export const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function channelWord(channel: string | null, ctx: SentenceContext): string {
  const words: Record<string, [string, string]> = {
    email: ['e-mail', 'e-mail'],
    sms: ['SMS', 'SMS'],
    voice: ['calls', 'звонков'],
  };
  const w = channel ? words[channel] : undefined;
  return w ? w[ctx.locale === 'ru' ? 1 : 0] : (channel ?? '');
}

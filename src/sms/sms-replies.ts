import type { SmsKeyword } from './sms-keywords';

export type ReplyLocale = 'ru' | 'en';

/** Russian for ru-* customers, English otherwise. */
export const replyLocale = (locale: string | null | undefined): ReplyLocale =>
  locale?.toLowerCase().startsWith('ru') ? 'ru' : 'en';

const TEXTS: Record<ReplyLocale, Record<SmsKeyword, (company: string) => string>> = {
  en: {
    stop: (c) => `${c}: you are unsubscribed from text messages. Reply START to resubscribe.`,
    start: (c) => `${c}: you are subscribed to text messages again. Reply STOP to unsubscribe.`,
    help: (c) =>
      `${c}: text messages about your orders and news. Reply STOP to unsubscribe, START to resubscribe.`,
  },
  ru: {
    stop: (c) => `${c}: вы отписаны от SMS. Чтобы подписаться снова, ответьте СТАРТ.`,
    start: (c) => `${c}: вы снова подписаны на SMS. Чтобы отписаться, ответьте СТОП.`,
    help: (c) =>
      `${c}: SMS о ваших заказах и новостях. Чтобы отписаться, ответьте СТОП; чтобы подписаться снова — СТАРТ.`,
  },
};

/** The short reply to a keyword, in the customer's language, naming the company. */
export function keywordReply(keyword: SmsKeyword, locale: ReplyLocale, company: string): string {
  return TEXTS[locale][keyword](company);
}

const CONFIRMED: Record<ReplyLocale, (company: string) => string> = {
  en: (c) =>
    `${c}: thank you, your text message subscription is confirmed. Reply STOP to unsubscribe.`,
  ru: (c) => `${c}: спасибо, подписка на SMS подтверждена. Чтобы отписаться, ответьте СТОП.`,
};

/** The reply to YES / ДА that confirmed a pending grant. */
export function confirmedReply(locale: ReplyLocale, company: string): string {
  return CONFIRMED[locale](company);
}

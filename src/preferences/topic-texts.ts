import type { PageLang } from '../mail/system-mail';
import type { Channel } from '../policy/engine';

/** A topic's row as a public page shows it (title, description and cadence by locale). */
export interface TopicTextsRow {
  key: string;
  category: string;
  cadence_days: number | null;
  title: Record<string, string>;
  description: Record<string, string>;
}

/** A topic's title or description in the page language, falling back to any text it has. */
export function localized(text: Record<string, string> | null | undefined, lang: PageLang): string {
  if (!text) return '';
  return text[lang] ?? text.en ?? text.ru ?? Object.values(text)[0] ?? '';
}

/** "monthly" / "раз в месяц" for a topic's cadence in days; null when the topic states none. */
export function cadenceText(days: number | null | undefined, lang: PageLang): string | null {
  if (!days) return null;
  const named: Record<number, [string, string]> = {
    1: ['каждый день', 'daily'],
    7: ['раз в неделю', 'weekly'],
    14: ['раз в две недели', 'every two weeks'],
    30: ['раз в месяц', 'monthly'],
    31: ['раз в месяц', 'monthly'],
    90: ['раз в квартал', 'quarterly'],
    91: ['раз в квартал', 'quarterly'],
    182: ['раз в полгода', 'twice a year'],
    365: ['раз в год', 'yearly'],
  };
  const hit = named[days];
  if (hit) return lang === 'ru' ? hit[0] : hit[1];
  return lang === 'ru' ? `раз в ${days} дн.` : `every ${days} days`;
}

export const CHANNEL_LABELS: Record<PageLang, Record<Channel, string>> = {
  ru: { email: 'Электронная почта', sms: 'SMS', voice: 'Звонок менеджера' },
  en: { email: 'E-mail', sms: 'SMS', voice: 'Call from your manager' },
};

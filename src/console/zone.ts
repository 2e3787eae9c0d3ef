import { DateTime, IANAZone } from 'luxon';
import type { ConsoleLang } from './texts';

/** Cookie of the console's time-zone selector (beside the language cookie). */
export const ZONE_COOKIE = 'tactful_console_zone';

/** Zones offered in the selector, with the names the console shows for them. */
const NAMED: Record<string, { en: string; ru: string }> = {
  UTC: { en: 'UTC', ru: 'UTC' },
  'Europe/Kaliningrad': { en: 'Kaliningrad time', ru: 'МСК−1' },
  'Europe/Moscow': { en: 'Moscow time', ru: 'МСК' },
  'Europe/Samara': { en: 'Samara time', ru: 'МСК+1' },
  'Asia/Yekaterinburg': { en: 'Yekaterinburg time', ru: 'МСК+2' },
  'Asia/Omsk': { en: 'Omsk time', ru: 'МСК+3' },
  'Asia/Novosibirsk': { en: 'Novosibirsk time', ru: 'МСК+4' },
  'Asia/Krasnoyarsk': { en: 'Krasnoyarsk time', ru: 'МСК+4' },
  'Asia/Irkutsk': { en: 'Irkutsk time', ru: 'МСК+5' },
  'Asia/Yakutsk': { en: 'Yakutsk time', ru: 'МСК+6' },
  'Asia/Vladivostok': { en: 'Vladivostok time', ru: 'МСК+7' },
  'Asia/Magadan': { en: 'Magadan time', ru: 'МСК+8' },
  'Asia/Kamchatka': { en: 'Kamchatka time', ru: 'МСК+9' },
  'Europe/London': { en: 'London time', ru: 'время Лондона' },
  'Europe/Berlin': { en: 'Berlin time', ru: 'время Берлина' },
};

/** A valid IANA zone name, else null (length-capped: it comes from a cookie or a query). */
export const validZone = (z: unknown): string | null =>
  typeof z === 'string' && z.length <= 64 && IANAZone.isValidZone(z) ? z : null;

/** The zone's name as shown beside a time: "Moscow time" / "МСК", else city and offset. */
export function zoneName(zone: string, lang: ConsoleLang, at: Date = new Date()): string {
  const named = NAMED[zone];
  if (named) return named[lang];
  const city = (zone.split('/').pop() ?? zone).replace(/_/g, ' ');
  const offset = DateTime.fromJSDate(at).setZone(zone).toFormat('ZZ');
  return `${city}, UTC${offset === '+00:00' ? '' : offset}`;
}

/** The selector's options: the known zones plus the current and the company's if others. */
export function zoneOptions(
  lang: ConsoleLang,
  current: string,
  company: string,
): { value: string; label: string; selected: boolean }[] {
  const zones = [...new Set([company, ...Object.keys(NAMED), current])];
  return zones.map((z) => ({
    value: z,
    label: NAMED[z] ? `${NAMED[z][lang]} (${z})` : zoneName(z, lang),
    selected: z === current,
  }));
}

/** An instant as "7 Dec 2026, 14:05 (Moscow time)" in the given zone, or "—". */
export function formatInZone(
  d: Date | string | null | undefined,
  lang: ConsoleLang,
  zone: string,
): string {
  if (!d) return '—';
  const at = new Date(d);
  if (Number.isNaN(at.getTime())) return '—';
  const text = DateTime.fromJSDate(at)
    .setZone(zone)
    .setLocale(lang === 'ru' ? 'ru-RU' : 'en-GB')
    .toLocaleString({ dateStyle: 'medium', timeStyle: 'short' });
  return `${text} (${zoneName(zone, lang, at)})`;
}

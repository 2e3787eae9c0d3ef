import type { SentenceContext } from './sentence-words';

/** A date in the customer's zone and language: "14 May 2027" / "14 мая 2027". */
export function formatDay(iso: string, ctx: SentenceContext): string {
  const p = dateParts(iso, ctx);
  return p ? `${p.day} ${p.month} ${p.year}` : iso;
}

export function formatDayTime(iso: string, ctx: SentenceContext): string {
  const p = dateParts(iso, ctx);
  return p ? `${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute}` : iso;
}

// Intl formatters are costly to build and cheap to use: one per locale and zone (a timeline of
// 100 entries formats ~150 dates; building them each time cost more than the query).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(ctx: SentenceContext): Intl.DateTimeFormat {
  const key = `${ctx.locale}|${ctx.zone}`;
  let f = formatters.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions = {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    };
    const locale = ctx.locale === 'ru' ? 'ru-RU' : 'en-GB';
    try {
      f = new Intl.DateTimeFormat(locale, { ...options, timeZone: ctx.zone });
    } catch {
      // An unknown zone is shown in UTC rather than failing the page.
      f = new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' });
    }
    if (formatters.size > 1000) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

function dateParts(iso: string, ctx: SentenceContext): Record<string, string> | null {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const out: Record<string, string> = {};
  for (const part of formatter(ctx).formatToParts(d)) out[part.type] = part.value;
  return out;
}

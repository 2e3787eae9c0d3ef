import { fmtDate, str } from './page';
import type { Texts } from './texts';

export const SEARCH_BY = ['email', 'phone', 'externalId'] as const;

/** The field searched: one of SEARCH_BY, email when absent or anything else. */
export const searchByOf = (raw: unknown): string =>
  (SEARCH_BY as readonly string[]).includes(str(raw)) ? str(raw) : 'email';

export const searchChoices = (t: Texts, by: string) =>
  SEARCH_BY.map((b) => ({
    value: b,
    label: (t as Record<string, string>)[`by_${b}`],
    selected: b === by,
  }));

/** A timeline entry with its date in UTC; skips are marked to stand out. */
export const timelineRow = <T extends { at: Date; type: string }>(
  i: T,
  lang: 'ru' | 'en',
  zone = 'UTC',
) => ({
  ...i,
  when: fmtDate(i.at, lang, zone),
  isSkip: i.type === 'decision.skip',
});

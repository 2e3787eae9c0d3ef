/** An announcement's customer-facing words per locale: `{ ru: { title, summary }, en: … }`. */
export type AnnouncementTexts = Record<string, { title: string; summary: string }>;

const LOCALE = /^[a-z]{2}(?:-[A-Z]{2})?$/;
export const ANNOUNCEMENT_LIMITS = { locales: 10, title: 120, summary: 600 } as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every problem of an `announcement` value, each naming its field; [] when it is sound. */
export function announcementProblems(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (!isObject(value))
    return ['announcement must be an object such as { "ru": { "title": "…", "summary": "…" } }'];
  const errors: string[] = [];
  const locales = Object.keys(value);
  if (locales.length > ANNOUNCEMENT_LIMITS.locales)
    errors.push(`announcement may have at most ${ANNOUNCEMENT_LIMITS.locales} locales`);
  for (const locale of locales.slice(0, ANNOUNCEMENT_LIMITS.locales)) {
    const field = `announcement.${locale.slice(0, 20)}`;
    if (!LOCALE.test(locale)) {
      errors.push(`${field} must be a locale such as ru or en-GB`);
      continue;
    }
    const texts = value[locale];
    if (!isObject(texts)) {
      errors.push(`${field} must be an object with title and summary`);
      continue;
    }
    for (const key of Object.keys(texts))
      if (key !== 'title' && key !== 'summary')
        errors.push(`${field}.${key.slice(0, 20)} should not exist (title and summary only)`);
    for (const [key, max] of [
      ['title', ANNOUNCEMENT_LIMITS.title],
      ['summary', ANNOUNCEMENT_LIMITS.summary],
    ] as const) {
      const text = texts[key];
      if (typeof text !== 'string' || text.trim().length === 0 || text.length > max)
        errors.push(`${field}.${key} must have 1 to ${max} characters`);
    }
  }
  return errors;
}

/** Whether an announcement campaign has its customer-facing words (required at launch). */
export const hasAnnouncementTexts = (value: AnnouncementTexts | null | undefined): boolean =>
  !!value && Object.keys(value).length > 0 && announcementProblems(value).length === 0;

/** Trimmed, as stored. */
export const cleanAnnouncement = (value: AnnouncementTexts): AnnouncementTexts =>
  Object.fromEntries(
    Object.entries(value).map(([l, t]) => [
      l,
      { title: t.title.trim(), summary: t.summary.trim() },
    ]),
  );

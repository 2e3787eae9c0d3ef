import { TEMPLATE_PARTS } from '../templates/template-engine';
import type { TemplateLocales } from '../templates/template-files';
import { fmtDate, str } from './page';

type Part = (typeof TEMPLATE_PARTS)[number];
export type PartErrors = Record<string, Record<string, string[]>>;

/** The editor's fields: each locale in order, each with every part and the messages about it. */
export function editorLocales(locales: TemplateLocales, errors: PartErrors) {
  return Object.keys(locales)
    .sort()
    .map((locale) => ({
      locale,
      parts: TEMPLATE_PARTS.map((part) => ({
        part,
        value: (locales[locale] as Record<string, string | undefined>)[part] ?? '',
        id: `part-${locale}-${part}`,
        errors: errors[locale]?.[part] ?? null,
      })),
    }));
}

/** Parts arrive as `part.<locale>.<part>`; empty parts are left out. */
export function localesOf(form: Record<string, unknown>): TemplateLocales {
  const locales: TemplateLocales = {};
  for (const [k, v] of Object.entries(form)) {
    const m = /^part\.([A-Za-z-]{2,10})\.(\w+)$/.exec(k);
    const text = str(v).replace(/\r\n/g, '\n');
    if (!m || !text.trim()) continue;
    (locales[m[1]] ??= {})[m[2] as Part] = text;
  }
  return locales;
}

/**
 * Messages placed on the part they name (`locales.en.sms …`); with `nameField`, those about
 * the name beside it; the rest at the top.
 */
export function templateMessages(messages: readonly string[], nameField = false) {
  const errors: PartErrors = {};
  const general: string[] = [];
  const nameErrors: string[] = [];
  for (const m of messages) {
    const at = /^locales\.([A-Za-z-]+)\.(\w+)/.exec(m);
    if (at) ((errors[at[1]] ??= {})[at[2]] ??= []).push(m);
    else if (nameField && m.startsWith('name')) nameErrors.push(m);
    else general.push(m);
  }
  return { errors, general, nameErrors };
}

/** The preview per locale, in the order the service gave. */
export const previewsOf = (locales: Record<string, unknown>) =>
  Object.entries(locales).map(([locale, v]) => ({ locale, ...(v as object) }));

export const templateRow = <T extends { updatedAt: Date | null }>(
  i: T,
  lang: 'ru' | 'en',
  zone = 'UTC',
) => ({
  ...i,
  updated: fmtDate(i.updatedAt, lang, zone),
});

export const templateVersionRow = <T extends { createdAt: Date | null }>(
  v: T,
  lang: 'ru' | 'en',
  zone = 'UTC',
) => ({ ...v, created: fmtDate(v.createdAt, lang, zone) });

/** A new template's editor starts with these locales. */
export const NEW_TEMPLATE_LOCALES: TemplateLocales = { en: {}, ru: {} };

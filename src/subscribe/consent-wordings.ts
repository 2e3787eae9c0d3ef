import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { templatesRoot, type PageLang } from '../mail/system-mail';

type Registry = Map<string, Map<string, Handlebars.TemplateDelegate>>;

let registry: Registry | null = null;

/**
 * The consent wordings the company maintains (`templates/wordings/consent-wordings.json`):
 * version → locale → text. The stored evidence of a subscription is this text, never what a
 * client posts, so the ledger says what the company's form actually showed.
 */
function load(): Registry {
  if (registry) return registry;
  const file = join(templatesRoot(), 'wordings', 'consent-wordings.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const out: Registry = new Map();
  for (const [version, locales] of Object.entries(raw)) {
    if (version.startsWith('$')) continue;
    if (typeof locales !== 'object' || locales === null)
      throw new Error(`${file}: ${version} must map locales to texts`);
    const byLocale = new Map<string, Handlebars.TemplateDelegate>();
    for (const [locale, text] of Object.entries(locales)) {
      if (typeof text !== 'string' || !text.trim())
        throw new Error(`${file}: ${version}.${locale} must be a text`);
      byLocale.set(locale, Handlebars.compile(text, { strict: true, noEscape: true }));
    }
    out.set(version, byLocale);
  }
  registry = out;
  return out;
}

/** Why a version/locale pair has no wording (a message naming the field), or null. */
export function wordingProblem(version: string, locale: PageLang): string | null {
  const byLocale = load().get(version);
  if (!byLocale) return `wordingVersion "${version.slice(0, 100)}" is not a known consent wording`;
  if (!byLocale.has(locale))
    return `locale ${locale} has no text in consent wording "${version.slice(0, 100)}"`;
  return null;
}

/** The exact consent text for a known version and locale. */
export function consentWording(
  version: string,
  locale: PageLang,
  context: { company: string; topics: string[] },
): string {
  const template = load().get(version)?.get(locale);
  if (!template) throw new Error(`no consent wording ${version}/${locale}`);
  return template({ company: context.company, topics: context.topics.join(', ') }).trim();
}

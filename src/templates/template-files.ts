import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LOCALE_PATTERN } from '../common/validators';
import { TEMPLATE_PARTS, type TemplatePart } from './template-engine';

export const TEMPLATE_NAME_PATTERN = /^[a-z][a-z0-9_-]{1,59}$/;

/** The parts of one locale; a channel is available where its parts are. */
export type LocaleParts = Partial<Record<TemplatePart, string>>;
export type TemplateLocales = Record<string, LocaleParts>;

/** The localized words of the footer the e-mail layout always adds. */
export interface FooterTexts {
  /** `{topic}` is replaced with the topic's title. */
  reasonSubscribed: string;
  reasonService: string;
  /** `{company}` is replaced with the company name. */
  reasonCustomer: string;
  preferences: string;
  unsubscribe: string;
}

export interface TemplateFiles {
  root: string;
  layouts: { html: string; text: string; footer: Record<string, FooterTexts> };
  partials: Record<string, string>;
  builtins: Map<string, TemplateLocales>;
}

// Folders of templates/ that are not message templates (pages and system mail belong to others).
const RESERVED = new Set(['layouts', 'partials', 'pages', 'system']);
const FOOTER_KEYS: (keyof FooterTexts)[] = [
  'reasonSubscribed',
  'reasonService',
  'reasonCustomer',
  'preferences',
  'unsubscribe',
];

/** Finds `templates/` (the one with layouts/) whether running from src (tests) or from dist. */
export function findTemplatesRoot(start = __dirname): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(candidate, 'layouts'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('templates/layouts not found');
    dir = up;
  }
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const read = (p: string) => readFileSync(p, 'utf8');

/**
 * Reads the built-in set: `<name>/<locale>/<part>.hbs`, `layouts/email.{html,text}.hbs` with
 * `layouts/footer.json`, and `partials/<name>.hbs`. Throws naming the file when something needed
 * is missing or malformed, so a broken deployment fails at boot.
 */
export function loadTemplateFiles(root = findTemplatesRoot()): TemplateFiles {
  const layoutDir = join(root, 'layouts');
  const footerPath = join(layoutDir, 'footer.json');
  const footer = JSON.parse(read(footerPath)) as Record<string, FooterTexts>;
  for (const [locale, texts] of Object.entries(footer)) {
    for (const key of FOOTER_KEYS) {
      if (typeof texts?.[key] !== 'string' || !texts[key].trim()) {
        throw new Error(`${footerPath}: ${locale}.${key} must be a non-empty text`);
      }
    }
  }
  if (!footer.en) throw new Error(`${footerPath}: an "en" entry is needed as the fallback`);

  const partials: Record<string, string> = {};
  const partialDir = join(root, 'partials');
  if (isDir(partialDir)) {
    for (const file of readdirSync(partialDir).sort()) {
      // An editor's final newline would follow every use of an inline partial.
      if (file.endsWith('.hbs')) {
        partials[file.slice(0, -4)] = read(join(partialDir, file)).replace(/\r?\n$/, '');
      }
    }
  }

  const builtins = new Map<string, TemplateLocales>();
  for (const name of readdirSync(root).sort()) {
    if (RESERVED.has(name) || !TEMPLATE_NAME_PATTERN.test(name) || !isDir(join(root, name)))
      continue;
    const locales: TemplateLocales = {};
    for (const locale of readdirSync(join(root, name)).sort()) {
      const dir = join(root, name, locale);
      if (!LOCALE_PATTERN.test(locale) || !isDir(dir)) continue;
      const parts: LocaleParts = {};
      for (const part of TEMPLATE_PARTS) {
        const file = join(dir, `${part}.hbs`);
        if (existsSync(file)) parts[part] = read(file);
      }
      if (Object.keys(parts).length) locales[locale] = parts;
    }
    if (Object.keys(locales).length) builtins.set(name, locales);
  }

  return {
    root,
    layouts: {
      html: read(join(layoutDir, 'email.html.hbs')),
      text: read(join(layoutDir, 'email.text.hbs')),
      footer,
    },
    partials,
    builtins,
  };
}

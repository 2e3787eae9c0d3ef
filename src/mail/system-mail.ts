import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Handlebars from 'handlebars';

export type PageLang = 'ru' | 'en';

/** `ru…` locales get Russian, everything else English. */
export const langOf = (locale: string | null | undefined): PageLang =>
  (locale ?? '').toLowerCase().startsWith('ru') ? 'ru' : 'en';

/** Finds the project's `templates/` folder whether running from src (tests) or from dist. */
export function templatesRoot(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(candidate, 'system'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('templates/system not found');
    dir = up;
  }
}

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** A compiled template under templates/, cached; `escape: false` for subjects and plain text. */
export function compiledTemplate(relativePath: string, escape = true): Handlebars.TemplateDelegate {
  const key = `${escape ? 'html' : 'text'}:${relativePath}`;
  let template = cache.get(key);
  if (!template) {
    template = Handlebars.compile(readFileSync(join(templatesRoot(), relativePath), 'utf8'), {
      strict: true,
      noEscape: !escape,
    });
    cache.set(key, template);
  }
  return template;
}

export interface SystemMail {
  subject: string;
  html: string;
  text: string;
}

/**
 * A system e-mail (double opt-in confirmation, …) from
 * `templates/system/<name>/<lang>/{subject,html,text}.hbs`. Strict: a missing variable throws
 * rather than sending a message with a hole in it.
 */
export function renderSystemMail(name: string, lang: PageLang, context: object): SystemMail {
  const base = join('system', name, lang);
  return {
    subject: compiledTemplate(
      join(base, 'subject.hbs'),
      false,
    )(context)
      .trim()
      .replace(/\s+/g, ' '),
    html: compiledTemplate(join(base, 'html.hbs'))(context),
    text: compiledTemplate(join(base, 'text.hbs'), false)(context),
  };
}

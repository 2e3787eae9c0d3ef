import { deliveryStatusLabel, eventTypeLabel, kindLabel, localeLabel } from './labels';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { Response } from 'express';
import { templatesRoot } from '../mail/system-mail';
import { TEXTS, type ConsoleLang, type Texts } from './texts';
import type { ConsoleUser } from './console-needs';

/**
 * Console pages may load this origin's script and style only; forms post here; the e-mail
 * preview runs in a sandboxed srcdoc frame. Set per page rather than helmet's default, whose
 * `upgrade-insecure-requests` breaks plain-http forms on a local install.
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
hbs.registerHelper(
  'includes',
  (list: unknown, v: unknown) => Array.isArray(list) && list.includes(v),
);
/** `{{lookup t (concat "status_" status)}}`-style keys. */
hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
hbs.registerHelper('json', (v: unknown) => JSON.stringify(v, null, 2));
const langArg = (l: unknown): ConsoleLang => (l === 'ru' ? 'ru' : 'en');
// Keys in words, in the page's language: {{statusWord status @root.lang}} and the like.
hbs.registerHelper('statusWord', (v: unknown, l: unknown) =>
  deliveryStatusLabel(langArg(l), typeof v === 'string' ? v : null),
);
hbs.registerHelper('localeWord', (v: unknown, l: unknown) => localeLabel(langArg(l), String(v)));
hbs.registerHelper('kindWord', (v: unknown, l: unknown) => kindLabel(langArg(l), String(v)));
hbs.registerHelper('eventWord', (v: unknown, l: unknown) => eventTypeLabel(langArg(l), String(v)));

let compiled: Map<string, Handlebars.TemplateDelegate> | null = null;

/** Every `templates/console/*.hbs`; files starting with `_` are partials. Compiled once. */
function views(): Map<string, Handlebars.TemplateDelegate> {
  if (compiled) return compiled;
  const dir = join(templatesRoot(), 'console');
  const out = new Map<string, Handlebars.TemplateDelegate>();
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.hbs')) continue;
    const source = readFileSync(join(dir, file), 'utf8');
    const name = file.slice(0, -4);
    if (name.startsWith('_')) hbs.registerPartial(name.slice(1), source);
    else out.set(name, hbs.compile(source));
  }
  compiled = out;
  return out;
}

export interface PageContext {
  lang: ConsoleLang;
  title: string;
  /** Signed-in user; absent on the sign-in page. */
  user?: ConsoleUser;
  csrf?: string;
  /** The current path, for the language switch and the active nav item. */
  path: string;
  section?: string;
  [key: string]: unknown;
}

export function renderPage(view: string, ctx: PageContext): string {
  const all = views();
  const page = all.get(view);
  if (!page) throw new Error(`console view ${view} not found`);
  const t: Texts = TEXTS[ctx.lang];
  const data = { ...ctx, t, nav: navOf(ctx.section) };
  const body = page(data);
  return (
    '<!doctype html>\n' + (all.get('layout') as Handlebars.TemplateDelegate)({ ...data, body })
  );
}

const navOf = (section: string | undefined) => ({
  dashboard: section === 'dashboard',
  campaigns: section === 'campaigns',
  customers: section === 'customers',
  templates: section === 'templates',
  audit: section === 'audit',
  policies: section === 'policies',
  keys: section === 'keys',
  followUps: section === 'followUps',
  webhooks: section === 'webhooks',
});

export function sendHtml(res: Response, status: number, html: string): void {
  res
    .status(status)
    .set({
      'Cache-Control': 'no-store',
      'Content-Security-Policy': CONSOLE_CSP,
      'Referrer-Policy': 'same-origin',
      'X-Robots-Tag': 'noindex, nofollow',
    })
    .type('text/html; charset=utf-8')
    .send(html);
}

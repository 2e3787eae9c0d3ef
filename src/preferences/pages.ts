import type { Request, Response } from 'express';
import { compiledTemplate } from '../mail/system-mail';

/**
 * Public pages need no scripts, images or other origins; forms post to this origin. Set here
 * rather than helmet's default, whose `upgrade-insecure-requests` breaks plain-http forms.
 */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; " +
  "base-uri 'none'; frame-ancestors 'none'";

/** A server-rendered page from `templates/pages/<name>.hbs` (HTML-escaped). */
export function renderPage(name: string, context: object): string {
  // Prettier's Handlebars printer drops the doctype, so it is written here.
  return '<!doctype html>\n' + compiledTemplate(`pages/${name}.hbs`)(context);
}

/** Sends a public page: never cached, never indexed, the token never leaks as a referrer. */
export function sendPage(res: Response, status: number, html: string): void {
  res
    .status(status)
    .set({
      'Cache-Control': 'no-store',
      'Content-Security-Policy': PAGE_CSP,
      'Referrer-Policy': 'no-referrer',
      'X-Robots-Tag': 'noindex, nofollow',
    })
    .type('text/html; charset=utf-8')
    .send(html);
}

/** A field of a public page's own urlencoded form; anything else (JSON, multipart) has none. */
export function formField(req: Request, body: unknown, name: string): unknown {
  return req.is('application/x-www-form-urlencoded') && typeof body === 'object' && body !== null
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

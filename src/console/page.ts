import type { Response } from 'express';
import type { ConsoleRequest } from './console.guard';
import { consoleUser } from './console-needs';
import type { ConsoleSession } from './session.service';
import { TEXTS, type Texts } from './texts';
import { renderPage, sendHtml } from './views';
import { formatInZone, zoneOptions } from './zone';

export const sessionOf = (req: ConsoleRequest): ConsoleSession => {
  const s = req.console?.session;
  if (!s) throw new Error('console route without a session');
  return s;
};

export const textsOf = (req: ConsoleRequest): Texts => TEXTS[req.console?.lang ?? 'en'];

/** Renders a console page in the request's language with the signed-in user's controls. */
export function page(
  req: ConsoleRequest,
  res: Response,
  view: string,
  opts: { title: string; section?: string; status?: number; [key: string]: unknown },
): void {
  const session = req.console?.session ?? null;
  const { status = 200, ...rest } = opts;
  sendHtml(
    res,
    status,
    renderPage(view, {
      lang: req.console?.lang ?? 'en',
      path: req.originalUrl,
      user: session ? consoleUser(session) : undefined,
      csrf: session?.csrf,
      zone: zoneOf(req),
      zones: zoneOptions(
        req.console?.lang ?? 'en',
        zoneOf(req),
        req.console?.companyZone ?? zoneOf(req),
      ),
      ...rest,
    }),
  );
}

/** Form fields arrive urlencoded; a field repeated becomes an array, a missing one undefined. */
export function formOf(req: ConsoleRequest): Record<string, unknown> {
  const b: unknown = req.body;
  return typeof b === 'object' && b !== null ? (b as Record<string, unknown>) : {};
}

export const str = (v: unknown): string =>
  typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';

export const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((x) => String(x)) : typeof v === 'string' ? [v] : [];

/** Only paths inside the console are followed after sign-in or a language switch. */
export const safeBack = (v: unknown): string => {
  const s = str(v);
  // Length-capped: it goes back out in a Location header.
  return s.length <= 2000 && /^\/console(\/[^\\]*)?$/.test(s) && !s.startsWith('//')
    ? s
    : '/console';
};

/** The viewer's time zone (the console's selector, else the company's); UTC outside a request. */
export const zoneOf = (req: ConsoleRequest): string => req.console?.zone ?? 'UTC';

/** An instant in the viewer's zone with the zone named: "7 Dec 2026, 14:05 (Moscow time)". */
export const fmtDate = (
  d: Date | string | null | undefined,
  lang: 'ru' | 'en',
  zone = 'UTC',
): string => formatInZone(d, lang, zone);

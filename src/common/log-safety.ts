import { maskPersonal } from './mask-personal';

/**
 * What may reach a log line. Errors carry their class, a message without values, and the names
 * (never the values) a database error points at; never query parameters, request bodies, tokens
 * or personal values. Paths lose their query string and every link token.
 */

// Path prefixes whose next segment is a signed link token: /p/, /u/, /confirm/, /r/ (any case;
// Express routes are case-insensitive, so /P/<token> reaches the same handler).
const TOKEN_PATH = /\/(p|u|r|confirm|unsubscribe|preferences)\/[^/]+/gi;
// Anything shaped like our tokens (<kid>.<payload>.<mac>) or another long opaque value, wherever
// it appears: a webhook or route added later must not leak one either.
const TOKEN_LIKE = /[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;
const OPAQUE_SEGMENT =
  /\/(?=[A-Za-z0-9_.~-]*[A-Za-z])(?=[A-Za-z0-9_.~-]*\d)[A-Za-z0-9_.~-]{24,}(?=\/|$)/g;
const UUID_SEGMENT = /^\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_MESSAGE = 500;

/** A request path fit for a log: no query string, no token, no long opaque segment. */
export function redactPath(url: string | undefined): string {
  const path = decodeSafely((url ?? '').split(/[?#]/)[0]);
  const out = path
    .replace(TOKEN_PATH, (_m, prefix: string) => `/${prefix}/:token`)
    .replace(TOKEN_LIKE, ':token')
    // Ids (uuids) stay: they are what a log is for.
    .replace(OPAQUE_SEGMENT, (seg) => (UUID_SEGMENT.test(seg) ? seg : '/:token'));
  // A path may quote an address or a number: masked like any other text.
  return maskPersonal(out).slice(0, 300);
}

const decodeSafely = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export interface SafeError {
  type: string;
  message: string;
  /** SQLSTATE or a Node/nodemailer error code. */
  code?: string;
  /** Names the database error points at: never values. */
  constraint?: string;
  table?: string;
  column?: string;
  /** Stack frames only (the first line of a stack repeats the message). */
  stack?: string;
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  stack?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  driverError?: unknown;
  type?: unknown;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$.]{0,62}$/;
const ident = (v: unknown): string | undefined => {
  const s = str(v);
  return s && IDENTIFIER.test(s) ? s : undefined;
};

/** A log message: personal values and tokens masked (quoted words stay). */
export function safeMessage(text: string): string {
  return maskPersonal(text).replace(TOKEN_LIKE, '[token]');
}

/**
 * pino's `hooks.logMethod`: every string argument masked, and an error logged without a message
 * gets its safe message (pino would otherwise use the raw `err.message` as the line's `msg`).
 */
export function safeLogMethod(
  this: unknown,
  args: unknown[],
  method: (...args: unknown[]) => void,
): void {
  const [first] = args;
  const err =
    first instanceof Error
      ? first
      : first && typeof first === 'object' && (first as { err?: unknown }).err instanceof Error
        ? (first as { err: Error }).err
        : null;
  const rest = args.map((a) => (typeof a === 'string' ? safeMessage(a) : a));
  if (err && typeof rest[1] !== 'string') rest.splice(1, 0, safeError(err).message);
  method.apply(this, rest);
}

/** Any text of an error, masked: personal values, tokens and quoted literals go. */
export function safeText(text: string): string {
  return maskPersonal(text)
    .replace(TOKEN_LIKE, '[token]')
    .replace(/"[^"]*"|'[^']*'|«[^»]*»/g, '"…"')
    .slice(0, MAX_MESSAGE);
}

/**
 * An error reduced to what a log may carry. A database error (TypeORM QueryFailedError or a pg
 * error) is described by its SQLSTATE and the names of the constraint, table and column: its
 * message and detail quote values (`invalid input syntax …: "…"`, `Key (email)=(…)`), and the
 * query's parameters are the request's data.
 */
export function safeError(err: unknown): SafeError {
  if (err === null || typeof err !== 'object') {
    return { type: typeof err, message: safeText(String(err)) };
  }
  const e = err as ErrorLike;
  const driver = (
    e.driverError && typeof e.driverError === 'object' ? e.driverError : e
  ) as ErrorLike;
  const type =
    str(e.type) && !(err instanceof Error)
      ? String(e.type)
      : ((err as object).constructor?.name ?? str(e.name) ?? 'Error');
  const sqlState = str(driver.code);
  const isDatabase =
    Boolean(e.driverError) || (sqlState !== undefined && /^[0-9A-Z]{5}$/.test(sqlState));
  const out: SafeError = {
    type: ident(type) ?? 'Error',
    message: isDatabase
      ? `database error${sqlState ? ` ${sqlState}` : ''}`
      : safeText(str(e.message) ?? ''),
  };
  const code = str(driver.code) ?? str(e.code);
  if (code && /^[A-Za-z0-9_.-]{1,40}$/.test(code)) out.code = code;
  const constraint = ident(driver.constraint);
  const table = ident(driver.table);
  const column = ident(driver.column);
  if (constraint) out.constraint = constraint;
  if (table) out.table = table;
  if (column) out.column = column;
  const stack = str(e.stack);
  if (stack) {
    const frames = stack
      .split('\n')
      .filter((l) => /^\s+at /.test(l))
      .slice(0, 15)
      .map((l) => safeText(l));
    if (frames.length) out.stack = frames.join('\n');
  }
  return out;
}

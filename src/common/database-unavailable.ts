import { HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from './domain-error';

/** Seconds a client is asked to wait before retrying while the database is unreachable. */
export const RETRY_AFTER_SECONDS = 5;

// Socket-level failures reaching PostgreSQL (node's codes) …
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
// … and PostgreSQL's own: class 08 (connection exception), 57P01–57P03 (shutting down, cannot
// connect now), 53300 (too many connections).
const SQLSTATE = /^(08...|57P0[123]|53300)$/;
// node-postgres reports a dropped or timed-out connection only by its message.
const PG_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

/**
 * True when an error means "the database cannot be reached right now", as opposed to a bug or
 * bad input: a retry later may succeed. Looks through TypeORM's `driverError` and `cause`.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  // A refusal's message may quote the request, which could read like a driver's message.
  if (err instanceof DomainError) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || SQLSTATE.test(e.code)))
    return true;
  if (typeof e.message === 'string' && PG_MESSAGES.test(e.message)) return true;
  if (err instanceof AggregateError && err.errors.some((x) => isDatabaseUnavailable(x, depth + 1)))
    return true;
  return (
    isDatabaseUnavailable(e.driverError, depth + 1) || isDatabaseUnavailable(e.cause, depth + 1)
  );
}

const UNAVAILABLE_MESSAGE = 'the service is temporarily unavailable; retry later';
const UNAVAILABLE_HTML =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Temporarily unavailable</title></head>' +
  '<body><h1>Temporarily unavailable</h1><p>Please try again in a minute.</p>' +
  '<p lang="ru">Сервис временно недоступен. Пожалуйста, повторите через минуту.</p></body></html>\n';

/**
 * 503 with Retry-After: what mailbox providers and API clients retry (a 500 they may not).
 * JSON like every other error; a small page for a browser that asked for HTML (/p, /u, /confirm).
 */
export function sendDatabaseUnavailable(req: Request, res: Response): void {
  const status = HttpStatus.SERVICE_UNAVAILABLE;
  res
    .status(status)
    .set('Retry-After', String(RETRY_AFTER_SECONDS))
    .set('Cache-Control', 'no-store');
  if (req.accepts(['application/json', 'text/html']) === 'text/html' && req.get('accept')) {
    res.type('text/html; charset=utf-8').send(UNAVAILABLE_HTML);
    return;
  }
  res.json({ statusCode: status, error: 'Service Unavailable', message: [UNAVAILABLE_MESSAGE] });
}

/** The same answer as an exception, for filters that render their own error pages (console). */
export function databaseUnavailableException(res: Response): DomainError {
  res.set('Retry-After', String(RETRY_AFTER_SECONDS));
  return new DomainError('unavailable', [UNAVAILABLE_MESSAGE]);
}

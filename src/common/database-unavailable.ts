import { HttpStatus } from '@nestjs/common';
import type { Response } from 'express';

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

/** 503 with Retry-After: what mailbox providers and API clients retry (a 500 they may not). */
export function sendDatabaseUnavailable(res: Response): void {
  const status = HttpStatus.SERVICE_UNAVAILABLE;
  res
    .status(status)
    .set('Retry-After', String(RETRY_AFTER_SECONDS))
    .set('Cache-Control', 'no-store')
    .json({
      statusCode: status,
      error: 'Service Unavailable',
      message: ['the service is temporarily unavailable; retry later'],
    });
}

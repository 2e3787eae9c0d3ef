import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { json, urlencoded } from 'express';
import { rejectUnstorableText } from './storable-text';

interface BodyParserError extends Error {
  status?: number;
  type?: string;
}

/** Deeper JSON than this is refused before it is parsed: no API body needs more than a few levels. */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when arrays/objects in the JSON text nest deeper than `limit`. One pass over the bytes,
 * brackets inside strings skipped; stops at the first level too many. UTF-8 multi-byte sequences
 * never contain these ASCII bytes, so scanning bytes is exact.
 */
export function jsonNestsDeeperThan(buf: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}

/** Routes whose callers sign the exact bytes they sent (e-mail provider event webhooks). */
const SIGNED_BODY_PATH = /^\/webhooks\/email\//;

/** The bytes of a JSON body as received, kept on signed webhook routes only. */
export interface WithRawBody {
  rawBody?: Buffer;
}

// Runs on the raw body before JSON.parse: a deeply nested body costs only this scan.
function verifyDepth(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  if (SIGNED_BODY_PATH.test(req.url ?? '')) (req as IncomingMessage & WithRawBody).rawBody = buf;
  if (jsonNestsDeeperThan(buf, MAX_JSON_DEPTH)) {
    throw Object.assign(
      new Error(`request body is nested more than ${MAX_JSON_DEPTH} levels deep`),
      { status: 400, type: 'entity.too.deep', expose: true },
    );
  }
}

// Body-parser errors never reach Nest's filters; answer them here in the same JSON shape.
function guard(parser: ReturnType<typeof json>) {
  return (req: Request, res: Response, next: NextFunction) =>
    parser(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as BodyParserError;
      const status = e.status ?? 400;
      const message =
        e.type === 'entity.too.large'
          ? 'request body is larger than the limit'
          : e.type === 'entity.parse.failed'
            ? 'request body is not valid JSON'
            : e.message;
      res.status(status).json({
        statusCode: status,
        error:
          status === 413
            ? 'Payload Too Large'
            : status === 415
              ? 'Unsupported Media Type'
              : 'Bad Request',
        message: [message],
      });
    });
}

export function installBodyParsers(app: INestApplication, limitKb: number): void {
  const limit = `${limitKb}kb`;
  app.use(
    guard(json({ limit, type: ['application/json', 'application/*+json'], verify: verifyDepth })),
  );
  app.use(guard(urlencoded({ limit, extended: false })));
  // Once for every route: text PostgreSQL cannot store is a 400 naming the field, not a 500.
  app.use(rejectUnstorableText);
}

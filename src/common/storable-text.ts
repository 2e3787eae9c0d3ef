import type { NextFunction, Request, Response } from 'express';

/**
 * PostgreSQL refuses NUL in text and `\u0000` in jsonb, and an unpaired UTF-16 surrogate cannot be
 * encoded as UTF-8 (it is stored as U+FFFD or refused in jsonb). Such text is a 400 naming the
 * field, wherever it comes from: JSON or form body, query string or path.
 */
// With the u flag a well-formed pair is one code point, so only an unpaired half matches.
const LONE_SURROGATE = /\p{Cs}/u;

export function unstorableReason(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(s)) return 'must not contain unpaired surrogates';
  return null;
}

const MAX_PROBLEMS = 10;
// The body parser already refuses deeper JSON; this bounds the walk for any other source.
const MAX_WALK_DEPTH = 64;

/** A readable path segment: plain keys as they are, odd ones JSON-escaped. */
function keySegment(key: string): string {
  return /^[\p{L}\p{N}_$-]+$/u.test(key) ? key : JSON.stringify(key).slice(1, -1);
}

/**
 * True when some string or key in the value is unstorable (or it nests past the walk's depth).
 * No paths: nearly every body is clean, and building a path for each of its values cost several
 * times what JSON.parse did.
 */
// NUL or any surrogate half, paired or not: a quick test without the u flag's cost; a match is
// then judged by unstorableReason.
// eslint-disable-next-line no-control-regex
const MAYBE_UNSTORABLE = /[\u0000\ud800-\udfff]/;
const unstorable = (s: string) => MAYBE_UNSTORABLE.test(s) && unstorableReason(s) !== null;

function holdsUnstorableText(value: unknown): boolean {
  const stack: unknown[] = [value];
  const depths: number[] = [0];
  while (stack.length) {
    const v = stack.pop();
    const depth = depths.pop()!;
    if (typeof v === 'string') {
      if (unstorable(v)) return true;
    } else if (typeof v === 'object' && v !== null) {
      if (depth >= MAX_WALK_DEPTH) return true;
      if (Array.isArray(v)) {
        for (const item of v) {
          stack.push(item);
          depths.push(depth + 1);
        }
      } else {
        for (const k of Object.keys(v)) {
          if (unstorable(k)) return true;
          stack.push((v as Record<string, unknown>)[k]);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** `field must not …` for every string or key in a parsed value that PostgreSQL cannot store. */
export function unstorableTextProblems(value: unknown, root = ''): string[] {
  if (!holdsUnstorableText(value)) return [];
  const problems: string[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value, path: root, depth: 0 },
  ];
  while (stack.length && problems.length < MAX_PROBLEMS) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const reason = unstorableReason(v);
      if (reason) problems.push(`${path || 'request body'} ${reason}`);
    } else if (typeof v === 'object' && v !== null) {
      if (depth >= MAX_WALK_DEPTH) {
        problems.push(`${path || 'request body'} is nested too deeply`);
        continue;
      }
      const entries = Array.isArray(v)
        ? v.map((item, i) => [`${path}[${i}]`, item] as const)
        : Object.keys(v).map((k) => {
            const keyPath = path ? `${path}.${keySegment(k)}` : keySegment(k);
            const reason = unstorableReason(k);
            if (reason) problems.push(`${keyPath} (a key) ${reason}`);
            return [keyPath, (v as Record<string, unknown>)[k]] as const;
          });
      for (let i = entries.length - 1; i >= 0; i--) {
        stack.push({ value: entries[i][1], path: entries[i][0], depth: depth + 1 });
      }
    }
  }
  return problems.slice(0, MAX_PROBLEMS);
}

/** Percent-decoding that refuses what decodeURIComponent refuses (malformed or non-UTF-8). */
function decode(raw: string): string | null {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** Problems in the raw URL: path and query are read as written, before any lenient decoding. */
function urlProblems(url: string): string[] {
  const problems: string[] = [];
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const decodedPath = decode(path.replace(/\+/g, '%2B'));
  if (decodedPath === null) problems.push('path is not valid percent-encoded UTF-8');
  else {
    const reason = unstorableReason(decodedPath);
    if (reason) problems.push(`path ${reason}`);
  }
  if (q >= 0) {
    for (const pair of url.slice(q + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const name = decode(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
      const label = `query parameter ${name === null ? '(name)' : keySegment(name)}`;
      if (name === null || value === null) {
        problems.push(`${label} is not valid percent-encoded UTF-8`);
        continue;
      }
      const reason = unstorableReason(name) ?? unstorableReason(value);
      if (reason) problems.push(`${label} ${reason}`);
    }
  }
  return problems.slice(0, MAX_PROBLEMS);
}

/** Express middleware: 400 `{ statusCode, error, message }` listing each unstorable field. */
export function rejectUnstorableText(req: Request, res: Response, next: NextFunction): void {
  const problems = [...urlProblems(req.originalUrl ?? req.url)];
  if (req.body !== undefined && typeof req.body === 'object') {
    problems.push(...unstorableTextProblems(req.body));
  }
  if (!problems.length) return next();
  res.status(400).json({ statusCode: 400, error: 'Bad Request', message: problems });
}

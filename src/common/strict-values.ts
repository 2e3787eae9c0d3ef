import { ValidateBy } from 'class-validator';

/**
 * Checks for values that reach PostgreSQL as typed parameters: anything these accept, the
 * database accepts too, so a bad value is a 400 here instead of a 500 there.
 */

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID_PATTERN.test(v);

const BIGINT_MAX = 9223372036854775807n;

/** A positive bigint id as decimal text (audit ids). */
// Canonical only (no zero, no leading zeros): one id has one cursor, and ids start at 1.
export const isBigintId = (v: unknown): v is string =>
  typeof v === 'string' && /^[1-9]\d{0,18}$/.test(v) && BigInt(v) <= BIGINT_MAX;

// A calendar date, or a date-time with an explicit zone; nothing that Date.parse would guess at.
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-](\d{2}):(\d{2})))?$/;

/** Years outside this range are refused: JS dates and PostgreSQL disagree near year 0 and BC. */
export const MIN_YEAR = 1000;
export const MAX_YEAR = 9999;

/**
 * Parses `2026-01-31` or `2026-01-31T10:00:00Z` / `…+03:00` into a Date, or null when the text
 * is not a real calendar time (2026-02-30, 24:00, offset +25:00) or lies outside MIN_YEAR..MAX_YEAR
 * (in UTC). `requireTime` refuses a bare date.
 */
export function parseStorableInstant(v: unknown, requireTime = false): Date | null {
  if (typeof v !== 'string') return null;
  const m = ISO_INSTANT.exec(v);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, zone, oh, om] = m;
  if (requireTime && h === undefined) return null;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const calendar = new Date(Date.UTC(2000, month - 1, day));
  calendar.setUTCFullYear(year);
  if (
    month < 1 ||
    month > 12 ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day
  )
    return null;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59)) return null;
  if (zone && zone !== 'Z' && (Number(oh) > 23 || Number(om) > 59)) return null;
  const date = new Date(v);
  if (Number.isNaN(date.getTime())) return null;
  const utcYear = date.getUTCFullYear();
  return utcYear >= MIN_YEAR && utcYear <= MAX_YEAR ? date : null;
}

/**
 * class-validator: an ISO 8601 time (or date, unless `requireTime`) that parseStorableInstant
 * accepts. Use instead of IsISO8601 for anything stored or compared in PostgreSQL.
 */
export function IsStorableInstant(
  message: string,
  opts: { requireTime?: boolean } = {},
): PropertyDecorator {
  return ValidateBy({
    name: 'isStorableInstant',
    validator: {
      validate: (value: unknown) => parseStorableInstant(value, opts.requireTime) !== null,
      defaultMessage: () => message,
    },
  });
}

/** A time Date can read whose UTC year lies in MIN_YEAR..MAX_YEAR (format checked elsewhere). */
export function inStorableRange(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const time = new Date(value).getTime();
  if (Number.isNaN(time)) return true; // not a time at all: the format check says so
  const year = new Date(time).getUTCFullYear();
  return year >= MIN_YEAR && year <= MAX_YEAR;
}

/** class-validator: pairs with IsISO8601 so a valid-looking year 0 or 10000 is a 400, not a 500. */
export function InStorableRange(field: string): PropertyDecorator {
  return ValidateBy({
    name: 'inStorableRange',
    validator: {
      validate: (value: unknown) => inStorableRange(value),
      defaultMessage: () => `${field} must lie between the years ${MIN_YEAR} and ${MAX_YEAR}`,
    },
  });
}

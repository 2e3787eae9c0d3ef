import { registerDecorator, ValidationOptions } from 'class-validator';
import { IANAZone } from 'luxon';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

const zoneCache = new Map<string, boolean>();

export function isIanaZone(value: unknown): boolean {
  if (typeof value !== 'string' || value.length === 0) return false;
  let ok = zoneCache.get(value);
  if (ok === undefined) {
    // Offsets like "+03:00" are not zones: quiet hours need the DST rules of a real place.
    ok = value.includes('/') || value === 'UTC' ? IANAZone.isValidZone(value) : false;
    if (zoneCache.size < 10_000) zoneCache.set(value, ok);
  }
  return ok;
}

export function IsIanaTimeZone(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isIanaTimeZone',
      target: object.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be an IANA time zone such as Europe/Moscow`,
        ...options,
      },
      validator: { validate: isIanaZone },
    });
}

// Parsing and validating a number costs ~8 µs; the same number often comes back (an account
// manager on every row of a company's contacts), so results are kept for a bounded set of
// strings. Dropped all at once when full: no eviction bookkeeping on the hot path.
const E164_CACHE_SIZE = 10_000;
const e164Cache = new Map<string, Map<string, string | null>>();

/** E.164 form of a phone number, or null when it is not a possible number. */
export function toE164(value: string, defaultRegion: string): string | null {
  if (typeof value !== 'string') return parseE164(value, defaultRegion);
  let cache = e164Cache.get(defaultRegion);
  if (!cache) e164Cache.set(defaultRegion, (cache = new Map()));
  let result = cache.get(value);
  if (result === undefined) {
    result = parseE164(value, defaultRegion);
    if (cache.size >= E164_CACHE_SIZE) cache.clear();
    cache.set(value, result);
  }
  return result;
}

function parseE164(value: string, defaultRegion: string): string | null {
  const parsed = parsePhoneNumberFromString(value, defaultRegion as CountryCode);
  return parsed && parsed.isValid() ? parsed.number : null;
}

export const LOCALE_PATTERN = /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/;

import { IANAZone } from 'luxon';
import { DAY_MS, MINUTE_MS } from './time';

// Offsets are cached per 15-minute UTC bucket: every modern tz transition falls on such a
// boundary, and a planning batch reuses a handful of buckets, so luxon (Intl) is rarely hit.
const BUCKET_MS = 15 * MINUTE_MS;
const MAX_BUCKETS_PER_ZONE = 4096;

interface ZoneEntry {
  zone: IANAZone | null;
  offsets: Map<number, number>;
}

const zones = new Map<string, ZoneEntry>();

function zoneEntry(timezone: string): ZoneEntry {
  let entry = zones.get(timezone);
  if (entry === undefined) {
    const zone = IANAZone.isValidZone(timezone) ? IANAZone.create(timezone) : null;
    entry = { zone, offsets: new Map() };
    zones.set(timezone, entry);
  }
  return entry;
}

/** UTC offset in ms of `timezone` at instant `ts` (unknown zones behave as UTC). */
export function offsetMs(timezone: string, ts: number): number {
  const entry = zoneEntry(timezone);
  if (entry.zone === null) return 0;
  const bucket = Math.floor(ts / BUCKET_MS);
  let offset = entry.offsets.get(bucket);
  if (offset === undefined) {
    if (entry.offsets.size >= MAX_BUCKETS_PER_ZONE) entry.offsets.clear();
    offset = entry.zone.offset(bucket * BUCKET_MS) * MINUTE_MS;
    entry.offsets.set(bucket, offset);
  }
  return offset;
}

export function isKnownZone(timezone: string): boolean {
  return zoneEntry(timezone).zone !== null;
}

/** Local wall time of `ts` expressed as "epoch ms as if the zone were UTC". */
export function localMs(timezone: string, ts: number): number {
  return ts + offsetMs(timezone, ts);
}

/** ISO weekday (1 = Monday) of a local day number (days since 1970-01-01, a Thursday). */
export function isoWeekday(localDay: number): number {
  return ((((localDay + 3) % 7) + 7) % 7) + 1;
}

/**
 * First instant whose local wall time is `wall` (earlier one in a fall-back overlap). When
 * `wall` falls in a spring-forward gap, returns the transition instant, i.e. the first
 * instant whose local time is after `wall`.
 */
export function wallToInstant(timezone: string, wall: number): number {
  const o1 = offsetMs(timezone, wall);
  const u1 = wall - o1;
  const o2 = offsetMs(timezone, u1);
  if (o2 === o1) return u1;
  const u2 = wall - o2;
  const o3 = offsetMs(timezone, u2);
  if (o3 === o2) return u2;
  // Gap: search the transition between the two candidate instants.
  let lo = Math.min(u1, u2);
  let hi = Math.max(u1, u2);
  const after = offsetMs(timezone, hi);
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (mid <= lo) break;
    if (offsetMs(timezone, mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

export function localDayAndMs(timezone: string, ts: number): { day: number; msInDay: number } {
  const local = localMs(timezone, ts);
  const day = Math.floor(local / DAY_MS);
  return { day, msInDay: local - day * DAY_MS };
}

import type { Instant } from './types';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export function toMs(value: Instant): number {
  return typeof value === 'number' ? value : value.getTime();
}

/** Optional instants: absent, null or invalid become NaN so every comparison is false. */
export function toMsOrNaN(value: Instant | null | undefined): number {
  if (value === null || value === undefined) return NaN;
  return typeof value === 'number' ? value : value.getTime();
}

const HM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "HH:mm" → minute of day, or NaN when malformed. "24:00" is accepted as end of day. */
export function parseClock(value: string): number {
  if (value === '24:00') return 1440;
  const m = HM.exec(value);
  return m === null ? NaN : Number(m[1]) * 60 + Number(m[2]);
}

import { DAY_MS, MINUTE_MS } from './time';
import { isoWeekday, offsetMs, wallToInstant } from './zone-clock';

/** Minute-of-day ranges [from, to) that are allowed on the allowed ISO weekdays. */
export interface SendWindow {
  /** Index 1..7 (ISO weekday); index 0 unused. */
  days: readonly boolean[];
  ranges: readonly (readonly [number, number])[];
}

const ALL_DAYS: readonly boolean[] = [false, true, true, true, true, true, true, true];

/** Allowed ranges outside quiet hours [quietStart, quietEnd), which may wrap midnight. */
export function windowOutsideQuietHours(quietStart: number, quietEnd: number): SendWindow {
  if (quietStart === quietEnd) return { days: ALL_DAYS, ranges: [[0, 1440]] };
  const ranges: [number, number][] = [];
  if (quietStart < quietEnd) {
    if (quietStart > 0) ranges.push([0, quietStart]);
    if (quietEnd < 1440) ranges.push([quietEnd, 1440]);
  } else {
    ranges.push([quietEnd, quietStart]);
  }
  return { days: ALL_DAYS, ranges };
}

/** Narrows a window to given weekdays and a [from, to) business range. */
export function intersectWindow(
  base: SendWindow,
  weekdays: readonly number[],
  from: number,
  to: number,
): SendWindow {
  const days = [false, false, false, false, false, false, false, false];
  for (const d of weekdays) if (d >= 1 && d <= 7 && base.days[d]) days[d] = true;
  const ranges: [number, number][] = [];
  for (const [a, b] of base.ranges) {
    const lo = Math.max(a, from);
    const hi = Math.min(b, to);
    if (lo < hi) ranges.push([lo, hi]);
  }
  return { days, ranges };
}

export function isEmptyWindow(window: SendWindow): boolean {
  return window.ranges.length === 0 || !window.days.some(Boolean);
}

export function isInside(window: SendWindow, timezone: string, ts: number): boolean {
  const local = ts + offsetMs(timezone, ts);
  const day = Math.floor(local / DAY_MS);
  if (!window.days[isoWeekday(day)]) return false;
  const minute = (local - day * DAY_MS) / MINUTE_MS;
  for (const r of window.ranges) if (minute >= r[0] && minute < r[1]) return true;
  return false;
}

/** First instant ≥ ts inside the window (a whole local minute when ts is outside); Infinity if none. */
export function nextInside(window: SendWindow, timezone: string, ts: number): number {
  if (isInside(window, timezone, ts)) return ts;
  const local = ts + offsetMs(timezone, ts);
  const today = Math.floor(local / DAY_MS);
  // 9 days covers any weekday set plus a DST shift around midnight.
  for (let i = 0; i <= 8; i++) {
    const day = today + i;
    if (!window.days[isoWeekday(day)]) continue;
    for (const r of window.ranges) {
      const candidate = wallToInstant(timezone, day * DAY_MS + r[0] * MINUTE_MS);
      if (candidate > ts && isInside(window, timezone, candidate)) return candidate;
    }
  }
  return Infinity;
}

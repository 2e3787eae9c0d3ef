/** Retries go on for a day after the event, then the message is marked failed. */
export const RETRY_FOR_MS = 24 * 3600_000;

/** Waits after the 1st, 2nd, … failed attempt; the last repeats. */
const WAITS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000];

/**
 * When to try again after `attempts` failed attempts, or null when that would be more than a
 * day after the event: the message has failed.
 */
export function nextAttemptAt(attempts: number, occurredAt: Date, now: Date): Date | null {
  const wait = WAITS_MS[Math.min(Math.max(attempts, 1), WAITS_MS.length) - 1];
  const next = new Date(now.getTime() + wait);
  return next.getTime() > occurredAt.getTime() + RETRY_FOR_MS ? null : next;
}

import { intersectWindow, isEmptyWindow, windowOutsideQuietHours } from './send-window';
import { parseClock } from './time';
import type { ContactPolicy, WindowBudget } from './types';

const CHANNELS = new Set(['email', 'sms', 'voice']);

function checkBudgets(path: string, budgets: unknown, errors: string[]): void {
  if (!Array.isArray(budgets)) {
    errors.push(`${path} must be an array of { max, windowDays }`);
    return;
  }
  (budgets as WindowBudget[]).forEach((b, i) => {
    const at = `${path}[${i}]`;
    if (typeof b !== 'object' || b === null) {
      errors.push(`${at} must be an object { max, windowDays }`);
      return;
    }
    if (!Number.isInteger(b.max) || b.max < 0) errors.push(`${at}.max must be an integer >= 0`);
    if (!Number.isFinite(b.windowDays) || b.windowDays <= 0)
      errors.push(`${at}.windowDays must be a number > 0`);
  });
}

function checkNumber(path: string, value: unknown, min: number, errors: string[]): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
    errors.push(`${path} must be a number >= ${min}`);
}

function checkClock(path: string, value: unknown, errors: string[]): number {
  const minute = typeof value === 'string' ? parseClock(value) : NaN;
  if (Number.isNaN(minute)) errors.push(`${path} must be a local time "HH:mm"`);
  return minute;
}

/** Every problem in a policy, each naming the field at fault; [] when the policy is usable. */
export function validatePolicy(policy: ContactPolicy): string[] {
  const errors: string[] = [];
  if (policy.kind !== 'consumer' && policy.kind !== 'business')
    errors.push('kind must be consumer or business');
  if (!Number.isInteger(policy.version) || policy.version < 1)
    errors.push('version must be an integer >= 1');
  const budgets = policy.budgets ?? {};
  for (const key of ['promotional', 'content', 'service', 'all'] as const)
    checkBudgets(`budgets.${key}`, budgets[key], errors);
  checkBudgets('voice.budgets', policy.voice?.budgets, errors);

  if (!Array.isArray(policy.channels) || policy.channels.some((c) => !CHANNELS.has(c)))
    errors.push('channels must list only email, sms, voice');
  else if (policy.kind === 'consumer' && policy.channels.includes('voice'))
    errors.push('channels must not include voice for consumers (no calls to consumers)');

  const qs = checkClock('quietHours.start', policy.quietHours?.start, errors);
  const qe = checkClock('quietHours.end', policy.quietHours?.end, errors);
  if (!Number.isNaN(qs) && !Number.isNaN(qe)) {
    // start === end means "no quiet hours"; only a 00:00–24:00 quiet period leaves no time.
    if (qs === 0 && qe === 1440) errors.push('quietHours leave no time to send');
    const bh = policy.businessHours;
    const bs = checkClock('businessHours.start', bh?.start, errors);
    const be = checkClock('businessHours.end', bh?.end, errors);
    const days = bh?.days;
    if (!Array.isArray(days) || days.some((d) => !Number.isInteger(d) || d < 1 || d > 7))
      errors.push('businessHours.days must be ISO weekdays 1..7');
    else if (!Number.isNaN(bs) && !Number.isNaN(be)) {
      if (bs >= be) errors.push('businessHours.start must be before businessHours.end');
      else if (
        policy.channels?.includes('voice') &&
        isEmptyWindow(intersectWindow(windowOutsideQuietHours(qs, qe), days, bs, be))
      )
        errors.push('businessHours leave no time outside quietHours for calls');
    }
  }

  checkNumber('fatigue.ignoredInARow', policy.fatigue?.ignoredInARow, 1, errors);
  checkNumber('fatigue.maxMultiplier', policy.fatigue?.maxMultiplier, 1, errors);
  checkNumber('review.minScore', policy.review?.minScore, 1, errors);
  checkNumber('review.negativeMaxScore', policy.review?.negativeMaxScore, 0, errors);
  checkNumber('review.maxReminders', policy.review?.maxReminders, 0, errors);
  if (
    typeof policy.review?.minScore === 'number' &&
    typeof policy.review?.negativeMaxScore === 'number' &&
    policy.review.negativeMaxScore >= policy.review.minScore
  )
    errors.push('review.negativeMaxScore must be below review.minScore');
  checkNumber('announcementNoticeDays', policy.announcementNoticeDays, 0, errors);
  checkNumber('lapseDays', policy.lapseDays, 1, errors);
  checkNumber('deferHorizonDays', policy.deferHorizonDays, 0, errors);
  return errors;
}

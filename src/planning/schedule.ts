import { parseStorableInstant } from '../common/strict-values';
import { CronExpressionParser } from 'cron-parser';
import { IANAZone } from 'luxon';

/** Events a trigger campaign can wait for (the planner turns each into per-customer steps). */
export const TRIGGER_EVENTS = ['purchase', 'satisfaction', 'lapsed'] as const;
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number];

export interface NowSchedule {
  type: 'now';
}
export interface OnceSchedule {
  type: 'once';
  at: string;
}
export interface CronSchedule {
  type: 'cron';
  cron: string;
  timezone: string;
}
/** A single follow-up of a triggered campaign (review requests: one reminder at most). */
export interface TriggerReminder {
  afterDays: number;
  template: string;
  /** The reminder is not sent when the customer has such an event since the first message. */
  unless?: 'review_posted';
}
export interface TriggerSchedule {
  type: 'trigger';
  event: TriggerEvent;
  delayHours: number;
  /** satisfaction only: the lowest score (1..5) that triggers. */
  minScore?: number;
  reminder?: TriggerReminder;
}
export type Schedule = NowSchedule | OnceSchedule | CronSchedule | TriggerSchedule;

export const SCHEDULE_TYPES = ['now', 'once', 'cron', 'trigger'] as const;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A campaign is not a heartbeat: recurring runs at most once a day. */
const MIN_CRON_GAP_MS = DAY - HOUR; // an hour of slack for DST shifts

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 instant with an explicit offset; a zone-less time would be ambiguous. */
export function parseInstant(v: unknown): Date | null {
  if (typeof v !== 'string' || !ISO_INSTANT.test(v)) return null;
  return parseStorableInstant(v, true);
}

export function isKnownZone(zone: unknown): zone is string {
  return typeof zone === 'string' && zone !== '' && IANAZone.isValidZone(zone);
}

function parseCron(cron: string, timezone: string, after: Date) {
  return CronExpressionParser.parse(cron, { tz: timezone, currentDate: after, strict: false });
}

/** The first run of a cron schedule strictly after `after` (cron read in the schedule's zone). */
export function nextCronRun(schedule: { cron: string; timezone: string }, after: Date): Date {
  return parseCron(schedule.cron, schedule.timezone, after).next().toDate();
}

function cronProblem(cron: unknown, timezone: string, now: Date): string | null {
  if (typeof cron !== 'string' || cron.trim() === '')
    return 'schedule.cron must be a cron expression such as "0 10 * * 1"';
  if (cron.trim().split(/\s+/).length !== 5)
    return 'schedule.cron must have 5 fields (minute hour day-of-month month day-of-week)';
  let runs: Date[];
  try {
    const it = parseCron(cron, timezone, now);
    runs = it.take(6).map((d) => d.toDate());
  } catch (err) {
    return `schedule.cron is not valid: ${(err as Error).message}`;
  }
  if (runs.length === 0) return 'schedule.cron never runs';
  for (let i = 1; i < runs.length; i++) {
    if (runs[i].getTime() - runs[i - 1].getTime() < MIN_CRON_GAP_MS)
      return 'schedule.cron must not run more often than once a day';
  }
  return null;
}

const KEYS: Record<Schedule['type'], readonly string[]> = {
  now: ['type'],
  once: ['type', 'at'],
  cron: ['type', 'cron', 'timezone'],
  trigger: ['type', 'event', 'delayHours', 'minScore', 'reminder'],
};

/**
 * Why a schedule is not acceptable (each message names the field), or [] when it is.
 * `now` is when the check is made: a `once` time must lie after it.
 */
export function scheduleProblems(value: unknown, now: Date, goal?: string): string[] {
  if (!isObject(value)) return ['schedule must be an object such as { "type": "now" }'];
  const type = value.type;
  if (typeof type !== 'string' || !(SCHEDULE_TYPES as readonly string[]).includes(type))
    return [`schedule.type must be one of ${SCHEDULE_TYPES.join(', ')}`];
  const t = type as Schedule['type'];
  const errors = Object.keys(value)
    .filter((k) => !KEYS[t].includes(k))
    .map((k) => `property schedule.${k} should not exist for a ${t} schedule`);
  if (t === 'once') {
    const at = parseInstant(value.at);
    if (at === null)
      errors.push('schedule.at must be an ISO 8601 time with an offset, e.g. 2026-12-01T10:00:00Z');
    else if (at.getTime() <= now.getTime()) errors.push('schedule.at must be in the future');
  } else if (t === 'cron') {
    if (!isKnownZone(value.timezone))
      errors.push('schedule.timezone must be an IANA time zone such as Europe/Moscow');
    else {
      const problem = cronProblem(value.cron, value.timezone, now);
      if (problem !== null) errors.push(problem);
    }
  } else if (t === 'trigger') {
    errors.push(...triggerProblems(value, goal));
  }
  return errors;
}

function isWhole(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function triggerProblems(value: Record<string, unknown>, goal?: string): string[] {
  const errors: string[] = [];
  if (!(TRIGGER_EVENTS as readonly unknown[]).includes(value.event))
    errors.push(`schedule.event must be one of ${TRIGGER_EVENTS.join(', ')}`);
  if (!isWhole(value.delayHours, 0, 24 * 366))
    errors.push('schedule.delayHours must be a whole number of hours from 0 to 8784');
  if (value.minScore !== undefined) {
    if (value.event !== 'satisfaction')
      errors.push('schedule.minScore is only for satisfaction triggers');
    else if (!isWhole(value.minScore, 1, 5))
      errors.push('schedule.minScore must be a whole score from 1 to 5');
  }
  if (value.reminder !== undefined) {
    const r = value.reminder;
    if (goal !== 'review') errors.push('schedule.reminder is only for review campaigns');
    if (!isObject(r)) {
      errors.push('schedule.reminder must be an object { afterDays, template, unless? }');
      return errors;
    }
    for (const k of Object.keys(r))
      if (!['afterDays', 'template', 'unless'].includes(k))
        errors.push(`property schedule.reminder.${k} should not exist`);
    if (!isWhole(r.afterDays, 1, 90))
      errors.push('schedule.reminder.afterDays must be a whole number of days from 1 to 90');
    if (typeof r.template !== 'string' || r.template.trim() === '')
      errors.push('schedule.reminder.template must name a template');
    if (r.unless !== undefined && r.unless !== 'review_posted')
      errors.push('schedule.reminder.unless must be review_posted');
  }
  return errors;
}

/**
 * When step 0 of a launched campaign is due. Trigger campaigns are due at once: the step is
 * the standing "watch for events" run the planner works from.
 */
export function firstDueAt(schedule: Schedule, now: Date): Date {
  switch (schedule.type) {
    case 'now':
    case 'trigger':
      return now;
    case 'once':
      return new Date(schedule.at);
    case 'cron':
      return nextCronRun(schedule, now);
  }
}

/**
 * When a cron campaign's next step is due after the step due at `dueAt` was planned at `now`:
 * runs missed while no scheduler was up are not made up for, so the next one after now.
 */
export function nextCronStepDue(
  schedule: { cron: string; timezone: string },
  dueAt: Date,
  now: Date,
): Date {
  return nextCronRun(schedule, dueAt > now ? dueAt : now);
}

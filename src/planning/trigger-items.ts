import type { PlanItem } from './plan-batch';
import { messageOf, type PlanningSetup } from './planning-setup';
import type { TriggerReminder, TriggerSchedule } from './schedule';
import type { DueReminderRow, LapseRow, TriggeringEventRow } from './sql/triggers';

const HOUR_MS = 3_600_000;

/** A trigger's message is meant for the event time + delay, never before now. */
const dueAfter = (at: Date, delayHours: number, now: Date): Date => {
  const due = new Date(at.getTime() + delayHours * HOUR_MS);
  return due > now ? due : now;
};

/** An item of the campaign's own template, for one customer's occurrence (the step). */
function mainItems<T>(
  setup: PlanningSetup,
  rows: readonly T[],
  of: (row: T) => { customerId: string; step: number; at: Date; data: Record<string, unknown> },
): PlanItem[] {
  const c = setup.campaign;
  const main = messageOf(setup, 0, false);
  return rows.map((row) => {
    const { customerId, step, at, data } = of(row);
    const templateVersion = c.template_version ?? 1;
    return {
      customerId,
      message: { ...main, step },
      at,
      templateName: c.template_name,
      templateVersion,
      data,
    };
  });
}

/** One item per purchase or satisfaction event; review requests take even steps. */
export function eventItems(
  setup: PlanningSetup,
  schedule: TriggerSchedule,
  events: readonly TriggeringEventRow[],
  now: Date,
): PlanItem[] {
  return mainItems(setup, events, (e) => ({
    customerId: e.customer_id,
    // Review requests take even steps, their reminder the odd step after.
    step: schedule.event === 'satisfaction' ? 2 * e.n : e.n,
    at: dueAfter(e.occurred_at, schedule.delayHours, now),
    data: { trigger: schedule.event, eventId: String(e.id) },
  }));
}

/** One win-back per lapse: a lapse is identified by the purchase count it followed. */
export function lapseItems(
  setup: PlanningSetup,
  schedule: TriggerSchedule,
  lapses: readonly LapseRow[],
  now: Date,
): PlanItem[] {
  return mainItems(setup, lapses, (l) => ({
    customerId: l.id,
    step: l.purchase_count,
    at: dueAfter(l.lapsed_at, schedule.delayHours, now),
    data: { trigger: 'lapsed', lapsedAt: l.lapsed_at.toISOString() },
  }));
}

/** A reminder takes the step after its request's and the reminder template. */
export function reminderItems(
  setup: PlanningSetup,
  reminder: TriggerReminder,
  due: readonly DueReminderRow[],
  now: Date,
): PlanItem[] {
  const c = setup.campaign;
  const main = messageOf(setup, 0, false);
  return due.map((r) => ({
    customerId: r.customer_id,
    message: { ...main, step: r.step + 1, isReminder: true },
    at: now,
    templateName: reminder.template,
    templateVersion: c.reminder_template_version ?? 1,
    data: { trigger: 'reminder', requestStep: r.step },
  }));
}

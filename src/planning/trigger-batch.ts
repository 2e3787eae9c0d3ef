import type { EntityManager } from 'typeorm';
import type { AudienceFilter } from '../audiences/audience-filter';
import { compileAudience } from '../audiences/compile-audience';
import type { PlanItem } from './plan-batch';
import type { PlanningSetup } from './planning-setup';
import type { TriggerSchedule } from './schedule';
import type { BatchSummary } from './step-report';
import { eventItems, lapseItems, reminderItems } from './trigger-items';
import {
  ADVANCE_WATERMARK,
  becameLapsed,
  DUE_REMINDERS,
  ENSURE_WATERMARK,
  LAST_EVENT_OF_BATCH,
  LOCK_WATERMARK,
  triggeringEvents,
  type DueReminderRow,
  type LapseRow,
  type TriggeringEventRow,
  type WatermarkRow,
} from './sql/triggers';

/** Trigger events read per campaign per tick; the rest waits for the next tick. */
const TRIGGER_BATCH = 2000;

/** Decides and writes a batch of items for the given (sorted) customers, in the same transaction. */
export type WriteBatch = (sortedIds: string[], items: PlanItem[]) => Promise<BatchSummary>;

/**
 * One tick of a trigger campaign, in the caller's transaction: new customer events since the
 * campaign's watermark (purchase, satisfaction ≥ minScore) or customers who became lapsed, and
 * review reminders that fell due, each planned for its single customer; then the watermark moves.
 */
export async function planTriggerBatch(
  m: EntityManager,
  setup: PlanningSetup,
  schedule: TriggerSchedule,
  now: Date,
  write: WriteBatch,
): Promise<BatchSummary | null> {
  const c = setup.campaign;
  await m.query(ENSURE_WATERMARK, [c.id, c.launched_at ?? now]);
  const [mark]: WatermarkRow[] = await m.query(LOCK_WATERMARK, [c.id]);
  const params: unknown[] = [];
  const audience = compileAudience((c.audience ?? {}) as AudienceFilter, { now, params });
  const n = params.length;
  const items: PlanItem[] = [];
  let lastEventId = mark.last_event_id;
  let lapsesUntil = mark.lapses_until;

  if (schedule.event === 'purchase' || schedule.event === 'satisfaction') {
    const minScore = schedule.minScore ?? setup.policies.consumer.review.minScore;
    // The watermark moves over every event read, matching or not; events past it wait.
    const [{ max }]: { max: string | null }[] = await m.query(LAST_EVENT_OF_BATCH, [
      schedule.event,
      mark.last_event_id,
      TRIGGER_BATCH,
    ]);
    if (max !== null) {
      lastEventId = max;
      const events: TriggeringEventRow[] = await m.query(triggeringEvents(audience, n), [
        ...params,
        schedule.event,
        mark.last_event_id,
        max,
        minScore,
      ]);
      items.push(...eventItems(setup, schedule, events, now));
    }
  } else {
    const lapses: LapseRow[] = await m.query(becameLapsed(audience, n), [
      ...params,
      mark.lapses_until,
      now,
      setup.policies.business.lapseDays,
      setup.policies.consumer.lapseDays,
    ]);
    lapsesUntil = now;
    items.push(...lapseItems(setup, schedule, lapses, now));
  }

  let remindersUntil = mark.reminders_until;
  if (schedule.reminder) {
    const due: DueReminderRow[] = await m.query(DUE_REMINDERS, [
      c.id,
      schedule.reminder.afterDays,
      mark.reminders_until,
      now,
    ]);
    remindersUntil = now;
    items.push(...reminderItems(setup, schedule.reminder, due, now));
  }

  let planned: BatchSummary | null = null;
  if (items.length) {
    const ids = [...new Set(items.map((i) => i.customerId))].sort();
    planned = await write(ids, items);
  }
  await m.query(ADVANCE_WATERMARK, [c.id, lastEventId, lapsesUntil, remindersUntil, now]);
  return planned;
}

import { DEFAULT_POLICIES } from '../policy/engine';
import { planningSetup } from './planning-setup';
import type { TriggerSchedule } from './schedule';
import { eventItems, lapseItems, reminderItems } from './trigger-items';

const NOW = new Date('2026-11-23T12:00:00Z');
const HOUR = 3_600_000;

const setup = planningSetup(
  {
    id: 'camp',
    topic: 'reviews',
    goal: 'review',
    template_name: 'ask',
    template_version: 3,
    reminder_template_version: null,
    channels: ['email'],
    priority: 50,
    audience: {},
    schedule: { type: 'trigger', event: 'satisfaction', delayHours: 2 },
    effective_at: null,
    holdout_percent: 0,
    status: 'running',
    launched_at: NOW,
    category: 'service',
    cadence_days: null,
  },
  { consumer: DEFAULT_POLICIES.consumer, business: DEFAULT_POLICIES.business },
);

describe('trigger items', () => {
  it('plans an event at its time + delay, review requests on even steps', () => {
    const schedule: TriggerSchedule = { type: 'trigger', event: 'satisfaction', delayHours: 2 };
    const [late, early] = eventItems(
      setup,
      schedule,
      [
        { id: '7', customer_id: 'a', occurred_at: new Date(NOW.getTime() - HOUR), n: 2 },
        { id: '8', customer_id: 'b', occurred_at: new Date(NOW.getTime() - 5 * HOUR), n: 1 },
      ],
      NOW,
    );
    expect(late).toMatchObject({
      customerId: 'a',
      at: new Date(NOW.getTime() + HOUR),
      templateName: 'ask',
      templateVersion: 3,
      data: { trigger: 'satisfaction', eventId: '7' },
    });
    expect(late.message).toMatchObject({ campaignId: 'camp', step: 4, isReminder: false });
    // already past its due time: now
    expect(early.at).toEqual(NOW);
    expect(early.message.step).toBe(2);
    const purchase = eventItems(
      setup,
      { ...schedule, event: 'purchase' },
      [{ id: '9', customer_id: 'a', occurred_at: NOW, n: 3 }],
      NOW,
    );
    expect(purchase[0].message.step).toBe(3);
  });

  it('plans one win-back per lapse, on the purchase count it followed', () => {
    const lapsedAt = new Date(NOW.getTime() - HOUR);
    const [item] = lapseItems(
      setup,
      { type: 'trigger', event: 'lapsed', delayHours: 0 },
      [{ id: 'a', purchase_count: 4, lapsed_at: lapsedAt }],
      NOW,
    );
    expect(item.message.step).toBe(4);
    expect(item.at).toEqual(NOW);
    expect(item.data).toEqual({ trigger: 'lapsed', lapsedAt: lapsedAt.toISOString() });
  });

  it('plans a reminder on the step after its request, with the reminder template', () => {
    const [item] = reminderItems(
      setup,
      { afterDays: 3, template: 'nudge' },
      [{ customer_id: 'a', step: 2, at: NOW }],
      NOW,
    );
    expect(item).toMatchObject({
      customerId: 'a',
      at: NOW,
      templateName: 'nudge',
      templateVersion: 1,
      data: { trigger: 'reminder', requestStep: 2 },
    });
    expect(item.message).toMatchObject({ step: 3, isReminder: true });
  });
});

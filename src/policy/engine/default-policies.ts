import type { ContactPolicy, CustomerKind } from './types';

const shared = {
  version: 1,
  quietHours: { start: '20:00', end: '09:00' },
  businessHours: { days: [1, 2, 3, 4, 5], start: '10:00', end: '18:00' },
  fatigue: { ignoredInARow: 3, maxMultiplier: 8 },
  review: { minScore: 4, negativeMaxScore: 2, maxReminders: 1 },
  announcementNoticeDays: 14,
  lapseDays: 180,
  deferHorizonDays: 14,
} as const;

/** The out-of-the-box policy of DESIGN.md ("Default contact policy"). */
export const DEFAULT_POLICIES: Readonly<Record<CustomerKind, ContactPolicy>> = Object.freeze({
  consumer: {
    ...shared,
    kind: 'consumer',
    budgets: {
      promotional: [{ max: 1, windowDays: 180 }],
      content: [{ max: 1, windowDays: 7 }],
      service: [{ max: 1, windowDays: 14 }],
      all: [
        { max: 2, windowDays: 7 },
        { max: 1, windowDays: 1 },
      ],
    },
    channels: ['email', 'sms'],
    voice: { budgets: [] },
  },
  business: {
    ...shared,
    kind: 'business',
    budgets: {
      promotional: [{ max: 1, windowDays: 30 }],
      content: [{ max: 1, windowDays: 7 }],
      service: [{ max: 1, windowDays: 7 }],
      all: [
        { max: 2, windowDays: 7 },
        { max: 1, windowDays: 1 },
      ],
    },
    channels: ['email', 'sms', 'voice'],
    voice: { budgets: [{ max: 1, windowDays: 90 }] },
  },
});

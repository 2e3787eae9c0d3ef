import { DEFAULT_POLICIES } from './default-policies';
import type { ContactPolicy } from './types';
import { validatePolicy } from './validate-policy';

function withChange(
  change: (p: ContactPolicy) => void,
  kind: 'consumer' | 'business' = 'business',
) {
  const p = structuredClone(DEFAULT_POLICIES[kind]) as ContactPolicy;
  change(p);
  return validatePolicy(p);
}

describe('DEFAULT_POLICIES', () => {
  it('match the DESIGN.md table', () => {
    const { consumer, business } = DEFAULT_POLICIES;
    expect(consumer.budgets).toEqual({
      promotional: [{ max: 1, windowDays: 180 }],
      content: [{ max: 1, windowDays: 7 }],
      service: [{ max: 1, windowDays: 14 }],
      all: [
        { max: 2, windowDays: 7 },
        { max: 1, windowDays: 1 },
      ],
    });
    expect(business.budgets.promotional).toEqual([{ max: 1, windowDays: 30 }]);
    expect(business.budgets.service).toEqual([{ max: 1, windowDays: 7 }]);
    expect(business.budgets.content).toEqual(consumer.budgets.content);
    expect(business.budgets.all).toEqual(consumer.budgets.all);
    expect(consumer.channels).not.toContain('voice');
    expect(business.voice.budgets).toEqual([{ max: 1, windowDays: 90 }]);
    expect(business.businessHours).toEqual({ days: [1, 2, 3, 4, 5], start: '10:00', end: '18:00' });
    for (const p of [consumer, business]) {
      expect(p.quietHours).toEqual({ start: '20:00', end: '09:00' });
      expect(p.fatigue.ignoredInARow).toBe(3);
      expect(p.review.minScore).toBe(4);
      expect(p.announcementNoticeDays).toBe(14);
      expect(p.lapseDays).toBe(180);
    }
  });

  it.each(['consumer', 'business'] as const)('the %s default is valid', (kind) => {
    expect(validatePolicy(DEFAULT_POLICIES[kind])).toEqual([]);
  });
});

describe('validatePolicy names the field at fault', () => {
  it.each<[string, (p: ContactPolicy) => void, string]>([
    [
      'a zero window',
      (p) => (p.budgets = { ...p.budgets, promotional: [{ max: 1, windowDays: 0 }] }),
      'budgets.promotional[0].windowDays must be a number > 0',
    ],
    [
      'a negative window',
      (p) => (p.budgets = { ...p.budgets, all: [p.budgets.all[0], { max: 1, windowDays: -1 }] }),
      'budgets.all[1].windowDays must be a number > 0',
    ],
    [
      'a negative count',
      (p) => (p.budgets = { ...p.budgets, service: [{ max: -2, windowDays: 7 }] }),
      'budgets.service[0].max must be an integer >= 0',
    ],
    [
      'a fractional count',
      (p) => (p.voice = { budgets: [{ max: 1.5, windowDays: 90 }] }),
      'voice.budgets[0].max must be an integer >= 0',
    ],
    [
      'quiet hours all day',
      (p) => (p.quietHours = { start: '00:00', end: '24:00' }),
      'quietHours leave no time to send',
    ],
    [
      'a malformed clock',
      (p) => (p.quietHours = { start: '8pm', end: '09:00' }),
      'quietHours.start must be a local time "HH:mm"',
    ],
    [
      'business hours backwards',
      (p) => (p.businessHours = { days: [1], start: '18:00', end: '10:00' }),
      'businessHours.start must be before businessHours.end',
    ],
    [
      'business hours inside quiet hours',
      (p) => (p.businessHours = { days: [1], start: '06:00', end: '08:00' }),
      'businessHours leave no time outside quietHours for calls',
    ],
    [
      'no business days',
      (p) => (p.businessHours = { days: [], start: '10:00', end: '18:00' }),
      'businessHours leave no time outside quietHours for calls',
    ],
    [
      'a weekday 8',
      (p) => (p.businessHours = { days: [8], start: '10:00', end: '18:00' }),
      'businessHours.days must be ISO weekdays 1..7',
    ],
    [
      'fatigue of 0',
      (p) => (p.fatigue = { ignoredInARow: 0, maxMultiplier: 8 }),
      'fatigue.ignoredInARow must be a number >= 1',
    ],
    [
      'a negative notice',
      (p) => (p.announcementNoticeDays = -1),
      'announcementNoticeDays must be a number >= 0',
    ],
    ['version 0', (p) => (p.version = 0), 'version must be an integer >= 1'],
    [
      'review scores overlapping',
      (p) => (p.review = { minScore: 3, negativeMaxScore: 3, maxReminders: 1 }),
      'review.negativeMaxScore must be below review.minScore',
    ],
  ])('rejects %s', (_name, change, error) => {
    expect(withChange(change)).toContain(error);
  });

  it('rejects voice for consumers', () => {
    expect(withChange((p) => (p.channels = ['email', 'voice']), 'consumer')).toEqual([
      'channels must not include voice for consumers (no calls to consumers)',
    ]);
  });

  it('accepts a stricter policy', () => {
    expect(withChange((p) => (p.budgets.all = [{ max: 1, windowDays: 14 }]))).toEqual([]);
  });
});

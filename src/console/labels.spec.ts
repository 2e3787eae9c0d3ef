import { audienceSentence, channelList, counted, goalLabel, scheduleSentence } from './labels';

describe('console labels', () => {
  it('counts grammatically in Russian and English', () => {
    expect([0, 1, 2, 5, 11, 21, 22, 27, 1000].map((n) => counted('ru', n, 'recipient'))).toEqual([
      '0 получателей',
      '1 получатель',
      '2 получателя',
      '5 получателей',
      '11 получателей',
      '21 получатель',
      '22 получателя',
      '27 получателей',
      '1\u00a0000 получателей',
    ]);
    expect([1, 2].map((n) => counted('en', n, 'recipient'))).toEqual([
      '1 recipient',
      '2 recipients',
    ]);
  });

  it('lists channels with separators and names goals', () => {
    expect(channelList('en', ['voice', 'email', 'sms'])).toBe('call, e-mail, and SMS');
    expect(channelList('ru', ['voice', 'email', 'sms'])).toBe('звонок, e-mail и SMS');
    expect(channelList('ru', ['email'])).toBe('e-mail');
    expect(goalLabel('ru', 'winback')).toBe('возврат');
    expect(goalLabel('en', 'unknown-goal')).toBe('unknown-goal');
  });

  it('says a schedule as a sentence, cron in words for the common shapes', () => {
    const cron = (c: string) => ({ type: 'cron' as const, cron: c, timezone: 'Europe/Moscow' });
    expect(scheduleSentence('en', cron('0 10 * * 1'), 'UTC')).toBe(
      'every Monday at 10:00, Europe/Moscow time',
    );
    expect(scheduleSentence('ru', cron('0 10 * * 1'), 'UTC')).toBe(
      'каждый понедельник в 10:00, время Europe/Moscow',
    );
    expect(scheduleSentence('ru', cron('30 9 * * 3'), 'UTC')).toBe(
      'каждую среду в 09:30, время Europe/Moscow',
    );
    expect(scheduleSentence('en', cron('0 10 1 * *'), 'UTC')).toBe(
      'on day 1 of every month at 10:00, Europe/Moscow time',
    );
    expect(scheduleSentence('en', cron('5 8 * * *'), 'UTC')).toBe(
      'every day at 08:05, Europe/Moscow time',
    );
    expect(scheduleSentence('en', cron('*/15 9-17 * * 1-5'), 'UTC')).toBe(
      'cron */15 9-17 * * 1-5 (Europe/Moscow time)',
    );
    expect(scheduleSentence('en', cron('0 25 * * *'), 'UTC')).toBe(
      'cron 0 25 * * * (Europe/Moscow time)',
    );
    expect(
      scheduleSentence('en', { type: 'once', at: '2026-11-30T07:00:00Z' }, 'Europe/Moscow'),
    ).toBe('once, at 30 November 2026 at 10:00, Europe/Moscow time');
    expect(scheduleSentence('en', { type: 'now' }, 'UTC')).toBe('at launch');
  });

  it('says an audience filter as a sentence', () => {
    expect(audienceSentence('en', {})).toBe('everyone');
    expect(audienceSentence('ru', { all: [] })).toBe('все клиенты');
    expect(
      audienceSentence('en', {
        all: [
          { field: 'kind', op: 'eq', value: 'business' },
          {
            any: [
              { field: 'locale', op: 'in', value: ['ru', 'kk'] },
              { field: 'lastPurchaseAt', op: 'withinDays', value: 90 },
            ],
          },
          { not: { field: 'email', op: 'exists', value: true } },
        ],
      }),
    ).toBe(
      'kind is business and (language is one of ru, kk or last purchase within the last 90 days) and not (email is set)',
    );
    expect(audienceSentence('ru', { field: 'subscribedTo', op: 'eq', value: 'tips' })).toBe(
      'подписан на = tips',
    );
  });
});

import { audienceOnlyBusiness, channelProblems, goalTopicProblem } from './campaign-rules';
import { firstDueAt, nextCronRun, parseInstant, scheduleProblems } from './schedule';

const NOW = new Date('2026-11-23T12:00:00Z'); // Monday

describe('nextCronRun', () => {
  it('reads the cron in the schedule zone and answers the next run strictly after', () => {
    const s = { cron: '0 10 * * 1', timezone: 'Europe/Moscow' };
    expect(nextCronRun(s, NOW).toISOString()).toBe('2026-11-30T07:00:00.000Z');
    // exactly at a run: the next one, so a step is never planned twice
    expect(nextCronRun(s, new Date('2026-11-30T07:00:00Z')).toISOString()).toBe(
      '2026-12-07T07:00:00.000Z',
    );
  });

  it('follows daylight saving time in the zone', () => {
    const s = { cron: '0 9 * * *', timezone: 'Europe/Berlin' };
    // CET (UTC+1) before 29 March 2026, CEST (UTC+2) after
    expect(nextCronRun(s, new Date('2026-03-28T12:00:00Z')).toISOString()).toBe(
      '2026-03-29T07:00:00.000Z',
    );
    expect(nextCronRun(s, new Date('2026-03-27T12:00:00Z')).toISOString()).toBe(
      '2026-03-28T08:00:00.000Z',
    );
  });
});

describe('scheduleProblems', () => {
  it.each([
    { type: 'now' },
    { type: 'once', at: '2026-11-23T12:00:01Z' },
    { type: 'cron', cron: '0 10 1 * *', timezone: 'Asia/Tokyo' },
    { type: 'cron', cron: '30 9 * * 1-5', timezone: 'UTC' },
    { type: 'trigger', event: 'purchase', delayHours: 48 },
  ])('accepts %j', (s) => {
    expect(scheduleProblems(s, NOW)).toEqual([]);
  });

  it.each([
    [null, /^schedule must be an object/],
    [{ type: 'once', at: '2026-11-23T12:00:00Z' }, /^schedule\.at must be in the future/],
    [{ type: 'once', at: '2026-13-01T10:00:00Z' }, /^schedule\.at must be an ISO 8601/],
    [{ type: 'cron', cron: '0 10 * * 1', timezone: 'Europe/Atlantis' }, /^schedule\.timezone/],
    [{ type: 'cron', cron: '*/5 * * * *', timezone: 'UTC' }, /more often than once a day/],
    [{ type: 'cron', cron: '0 8,20 * * *', timezone: 'UTC' }, /more often than once a day/],
    [{ type: 'cron', cron: '0 0 0 10 * *', timezone: 'UTC' }, /must have 5 fields/],
    [{ type: 'trigger', event: 'purchase', delayHours: 1.5 }, /^schedule\.delayHours/],
    [
      {
        type: 'trigger',
        event: 'satisfaction',
        delayHours: 0,
        reminder: { afterDays: 0, template: '' },
      },
      /^schedule\.reminder\.afterDays/,
    ],
  ])('refuses %j', (s, message) => {
    expect(scheduleProblems(s, NOW, 'review')).toEqual(
      expect.arrayContaining([expect.stringMatching(message)]),
    );
  });

  it('only lets review campaigns have a reminder', () => {
    const s = {
      type: 'trigger',
      event: 'satisfaction',
      delayHours: 0,
      minScore: 4,
      reminder: { afterDays: 7, template: 'review-reminder', unless: 'review_posted' },
    };
    expect(scheduleProblems(s, NOW, 'review')).toEqual([]);
    expect(scheduleProblems(s, NOW, 'care')).toEqual([
      'schedule.reminder is only for review campaigns',
    ]);
  });
});

describe('firstDueAt', () => {
  it('is now for now and trigger, the time for once, the next run for cron', () => {
    expect(firstDueAt({ type: 'now' }, NOW)).toEqual(NOW);
    expect(firstDueAt({ type: 'trigger', event: 'lapsed', delayHours: 0 }, NOW)).toEqual(NOW);
    expect(firstDueAt({ type: 'once', at: '2026-12-01T10:00:00+03:00' }, NOW).toISOString()).toBe(
      '2026-12-01T07:00:00.000Z',
    );
    expect(
      firstDueAt(
        { type: 'cron', cron: '0 10 1 * *', timezone: 'Europe/Moscow' },
        NOW,
      ).toISOString(),
    ).toBe('2026-12-01T07:00:00.000Z');
  });
});

describe('parseInstant', () => {
  it('needs an explicit offset', () => {
    expect(parseInstant('2026-12-01T10:00:00Z')).toEqual(new Date('2026-12-01T10:00:00Z'));
    expect(parseInstant('2026-12-01T10:00:00+03:00')).toEqual(new Date('2026-12-01T07:00:00Z'));
    expect(parseInstant('2026-12-01T10:00:00')).toBeNull();
    expect(parseInstant('2026-12-01')).toBeNull();
    expect(parseInstant(1764583200000)).toBeNull();
  });
});

describe('campaign rules', () => {
  it('matches service goals with service topics only', () => {
    expect(goalTopicProblem('care', 'care', 'service')).toBeNull();
    expect(goalTopicProblem('retention', 'tips', 'content')).toBeNull();
    expect(goalTopicProblem('winback', 'offers', 'promotional')).toBeNull();
    expect(goalTopicProblem('announcement', 'tips', 'content')).toMatch(/need a service topic/);
    expect(goalTopicProblem('engagement', 'care', 'service')).toMatch(/is a service topic/);
  });

  it.each([
    [{ field: 'kind', op: 'eq', value: 'business' }, true],
    [{ field: 'kind', op: 'in', value: ['business'] }, true],
    [
      {
        all: [
          { field: 'locale', op: 'eq', value: 'ru' },
          { field: 'kind', op: 'eq', value: 'business' },
        ],
      },
      true,
    ],
    [
      {
        any: [
          { field: 'kind', op: 'eq', value: 'business' },
          { field: 'locale', op: 'eq', value: 'ru' },
        ],
      },
      false,
    ],
    [{ field: 'kind', op: 'in', value: ['business', 'consumer'] }, false],
    [{ not: { field: 'kind', op: 'eq', value: 'consumer' } }, false],
    [{ field: 'kind', op: 'ne', value: 'consumer' }, false],
    [{}, false],
  ])('audienceOnlyBusiness(%j) is %s', (filter, expected) => {
    expect(audienceOnlyBusiness(filter)).toBe(expected);
  });

  it('allows voice only for business audiences on non-promotional topics', () => {
    const business = { field: 'kind', op: 'eq', value: 'business' };
    expect(channelProblems(['email', 'sms'], 'promotional', {})).toEqual([]);
    expect(channelProblems(['voice'], 'service', business)).toEqual([]);
    expect(channelProblems(['voice'], 'content', {})).toEqual([
      expect.stringMatching(/^channels: voice needs an audience limited to business/),
    ]);
    expect(channelProblems(['email', 'voice'], 'promotional', business)).toEqual([
      expect.stringMatching(/^channels: voice is not allowed for promotional topics/),
    ]);
  });
});

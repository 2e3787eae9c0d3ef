import {
  firstDueAt,
  nextCronRun,
  nextCronStepDue,
  parseInstant,
  scheduleProblems,
} from './schedule';

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

describe('nextCronStepDue', () => {
  const s = { cron: '0 10 * * 1', timezone: 'UTC' };
  it('answers the run after the step when the step was planned on time', () => {
    const due = new Date('2026-11-30T10:00:00Z');
    expect(nextCronStepDue(s, due, NOW).toISOString()).toBe('2026-12-07T10:00:00.000Z');
  });
  it('does not make up runs missed while no scheduler was up', () => {
    const due = new Date('2026-11-02T10:00:00Z');
    expect(nextCronStepDue(s, due, NOW).toISOString()).toBe('2026-11-30T10:00:00.000Z');
  });
});

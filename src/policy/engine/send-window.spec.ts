import { decide } from './decide';
import { DEFAULT_POLICIES } from './default-policies';
import { at, customer, input, local, message } from './testing/fixtures';
import type { ContactPolicy, CustomerKind, Decision } from './types';

function plan(
  kind: CustomerKind,
  zone: string,
  localIso: string,
  opts: { channels?: ('email' | 'sms' | 'voice')[]; policy?: ContactPolicy } = {},
): Decision {
  return decide(
    input({
      customer: customer({ kind, timezone: zone }),
      message: message({ channels: opts.channels ?? ['email'] }),
      policy: opts.policy ?? DEFAULT_POLICIES[kind],
      now: at(localIso, zone),
    }),
  );
}

function whenLocal(d: Decision, zone: string): string {
  if (d.kind === 'send') return `send ${local(d.notBefore, zone)}`;
  if (d.kind === 'defer') return `defer ${d.reason} ${d.channel ?? '-'} ${local(d.until, zone)}`;
  return `skip ${d.reason}`;
}

describe('quiet hours (09:00–20:00 local) and time zones', () => {
  it('defers a consumer email to 09:00 Moscow time when planned at 23:30', () => {
    const d = plan('consumer', 'Europe/Moscow', '2026-06-10T23:30');
    expect(whenLocal(d, 'Europe/Moscow')).toBe('defer quiet_hours email 2026-06-11 09:00 Thu');
    expect(d.kind === 'defer' && d.until.toISOString()).toBe('2026-06-11T06:00:00.000Z');
  });

  it.each([
    // zone, planned local, expected
    ['Europe/Moscow', '2026-06-10T08:59', 'defer quiet_hours email 2026-06-10 09:00 Wed'],
    ['Europe/Moscow', '2026-06-10T09:00', 'send 2026-06-10 09:00 Wed'],
    ['Europe/Moscow', '2026-06-10T19:59', 'send 2026-06-10 19:59 Wed'],
    ['Europe/Moscow', '2026-06-10T20:00', 'defer quiet_hours email 2026-06-11 09:00 Thu'],
    ['Europe/Moscow', '2026-03-29T02:30', 'defer quiet_hours email 2026-03-29 09:00 Sun'],
    ['Asia/Kolkata', '2026-06-10T06:15', 'defer quiet_hours email 2026-06-10 09:00 Wed'],
    ['Asia/Kolkata', '2026-06-10T20:45', 'defer quiet_hours email 2026-06-11 09:00 Thu'],
    // The night the clocks spring forward / fall back.
    ['America/New_York', '2026-03-07T22:00', 'defer quiet_hours email 2026-03-08 09:00 Sun'],
    ['America/New_York', '2026-10-31T21:00', 'defer quiet_hours email 2026-11-01 09:00 Sun'],
    ['America/New_York', '2026-11-01T01:30', 'defer quiet_hours email 2026-11-01 09:00 Sun'],
    ['Europe/London', '2026-03-28T20:30', 'defer quiet_hours email 2026-03-29 09:00 Sun'],
    ['Europe/London', '2026-10-25T01:30', 'defer quiet_hours email 2026-10-25 09:00 Sun'],
  ])('%s planned at %s → %s', (zone, planned, expected) => {
    for (const kind of ['consumer', 'business'] as const)
      expect(whenLocal(plan(kind, zone, planned), zone)).toBe(expected);
  });

  it('uses the real offsets across DST: 09:00 New York is 14:00Z in winter and 13:00Z in summer', () => {
    const winter = plan('consumer', 'America/New_York', '2026-03-07T22:00');
    const summerEve = plan('consumer', 'America/New_York', '2026-03-08T22:00');
    expect(winter.kind === 'defer' && winter.until.toISOString()).toBe('2026-03-08T13:00:00.000Z');
    expect(summerEve.kind === 'defer' && summerEve.until.toISOString()).toBe(
      '2026-03-09T13:00:00.000Z',
    );
    const fall = plan('consumer', 'America/New_York', '2026-10-31T21:00');
    expect(fall.kind === 'defer' && fall.until.toISOString()).toBe('2026-11-01T14:00:00.000Z');
  });

  const wrapping = { ...DEFAULT_POLICIES.consumer, quietHours: { start: '22:00', end: '07:00' } };
  const siesta = { ...DEFAULT_POLICIES.consumer, quietHours: { start: '13:00', end: '15:00' } };
  const gapStart = { ...DEFAULT_POLICIES.consumer, quietHours: { start: '00:00', end: '02:30' } };
  it.each([
    [
      'wrapping midnight, planned before midnight',
      wrapping,
      '2026-06-10T23:10',
      'defer quiet_hours email 2026-06-11 07:00 Thu',
    ],
    [
      'wrapping midnight, planned after midnight',
      wrapping,
      '2026-06-11T00:30',
      'defer quiet_hours email 2026-06-11 07:00 Thu',
    ],
    [
      'wrapping midnight, planned at 21:59',
      wrapping,
      '2026-06-10T21:59',
      'send 2026-06-10 21:59 Wed',
    ],
    [
      'not wrapping (a siesta), planned inside',
      siesta,
      '2026-06-10T14:00',
      'defer quiet_hours email 2026-06-10 15:00 Wed',
    ],
    [
      'not wrapping, planned in the late evening',
      siesta,
      '2026-06-10T23:00',
      'send 2026-06-10 23:00 Wed',
    ],
  ])('custom quiet hours %s', (_name, policy, planned, expected) => {
    const d = plan('consumer', 'Europe/Moscow', planned, { policy });
    expect(whenLocal(d, 'Europe/Moscow')).toBe(expected);
  });

  it('when the end of quiet hours falls in the spring-forward gap, the first real minute after it is used', () => {
    const d = plan('consumer', 'America/New_York', '2026-03-08T01:00', { policy: gapStart });
    expect(whenLocal(d, 'America/New_York')).toBe('defer quiet_hours email 2026-03-08 03:00 Sun');
  });

  it('an unknown time zone is treated as UTC', () => {
    const d = decide(
      input({
        customer: customer({ timezone: 'Mars/Olympus' }),
        now: Date.UTC(2026, 5, 10, 23, 0),
      }),
    );
    expect(d.kind === 'defer' && d.until.toISOString()).toBe('2026-06-11T09:00:00.000Z');
  });
});

describe('voice: business contacts only, Mon–Fri 10:00–18:00 local', () => {
  it.each([
    ['Europe/Moscow', '2026-06-10T12:00', 'send 2026-06-10 12:00 Wed'],
    [
      'Europe/Moscow',
      '2026-06-10T09:30',
      'defer outside_business_hours voice 2026-06-10 10:00 Wed',
    ],
    [
      'Europe/Moscow',
      '2026-06-10T18:00',
      'defer outside_business_hours voice 2026-06-11 10:00 Thu',
    ],
    [
      'Europe/Moscow',
      '2026-06-12T18:30',
      'defer outside_business_hours voice 2026-06-15 10:00 Mon',
    ],
    [
      'Europe/Moscow',
      '2026-06-13T12:00',
      'defer outside_business_hours voice 2026-06-15 10:00 Mon',
    ],
    [
      'Europe/Moscow',
      '2026-06-14T23:59',
      'defer outside_business_hours voice 2026-06-15 10:00 Mon',
    ],
    ['Asia/Kolkata', '2026-06-13T11:00', 'defer outside_business_hours voice 2026-06-15 10:00 Mon'],
    [
      'America/New_York',
      '2026-03-07T12:00',
      'defer outside_business_hours voice 2026-03-09 10:00 Mon',
    ],
    [
      'Europe/London',
      '2026-10-24T12:00',
      'defer outside_business_hours voice 2026-10-26 10:00 Mon',
    ],
  ])('a call planned in %s at %s (weekends included) → %s', (zone, planned, expected) => {
    const d = plan('business', zone, planned, { channels: ['voice'] });
    expect(whenLocal(d, zone)).toBe(expected);
  });

  it('never calls a consumer, whatever the hour', () => {
    const d = plan('consumer', 'Europe/Moscow', '2026-06-10T12:00', { channels: ['voice'] });
    expect(d).toMatchObject({ kind: 'skip', reason: 'channel_not_allowed' });
  });
});

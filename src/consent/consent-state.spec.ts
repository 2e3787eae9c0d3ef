import { nextConsentState } from './consent-state';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-02-01T00:00:00Z');

describe('nextConsentState', () => {
  it.each([
    [null, 'grant', false, { kind: 'set', status: 'granted', since: t1 }],
    [null, 'grant', true, { kind: 'set', status: 'confirmed', since: t1 }],
    [null, 'withdraw', false, { kind: 'set', status: 'withdrawn', since: t1 }],
    ['granted', 'confirm', false, { kind: 'set', status: 'confirmed', since: t1 }],
    ['granted', 'grant', false, { kind: 'set', status: 'granted', since: t0 }],
    ['granted', 'withdraw', false, { kind: 'set', status: 'withdrawn', since: t1 }],
    ['confirmed', 'grant', false, { kind: 'unchanged' }],
    ['confirmed', 'grant', true, { kind: 'set', status: 'confirmed', since: t0 }],
    ['confirmed', 'confirm', false, { kind: 'set', status: 'confirmed', since: t0 }],
    ['confirmed', 'withdraw', false, { kind: 'set', status: 'withdrawn', since: t1 }],
    ['withdrawn', 'withdraw', false, { kind: 'set', status: 'withdrawn', since: t0 }],
    ['withdrawn', 'grant', false, { kind: 'set', status: 'granted', since: t1 }],
    ['withdrawn', 'grant', true, { kind: 'set', status: 'confirmed', since: t1 }],
  ] as const)('%s + %s (confirmed %s) → %j', (status, action, confirmed, expected) => {
    const current = status === null ? null : { status, since: t0 };
    expect(nextConsentState(current, { action, confirmed, at: t1 })).toEqual(expected);
  });

  it.each([null, 'withdrawn'] as const)('refuses confirm when the state is %s', (status) => {
    const current = status === null ? null : { status, since: t0 };
    expect(nextConsentState(current, { action: 'confirm', confirmed: false, at: t1 }).kind).toBe(
      'refused',
    );
  });

  it.each([
    ['confirmed', 'grant', false, { kind: 'set', status: 'confirmed', since: t1 }],
    ['confirmed', 'grant', true, { kind: 'set', status: 'confirmed', since: t1 }],
    ['confirmed', 'confirm', false, { kind: 'set', status: 'confirmed', since: t1 }],
    ['granted', 'grant', false, { kind: 'set', status: 'granted', since: t1 }],
  ] as const)(
    'after a newer "*" withdrawal, %s + %s (confirmed %s) restarts since → %j',
    (status, action, confirmed, expected) => {
      const current = { status, since: t0 };
      expect(nextConsentState(current, { action, confirmed, at: t1, overridden: true })).toEqual(
        expected,
      );
    },
  );
});

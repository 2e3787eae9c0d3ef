import { isBigintId, isUuid, parseStorableInstant } from './strict-values';

describe('strict values', () => {
  it.each([
    ['2026-01-31', true],
    ['2026-01-31T10:00:00Z', true],
    ['2026-01-31T10:00+03:00', true],
    ['2024-02-29', true],
    ['1000-01-01', true],
    ['9999-12-31', true],
    ['0000-01-01', false],
    ['0999-12-31', false],
    ['0001-01-01T00:30:00+01:00', false],
    ['9999-12-31T23:30:00-01:00', false],
    ['10000-01-01', false],
    ['+010000-01-01', false],
    ['2026-02-30', false],
    ['2025-02-29', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-01-00', false],
    ['2026-01-01T24:00:00Z', false],
    ['2026-01-01T10:60:00Z', false],
    ['2026-01-01T10:00:00+25:00', false],
    ['2026-01-01T10:00:00', false],
    ['2026-01-01 ', false],
    [' 2026-01-01', false],
    ['1e309', false],
    ['', false],
  ])('parseStorableInstant(%j) accepts: %s', (v, ok) => {
    expect(parseStorableInstant(v) !== null).toBe(ok);
  });

  it('refuses non-strings and, when asked, bare dates', () => {
    for (const v of [1e20, null, undefined, [], {}, new Date()]) {
      expect(parseStorableInstant(v)).toBeNull();
    }
    expect(parseStorableInstant('2026-01-01', true)).toBeNull();
    expect(parseStorableInstant('2026-01-01T00:00:00Z', true)?.toISOString()).toBe(
      '2026-01-01T00:00:00.000Z',
    );
  });

  it('uuids and bigint ids as PostgreSQL reads them', () => {
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
    expect(isUuid('------------------------------------')).toBe(false);
    expect(isUuid('zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz')).toBe(false);
    expect(isBigintId('9223372036854775807')).toBe(true);
    expect(isBigintId('9223372036854775808')).toBe(false);
    expect(isBigintId('99999999999999999999')).toBe(false);
    expect(isBigintId('-1')).toBe(false);
    expect(isBigintId('0')).toBe(false);
    expect(isBigintId('007')).toBe(false);
    expect(isBigintId('1')).toBe(true);
  });
});

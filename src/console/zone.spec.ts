import { formatInZone, validZone, zoneName, zoneOptions } from './zone';

describe('console time zone', () => {
  const at = new Date('2026-12-07T11:05:00Z');

  it('shows an instant in the viewer zone with the zone named', () => {
    expect(formatInZone(at, 'en', 'Europe/Moscow')).toBe('7 Dec 2026, 14:05 (Moscow time)');
    expect(formatInZone(at, 'ru', 'Europe/Moscow')).toMatch(/^7 дек\. 2026.*14:05 \(МСК\)$/);
    expect(formatInZone(at, 'en', 'UTC')).toBe('7 Dec 2026, 11:05 (UTC)');
    expect(formatInZone(at, 'en', 'Asia/Tokyo')).toBe('7 Dec 2026, 20:05 (Tokyo, UTC+09:00)');
    expect(formatInZone(null, 'en', 'UTC')).toBe('—');
    expect(formatInZone('not a date', 'en', 'UTC')).toBe('—');
  });

  it('accepts IANA zones only', () => {
    expect(validZone('Asia/Vladivostok')).toBe('Asia/Vladivostok');
    expect(validZone('Mars/Olympus')).toBeNull();
    expect(validZone('')).toBeNull();
    expect(validZone(['Europe/Moscow'])).toBeNull();
    expect(validZone('Europe/Moscow'.repeat(10))).toBeNull();
  });

  it('names zones outside the list by city and offset', () => {
    expect(zoneName('America/New_York', 'en', at)).toBe('New York, UTC-05:00');
  });

  it('offers the company zone first and the current one selected', () => {
    const o = zoneOptions('ru', 'Asia/Tokyo', 'Europe/Moscow');
    expect(o[0]).toEqual({ value: 'Europe/Moscow', label: 'МСК (Europe/Moscow)', selected: false });
    expect(o.find((z) => z.selected)?.value).toBe('Asia/Tokyo');
  });
});

import type { AuditItem } from '../audit/audit-query.service';
import {
  auditFormOf,
  auditLinks,
  auditQueryOf,
  auditRow,
  compactValue,
  dataPairs,
  type AuditCustomer,
} from './audit-page.presenter';

describe('console audit page presenter', () => {
  it('reads the filter: trimmed, empty fields left out, datetime-local taken as UTC', () => {
    expect(
      auditQueryOf({
        customerId: ' 7d444840-9dc0-11d1-b245-5ffdce74fad2 ',
        campaignId: '',
        type: ['admin.*', 'x'],
        from: '2026-01-02T03:04',
        to: '2026-01-02T03:04:05Z',
        order: 'asc',
        other: 'ignored',
      }),
    ).toEqual({
      customerId: '7d444840-9dc0-11d1-b245-5ffdce74fad2',
      type: 'admin.*',
      from: '2026-01-02T03:04:00Z',
      to: '2026-01-02T03:04:05Z',
    });
    expect(auditFormOf({ type: 'a\u0000b', from: 5 })).toEqual({
      customerId: '',
      campaignId: '',
      type: 'a\u0000b',
      from: '',
      to: '',
    });
  });

  it('links the next page and the exports under the same filter, escaped', () => {
    expect(auditLinks({ type: 'admin.*', customerId: 'a&b=c' }, 'YTox#')).toEqual({
      nextUrl: '/console/audit?type=admin.*&customerId=a%26b%3Dc&order=desc&cursor=YTox%23',
      csvUrl: '/console/audit/export?type=admin.*&customerId=a%26b%3Dc&order=desc&format=csv',
      ndjsonUrl: '/console/audit/export?type=admin.*&customerId=a%26b%3Dc&order=desc&format=ndjson',
    });
    expect(auditLinks({}, null).nextUrl).toBeNull();
  });

  const item = (over: Partial<AuditItem>): AuditItem => ({
    id: '1',
    at: new Date('2026-03-04T05:06:00Z'),
    type: 'x',
    customerId: null,
    campaignId: null,
    deliveryId: null,
    channel: null,
    reason: null,
    policyVersion: null,
    actor: null,
    data: {},
    ...over,
  });

  it('shows a row with its date in the zone and its data as a short key-value list', () => {
    const row = auditRow(
      item({
        type: 'campaign.launched',
        data: {
          long: 'y'.repeat(1000),
          policy_version: 3,
          channels: ['email', 'sms'],
          filter: { kind: 'business' },
          empty: null,
        },
      }),
      'ru',
      'Europe/Moscow',
    );
    expect(row.when).toMatch(/08:06 \(МСК\)$/);
    expect(row.typeLabel).toBe('кампания: запущена');
    expect(row.customer).toBeNull();
    expect(
      auditRow(item({ actor: 'key:84eaf6fb-62e8-41d3-ac6a-a363ae7af81c' }), 'en').actorShort,
    ).toBe('key:84eaf6fb…');
    expect(row.data).toEqual([
      { key: 'long', value: `${'y'.repeat(47)}…` },
      { key: 'policy version', value: '3' },
      { key: 'channels', value: 'email, sms' },
      { key: 'filter', value: 'kind business' },
      { key: 'empty', value: '—' },
    ]);
    expect(auditRow(item({}), 'en').when).toBe('4 Mar 2026, 05:06 (UTC)');
  });

  it('caps the data at a few fields, the rest counted', () => {
    const data = Object.fromEntries(Array.from({ length: 11 }, (_, n) => [`k${n}`, n]));
    const pairs = dataPairs(data);
    expect(pairs).toHaveLength(6);
    expect(pairs[5]).toEqual({ key: '…', value: '+6' });
    expect(compactValue(true)).toBe('true');
    expect(compactValue({ ru: 'Советы', en: 'Tips' })).toBe('ru Советы, en Tips');
    expect(compactValue({ a: { b: 1 } })).toBe('{"a":{"b":1}}');
    expect(dataPairs({ after: { key: 'tips', title: { en: 'Tips' } } })).toEqual([
      { key: 'after key', value: 'tips' },
      { key: 'after title', value: 'en Tips' },
    ]);
  });

  it('names customers, links them by id, and shows erased ones as erased', () => {
    const who = new Map<string, AuditCustomer>([
      ['c-1', { id: 'c-1', name: 'Анна', externalId: 'ext-1', erased: false }],
      ['c-2', { id: 'c-2', name: null, externalId: 'ext-2', erased: false }],
      ['c-3', { id: 'c-3', name: null, externalId: 'erased-c-3', erased: true }],
    ]);
    const row = (id: string) => auditRow(item({ customerId: id }), 'en', 'UTC', who).customer;
    expect(row('c-1')).toEqual({ id: 'c-1', label: 'Анна', erased: false });
    expect(row('c-2')).toEqual({ id: 'c-2', label: 'ext-2', erased: false });
    expect(row('c-3')).toEqual({ id: 'c-3', label: 'erased-c-3', erased: true });
    expect(row('0123456789abcdef')).toEqual({
      id: '0123456789abcdef',
      label: '01234567…',
      erased: false,
    });
  });
});

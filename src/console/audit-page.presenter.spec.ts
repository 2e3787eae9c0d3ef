import { auditFormOf, auditLinks, auditQueryOf, auditRow } from './audit-page.presenter';

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

  it('shows a row with its date in UTC and at most 300 characters of its data', () => {
    const row = auditRow(
      {
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
        data: { long: 'y'.repeat(1000) },
      },
      'en',
    );
    expect(row.when).toBe('4 Mar 2026, 05:06 (UTC)');
    expect(row.dataJson).toHaveLength(300);
    expect(row.dataJson.startsWith('{"long":"yyy')).toBe(true);
  });
});

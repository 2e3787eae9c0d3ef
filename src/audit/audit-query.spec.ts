import { isoFromPg, ndjsonLine } from './audit-query.service';

describe('export formatting', () => {
  it.each([
    ['2026-03-03 09:00:00+00', '2026-03-03T09:00:00.000Z'],
    ['2026-03-03 09:00:00.5+00', '2026-03-03T09:00:00.500Z'],
    ['2026-03-03 09:00:00.12+00', '2026-03-03T09:00:00.120Z'],
    ['2026-03-03 09:00:00.123456+00', '2026-03-03T09:00:00.123Z'],
  ])('%s → %s (as Date#toJSON)', (pg, iso) => {
    expect(isoFromPg(pg)).toBe(iso);
    expect(new Date(iso).toJSON()).toBe(iso);
  });

  it('writes an NDJSON line that parses to the API item', () => {
    const line = ndjsonLine([
      '7',
      '2026-03-03T09:00:00.000Z',
      'admin.note',
      null,
      null,
      null,
      null,
      'x"\n\u2028',
      '3',
      '=1',
      '{"a": [1, "b"]}',
    ]);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      id: '7',
      at: '2026-03-03T09:00:00.000Z',
      type: 'admin.note',
      customerId: null,
      campaignId: null,
      deliveryId: null,
      channel: null,
      reason: 'x"\n\u2028',
      policyVersion: 3,
      actor: '=1',
      data: { a: [1, 'b'] },
    });
  });
});

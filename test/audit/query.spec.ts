import { createTestApp, createTopics, TestApp } from '../support/test-app';
import { createCampaign, createCustomer, createDelivery, record } from './fixtures';

/** RFC 4180 parser for the assertions (quoted cells, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

describe('GET /v1/audit and its export', () => {
  let t: TestApp;
  let auditor: string;
  let anna: string;
  let boris: string;
  let campaign: string;
  let delivery: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    auditor = await t.keyFor('auditor');
    await createTopics(t);
    anna = await createCustomer(t, { externalId: 'q-anna' });
    boris = await createCustomer(t, { externalId: 'q-boris', locale: 'en' });
    campaign = await createCampaign(t, { name: 'Spring', topic: 'offers' });
    delivery = await createDelivery(t, { campaignId: campaign, customerId: anna, topic: 'offers' });
    await record(t, [
      {
        type: 'decision.send',
        customerId: anna,
        campaignId: campaign,
        channel: 'email',
        policyVersion: 1,
        actor: 'system',
        at: new Date('2026-03-01T10:00:00Z'),
      },
      {
        type: 'decision.skip',
        customerId: boris,
        campaignId: campaign,
        reason: 'no_consent',
        policyVersion: 1,
        actor: 'system',
        at: new Date('2026-03-01T10:00:01Z'),
      },
      {
        type: 'decision.defer',
        customerId: boris,
        campaignId: campaign,
        channel: 'sms',
        reason: 'quiet_hours',
        policyVersion: 1,
        actor: 'system',
        at: new Date('2026-03-02T10:00:00Z'),
      },
      {
        type: 'delivery.sent',
        customerId: anna,
        campaignId: campaign,
        deliveryId: delivery,
        channel: 'email',
        actor: 'system',
        at: new Date('2026-03-03T09:00:00Z'),
        data: { contentHash: 'abc' },
      },
      {
        type: 'delivery.delivered',
        customerId: anna,
        campaignId: campaign,
        deliveryId: delivery,
        channel: 'email',
        actor: 'system',
        at: new Date('2026-03-03T09:01:00Z'),
      },
    ]);
    // Cells a spreadsheet would run as formulas, and cells that need quoting.
    await t.db.query(
      `INSERT INTO audit_events (at, type, customer_id, campaign_id, delivery_id, channel, reason, policy_version, actor, data)
       VALUES ('2026-04-01T00:00:00Z', 'admin.note', $1, NULL, NULL, '-2+3', '@SUM(A1:A9)', NULL,
               '=HYPERLINK("http://evil.example","x")', '{"note": "line one\\nline \\"two\\", three"}'),
              ('2026-04-01T00:00:01Z', 'admin.note', $1, NULL, NULL, E'\\tcmd', E'\\rcmd', NULL, '+1', '{}')`,
      [boris],
    );
  });
  afterAll(() => t.close());

  const list = (query: string, key = auditor) => t.as(key).get(`/v1/audit${query}`);

  it('filters by customer, campaign, delivery, type (exact, prefix, several) and time', async () => {
    const byCustomer = await list(`?customerId=${boris}`);
    expect(byCustomer.status).toBe(200);
    expect(byCustomer.body.items.map((i: { type: string }) => i.type)).toEqual([
      'customer.created',
      'decision.skip',
      'decision.defer',
      'admin.note',
      'admin.note',
    ]);
    const byCampaign = await list(`?campaignId=${campaign}`);
    expect(byCampaign.body.items).toHaveLength(5);
    const byDelivery = await list(`?deliveryId=${delivery}`);
    expect(byDelivery.body.items.map((i: { type: string }) => i.type)).toEqual([
      'delivery.sent',
      'delivery.delivered',
    ]);
    const decisions = await list(`?type=decision.*&campaignId=${campaign}`);
    expect(decisions.body.items.map((i: { type: string }) => i.type)).toEqual([
      'decision.send',
      'decision.skip',
      'decision.defer',
    ]);
    const several = await list(`?type=decision.skip,delivery.*`);
    expect(several.body.items.map((i: { type: string }) => i.type)).toEqual([
      'decision.skip',
      'delivery.sent',
      'delivery.delivered',
    ]);
    const exact = await list(`?type=delivery.sent`);
    expect(exact.body.items).toHaveLength(1);
    expect(exact.body.items[0]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      at: '2026-03-03T09:00:00.000Z',
      type: 'delivery.sent',
      customerId: anna,
      campaignId: campaign,
      deliveryId: delivery,
      channel: 'email',
      reason: null,
      policyVersion: null,
      actor: 'system',
      data: { contentHash: 'abc' },
    });
    const window = await list(`?from=2026-03-01T10:00:01Z&to=2026-03-03T09:00:00Z`);
    expect(window.body.items.map((i: { type: string }) => i.type)).toEqual([
      'decision.skip',
      'decision.defer',
    ]);
  });

  it('pages with a cursor in stable id order, forwards and backwards', async () => {
    const all = await list(`?limit=1000`);
    const ids = all.body.items.map((i: { id: string }) => i.id);
    expect(ids.length).toBeGreaterThan(7);
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(ids);
    for (const order of ['asc', 'desc']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await list(
          `?limit=3&order=${order}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(3);
        seen.push(...res.body.items.map((i: { id: string }) => i.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(order === 'asc' ? ids : [...ids].reverse());
      expect(pages).toBe(Math.ceil(ids.length / 3));
    }
  });

  it('answers 400 naming the field for bad filters', async () => {
    const cases: [string, string][] = [
      ['?customerId=nope', 'customerId'],
      ['?campaignId=1', 'campaignId'],
      ['?deliveryId=x', 'deliveryId'],
      ['?type=DROP%20TABLE', 'type'],
      ['?type=decision.*.x', 'type'],
      ['?from=yesterday', 'from'],
      ['?to=2026-13-01', 'to'],
      ['?from=2026-05-01T00:00:00Z&to=2026-04-01T00:00:00Z', 'from'],
      ['?cursor=garbage', 'cursor'],
      ['?limit=ten', 'limit'],
      ['?order=sideways', 'order'],
      ['?customer=1', 'customer'],
    ];
    for (const [query, field] of cases) {
      const res = await list(query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body.message.join(' ')).toContain(field);
    }
    const fmt = await t.as(auditor).get('/v1/audit/export?format=xlsx');
    expect(fmt.status).toBe(400);
    expect(fmt.body.message.join(' ')).toContain('format');
  });

  it('exports CSV with proper quoting and formula cells neutralised', async () => {
    const res = await t.as(auditor).get(`/v1/audit/export?format=csv&customerId=${boris}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="audit-.*\.csv"/);
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual([
      'id',
      'at',
      'type',
      'customer_id',
      'campaign_id',
      'delivery_id',
      'channel',
      'reason',
      'policy_version',
      'actor',
      'data',
    ]);
    // The header, customer.created, two decisions and two notes.
    expect(rows).toHaveLength(6);
    const [note, note2] = rows.slice(4);
    expect(note[1]).toBe('2026-04-01T00:00:00.000Z');
    expect(note[6]).toBe("'-2+3");
    expect(note[7]).toBe("'@SUM(A1:A9)");
    expect(note[9]).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(JSON.parse(note[10])).toEqual({ note: 'line one\nline "two", three' });
    expect(note2[6]).toBe("'\tcmd");
    expect(note2[7]).toBe("'\rcmd");
    expect(note2[9]).toBe("'+1");
    // No cell of the file starts with a formula character.
    for (const r of rows) for (const c of r) expect(c).not.toMatch(/^[=+\-@\t\r]/);
    // Raw bytes: the formula cell is quoted as a whole, quotes doubled.
    expect(res.text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
  });

  it('exports NDJSON items shaped like the API, with the same filters', async () => {
    const res = await t
      .as(auditor)
      .get(`/v1/audit/export?format=ndjson&campaignId=${campaign}&type=decision.*`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = res.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const api = await list(`?campaignId=${campaign}&type=decision.*`);
    expect(lines).toEqual(api.body.items);
    expect(lines).toHaveLength(3);
  });

  it('lets the auditor read and nobody else but admin; marketers read campaign reports only', async () => {
    const marketer = await t.keyFor('marketer');
    const integration = await t.keyFor('integration');
    expect((await list('', marketer)).status).toBe(403);
    expect((await list('', integration)).status).toBe(403);
    expect((await t.as(marketer).get('/v1/audit/export')).status).toBe(403);
    expect((await t.admin.get('/v1/audit')).status).toBe(200);
    expect((await t.http.get('/v1/audit')).status).toBe(401);
    expect((await t.as(marketer).get(`/v1/campaigns/${campaign}/report`)).status).toBe(200);
  });
});

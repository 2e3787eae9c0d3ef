import { AudiencesService } from '../../src/audiences';
import type { Clock } from '../../src/common/clock';
import { lifecycleStage } from '../../src/customers/lifecycle';
import { marketingConsentProblem } from '../../src/policy/engine/consent';
import type { ConsentEntry } from '../../src/policy/engine';
import { createTestApp, createTopics, TestApp } from '../support/test-app';

const DAY = 86_400_000;
// A frozen clock: the lifecycle boundaries (exactly 90 and 180 days) must not move mid-test.
// Consent changes step it forward a second each, so that their order is their time.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
let current = NOW;
const clock: Clock = { now: () => current };
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY).toISOString();

const evidence = { ip: '203.0.113.7', userAgent: 'test', wording: 'Да', wordingVersion: 'v1' };
const EVIL_CITY = "O'Brien'; DROP TABLE customers; --";

describe('audiences', () => {
  let t: TestApp;
  let marketer: string;
  let auditor: string;
  let integration: string;
  let service: AudiencesService;
  /** externalId → id */
  const ids: Record<string, string> = {};
  const externalOf = (id: string) => Object.keys(ids).find((k) => ids[k] === id);

  const customer = async (body: Record<string, unknown>) => {
    const res = await t.admin.post('/v1/customers').send({ kind: 'consumer', ...body });
    if (res.status !== 201) throw new Error(`customer: ${JSON.stringify(res.body)}`);
    ids[body.externalId as string] = res.body.id;
    return res.body.id as string;
  };
  const event = async (body: Record<string, unknown>) => {
    const res = await t.as(integration).post('/v1/events').send(body);
    if (res.status !== 201) throw new Error(`event: ${JSON.stringify(res.body)}`);
  };
  const purchase = (externalId: string, days: number) =>
    event({
      type: 'purchase',
      externalId,
      amount: 100,
      currency: 'RUB',
      occurredAt: daysAgo(days),
    });
  const consent = async (
    externalId: string,
    channel: string,
    topic: string,
    action: 'grant' | 'withdraw',
    confirmed = true,
  ) => {
    current = new Date(current.getTime() + 1000);
    const res = await t
      .as(integration)
      .post(`/v1/customers/${ids[externalId]}/consents`)
      .send({
        channel,
        topic,
        action,
        source: 'web-form',
        evidence,
        ...(action === 'grant' ? { confirmed } : {}),
      });
    if (res.status !== 201) throw new Error(`consent: ${JSON.stringify(res.body)}`);
  };

  const countHttp = (audience: unknown, key = marketer) =>
    t.as(key).post('/v1/audiences/count').send({ audience });
  /** Everyone the filter selects, by externalId, through both count (HTTP) and page (service). */
  const members = async (audience: unknown): Promise<string[]> => {
    const res = await countHttp(audience);
    expect(res.status).toBe(200);
    const all: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await service.page(audience, after, 3);
      if (page.length === 0) break;
      all.push(...page);
      after = page[page.length - 1];
    }
    expect(res.body).toEqual({ count: all.length });
    return all.map((id) => externalOf(id) ?? id).sort();
  };
  const cond = (field: string, op: string, value: unknown) => ({ field, op, value });

  beforeAll(async () => {
    t = await createTestApp({ clock });
    [marketer, auditor, integration] = await Promise.all([
      t.keyFor('marketer'),
      t.keyFor('auditor'),
      t.keyFor('integration'),
    ]);
    service = t.app.get(AudiencesService);
    await createTopics(t);

    await customer({
      externalId: 'a1',
      locale: 'ru',
      timezone: 'Europe/Moscow',
      email: 'a1@example.ru',
      phone: '+79161230001',
      attributes: { city: 'Казань', score: 5, vip: true, address: { zip: '420000' } },
    });
    await purchase('a1', 10);
    await purchase('a1', 5);
    await event({ type: 'satisfaction', externalId: 'a1', score: 5, occurredAt: daysAgo(4) });
    await consent('a1', 'email', '*', 'grant');

    await customer({
      externalId: 'a2',
      locale: 'en',
      email: 'a2@example.com',
      attributes: { city: 'Москва', score: 2.5, since: '2024-03-01' },
    });
    await purchase('a2', 100);
    await event({ type: 'satisfaction', externalId: 'a2', score: 2, occurredAt: daysAgo(99) });
    await consent('a2', 'email', 'tips', 'grant');
    await consent('a2', 'email', 'tips', 'withdraw');

    await customer({
      externalId: 'a3',
      kind: 'business',
      company: 'ООО Ромашка',
      phone: '+79161230003',
      attributes: { city: EVIL_CITY, score: '10', since: '2025-07-15' },
    });
    await purchase('a3', 180); // exactly the lapse threshold: lapsed
    await consent('a3', 'sms', 'tips', 'grant');

    await customer({ externalId: 'a4', locale: 'en', attributes: {} });

    await customer({
      externalId: 'a5',
      kind: 'business',
      company: '100% Cotton_Ltd',
      email: 'a5@example.com',
      attributes: { city: 'Kazan', score: 4 },
    });
    await purchase('a5', 1);
    await consent('a5', 'email', '*', 'grant');
    await consent('a5', 'email', 'tips', 'withdraw'); // later than '*': tips off, offers on

    await customer({ externalId: 'a6', email: 'a6@example.com', attributes: { vip: false } });
    await purchase('a6', 90); // exactly the lapsing threshold
    await consent('a6', 'email', 'tips', 'withdraw');
    await consent('a6', 'email', '*', 'grant'); // a later '*' grant re-opens tips

    // Matches almost everything, but erased customers are never in an audience.
    await customer({
      externalId: 'gone',
      email: 'gone@example.com',
      attributes: { city: 'Казань' },
    });
    await purchase('gone', 3);
    await consent('gone', 'email', '*', 'grant');
    expect((await t.admin.delete(`/v1/customers/${ids.gone}`)).status).toBeLessThan(300);
    current = NOW;
  });
  afterAll(() => t.close());

  const LIVE = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];

  it('everyone: {} and { all: [] } count every customer but the erased one', async () => {
    expect(await members({})).toEqual(LIVE);
    expect(await members({ all: [] })).toEqual(LIVE);
    expect(await members({ any: [] })).toEqual([]);
  });

  it.each<[string, unknown, string[]]>([
    ['kind eq', cond('kind', 'eq', 'business'), ['a3', 'a5']],
    ['kind ne', cond('kind', 'ne', 'business'), ['a1', 'a2', 'a4', 'a6']],
    ['kind in', cond('kind', 'in', ['consumer', 'business']), LIVE],
    ['kind nin', cond('kind', 'nin', ['consumer']), ['a3', 'a5']],
    ['locale eq', cond('locale', 'eq', 'ru'), ['a1']],
    ['locale in', cond('locale', 'in', ['ru', 'de']), ['a1']],
    ['timezone eq', cond('timezone', 'eq', 'Europe/Moscow'), ['a1']],
    ['company contains (case-insensitive)', cond('company', 'contains', 'ромаш'), ['a3']],
    ['company contains a literal %', cond('company', 'contains', '0% C'), ['a5']],
    ['company contains a literal _', cond('company', 'contains', 'n_L'), ['a5']],
    ['company contains only wildcards', cond('company', 'contains', '%'), ['a5']],
    ['company exists', cond('company', 'exists', true), ['a3', 'a5']],
    [
      'company ne includes customers without one',
      cond('company', 'ne', 'ООО Ромашка'),
      ['a1', 'a2', 'a4', 'a5', 'a6'],
    ],
    ['externalId eq', cond('externalId', 'eq', 'a4'), ['a4']],
    ['externalId nin', cond('externalId', 'nin', ['a1', 'a2', 'a3']), ['a4', 'a5', 'a6']],
    ['email exists', cond('email', 'exists', true), ['a1', 'a2', 'a5', 'a6']],
    ['email exists false', cond('email', 'exists', false), ['a3', 'a4']],
    ['phone exists', cond('phone', 'exists', true), ['a1', 'a3']],
    ['hasEmail eq false', cond('hasEmail', 'eq', false), ['a3', 'a4']],
    ['hasPhone eq true', cond('hasPhone', 'eq', true), ['a1', 'a3']],
    ['hasPhone ne true', cond('hasPhone', 'ne', true), ['a2', 'a4', 'a5', 'a6']],
    ['createdAt withinDays', cond('createdAt', 'withinDays', 1), LIVE],
    ['createdAt olderThanDays', cond('createdAt', 'olderThanDays', 1), []],
    ['lastPurchaseAt withinDays 7', cond('lastPurchaseAt', 'withinDays', 7), ['a1', 'a5']],
    ['lastPurchaseAt olderThanDays 90', cond('lastPurchaseAt', 'olderThanDays', 90), ['a2', 'a3']],
    ['lastPurchaseAt exists false', cond('lastPurchaseAt', 'exists', false), ['a4']],
    ['lastPurchaseAt gte a date', cond('lastPurchaseAt', 'gte', daysAgo(90)), ['a1', 'a5', 'a6']],
    ['lastPurchaseAt gt a date', cond('lastPurchaseAt', 'gt', daysAgo(90)), ['a1', 'a5']],
    ['lastPurchaseAt lt a date', cond('lastPurchaseAt', 'lt', daysAgo(100)), ['a3']],
    ['lastPurchaseAt lte a date', cond('lastPurchaseAt', 'lte', daysAgo(100)), ['a2', 'a3']],
    ['firstPurchaseAt lte', cond('firstPurchaseAt', 'lte', daysAgo(10)), ['a1', 'a2', 'a3', 'a6']],
    ['purchaseCount eq 0', cond('purchaseCount', 'eq', 0), ['a4']],
    ['purchaseCount gt 1', cond('purchaseCount', 'gt', 1), ['a1']],
    ['purchaseCount in', cond('purchaseCount', 'in', [0, 2]), ['a1', 'a4']],
    ['purchaseCount lte 1', cond('purchaseCount', 'lte', 1), ['a2', 'a3', 'a4', 'a5', 'a6']],
    ['satisfaction gte 4', cond('satisfaction', 'gte', 4), ['a1']],
    ['satisfaction lt 4', cond('satisfaction', 'lt', 4), ['a2']],
    ['satisfaction exists false', cond('satisfaction', 'exists', false), ['a3', 'a4', 'a5', 'a6']],
    [
      'satisfaction ne 5 includes the unscored',
      cond('satisfaction', 'ne', 5),
      ['a2', 'a3', 'a4', 'a5', 'a6'],
    ],
    ['lastSatisfactionAt withinDays', cond('lastSatisfactionAt', 'withinDays', 30), ['a1']],
    ['lifecycleStage prospect', cond('lifecycleStage', 'eq', 'prospect'), ['a4']],
    ['lifecycleStage new', cond('lifecycleStage', 'eq', 'new'), ['a5']],
    ['lifecycleStage active', cond('lifecycleStage', 'eq', 'active'), ['a1']],
    ['lifecycleStage lapsing', cond('lifecycleStage', 'eq', 'lapsing'), ['a2', 'a6']],
    ['lifecycleStage lapsed', cond('lifecycleStage', 'eq', 'lapsed'), ['a3']],
    ['lifecycleStage in', cond('lifecycleStage', 'in', ['new', 'active']), ['a1', 'a5']],
    [
      'lifecycleStage nin',
      cond('lifecycleStage', 'nin', ['prospect', 'lapsed']),
      ['a1', 'a2', 'a5', 'a6'],
    ],
    ['subscribedTo tips', cond('subscribedTo', 'eq', 'tips'), ['a1', 'a3', 'a6']],
    ['subscribedTo offers', cond('subscribedTo', 'eq', 'offers'), ['a1', 'a5', 'a6']],
    ['subscribedTo ne tips', cond('subscribedTo', 'ne', 'tips'), ['a2', 'a4', 'a5']],
    ['subscribedTo in', cond('subscribedTo', 'in', ['tips', 'offers']), ['a1', 'a3', 'a5', 'a6']],
    ['subscribedTo nin', cond('subscribedTo', 'nin', ['tips', 'offers']), ['a2', 'a4']],
    ['subscribedTo.sms tips', cond('subscribedTo.sms', 'eq', 'tips'), ['a3']],
    ['subscribedTo.email tips', cond('subscribedTo.email', 'eq', 'tips'), ['a1', 'a6']],
    ['attributes eq text', cond('attributes.city', 'eq', 'Казань'), ['a1']],
    ['attributes eq: text never matches a number', cond('attributes.score', 'eq', '5'), []],
    ['attributes eq number', cond('attributes.score', 'eq', 5), ['a1']],
    ['attributes eq number 2.50', cond('attributes.score', 'eq', 2.5), ['a2']],
    ['attributes eq boolean', cond('attributes.vip', 'eq', true), ['a1']],
    ['attributes ne boolean', cond('attributes.vip', 'ne', true), ['a2', 'a3', 'a4', 'a5', 'a6']],
    ['attributes nested', cond('attributes.address.zip', 'eq', '420000'), ['a1']],
    ['attributes in text', cond('attributes.city', 'in', ['Москва', 'Kazan']), ['a2', 'a5']],
    ['attributes in number', cond('attributes.score', 'in', [4, 5]), ['a1', 'a5']],
    [
      'attributes nin',
      cond('attributes.city', 'nin', ['Москва', 'Kazan']),
      ['a1', 'a3', 'a4', 'a6'],
    ],
    [
      'attributes gt number (the string "10" is not a number)',
      cond('attributes.score', 'gt', 3),
      ['a1', 'a5'],
    ],
    ['attributes lte number', cond('attributes.score', 'lte', 4), ['a2', 'a5']],
    ['attributes gte ISO text', cond('attributes.since', 'gte', '2025-01-01'), ['a3']],
    ['attributes lt text', cond('attributes.since', 'lt', '2025-01-01'), ['a2']],
    ['attributes contains', cond('attributes.city', 'contains', 'kaz'), ['a5']],
    ['attributes exists', cond('attributes.vip', 'exists', true), ['a1', 'a6']],
    ['attributes exists false', cond('attributes.city', 'exists', false), ['a4', 'a6']],
    ['attributes missing key', cond('attributes.nope.deeper', 'eq', 'x'), []],
  ])('%s', async (_name, filter, expected) => {
    expect(await members(filter)).toEqual(expected);
  });

  it('nesting: all / any / not combine, and not is the exact complement', async () => {
    const consumersOrKazan = {
      any: [cond('kind', 'eq', 'consumer'), cond('attributes.city', 'eq', 'Kazan')],
    };
    expect(await members(consumersOrKazan)).toEqual(['a1', 'a2', 'a4', 'a5', 'a6']);
    expect(await members({ not: consumersOrKazan })).toEqual(['a3']);
    expect(
      await members({
        all: [
          { not: cond('lifecycleStage', 'eq', 'prospect') },
          { any: [cond('subscribedTo', 'eq', 'tips'), cond('satisfaction', 'gte', 2)] },
          { not: { all: [cond('kind', 'eq', 'business'), cond('phone', 'exists', false)] } },
        ],
      }),
    ).toEqual(['a1', 'a2', 'a3', 'a6']);
    // Without the value, a comparison is false and its negation true (never NULL).
    expect(await members({ not: cond('attributes.score', 'gt', 3) })).toEqual([
      'a2',
      'a3',
      'a4',
      'a6',
    ]);
  });

  it('the lifecycle stage in SQL is the stage the customer API shows', async () => {
    for (const externalId of LIVE) {
      const c = (await t.admin.get(`/v1/customers/${ids[externalId]}`)).body;
      expect(
        lifecycleStage(
          {
            purchaseCount: c.lifecycle.purchaseCount,
            lastPurchaseAt: c.lifecycle.lastPurchaseAt
              ? new Date(c.lifecycle.lastPurchaseAt)
              : null,
          },
          NOW,
        ),
      ).toBe(c.lifecycleStage);
      expect(await members(cond('lifecycleStage', 'eq', c.lifecycleStage))).toContain(externalId);
    }
  });

  it('subscribedTo agrees with the policy engine on every customer and channel', async () => {
    const rows: {
      customer_id: string;
      channel: string;
      topic: string;
      status: string;
      since: Date;
    }[] = await t.db.query(
      'SELECT customer_id, channel, topic, status, since FROM consent_state ORDER BY since',
    );
    for (const topic of ['tips', 'offers']) {
      for (const channel of ['email', 'sms'] as const) {
        const expected = LIVE.filter((x) => {
          const entries = rows
            .filter((r) => r.customer_id === ids[x])
            .map(
              ({ channel, topic, status, since }) =>
                ({ channel, topic, status, since }) as ConsentEntry,
            );
          return marketingConsentProblem({ entries }, channel, topic) === null;
        });
        expect(await members(cond(`subscribedTo.${channel}`, 'eq', topic))).toEqual(expected);
      }
    }
  });

  describe('paging', () => {
    it('walks every matching id once, in ascending order, after the given id', async () => {
      const all = await service.page({}, null, 100);
      expect(all).toEqual([...all].sort());
      expect(all.map(externalOf).sort()).toEqual(LIVE);
      expect(all).not.toContain(ids.gone);
      const [first, second, ...rest] = all;
      expect(await service.page({}, null, 2)).toEqual([first, second]);
      expect(await service.page({}, second, 100)).toEqual(rest);
      expect(await service.page({}, all[all.length - 1], 10)).toEqual([]);
    });

    it('pages a filter inside the caller’s transaction', async () => {
      const ids2 = await t.db.transaction((m) =>
        service.page(cond('kind', 'eq', 'business'), null, 10, m),
      );
      expect(ids2.map(externalOf).sort()).toEqual(['a3', 'a5']);
      expect(await t.db.transaction((m) => service.count(cond('kind', 'eq', 'business'), m))).toBe(
        2,
      );
    });

    it('validate() names unknown topics; count and page do not refuse them (a * consent covers any key)', async () => {
      const filter = { all: [cond('subscribedTo.email', 'in', ['offers', 'nothing'])] };
      expect(await service.validate(filter)).toEqual([
        'audience.all[0].value[1]: unknown topic "nothing"',
      ]);
      expect(await service.validate(cond('subscribedTo', 'eq', 'tips'))).toEqual([]);
      expect(await service.validate(cond('foo', 'eq', 1))).toEqual([
        'audience.field: unknown field "foo"',
      ]);
      const nothing = cond('subscribedTo', 'eq', 'nothing');
      expect(await service.count(nothing)).toBe(3);
      expect((await service.page(nothing, null, 10)).map(externalOf).sort()).toEqual([
        'a1',
        'a5',
        'a6',
      ]);
    });

    it('refuses a bad cursor, limit or filter', async () => {
      // A DomainError of kind invalid: the HTTP edge answers it 400 (common/http-status-of.ts).
      await expect(service.page({}, "x' OR 1=1 --", 10)).rejects.toMatchObject({ kind: 'invalid' });
      await expect(service.page({}, null, 0)).rejects.toMatchObject({ kind: 'invalid' });
      await expect(service.page({}, null, 100_001)).rejects.toMatchObject({ kind: 'invalid' });
      await expect(service.page(cond('foo', 'eq', 1), null, 10)).rejects.toMatchObject({
        kind: 'invalid',
        messages: ['audience.field: unknown field "foo"'],
      });
    });
  });

  describe('POST /v1/audiences/count', () => {
    it('answers marketers and auditors (read-only), not integrations', async () => {
      expect((await countHttp({}, auditor)).body).toEqual({ count: 6 });
      expect((await t.admin.post('/v1/audiences/count').send({ audience: {} })).body).toEqual({
        count: 6,
      });
      expect((await countHttp({}, integration)).status).toBe(403);
      expect((await t.http.post('/v1/audiences/count').send({ audience: {} })).status).toBe(401);
    });

    it.each<[string, unknown, string]>([
      ['missing audience', undefined, 'audience must be an object'],
      ['array audience', [], 'audience must be an object'],
      [
        'unknown field',
        { all: [cond('kind', 'eq', 'consumer'), cond('foo', 'eq', 1)] },
        'audience.all[1].field: unknown field "foo"',
      ],
      [
        'unknown operator',
        { any: [cond('kind', 'like', 'x')] },
        'audience.any[0].op: unknown operator "like"',
      ],
      [
        'enum value',
        cond('lifecycleStage', 'eq', 'gone'),
        'audience.value: must be one of prospect, new, active, lapsing, lapsed',
      ],
      [
        'date type',
        cond('lastPurchaseAt', 'gt', 123),
        'audience.value: must be an ISO 8601 date such as 2026-01-31 or 2026-01-31T10:00:00Z',
      ],
      ['number type', cond('purchaseCount', 'gte', '2'), 'audience.value: must be a number'],
      ['empty in', cond('locale', 'in', []), 'audience.value: must be a non-empty array'],
      [
        'op not for the field',
        cond('satisfaction', 'contains', '5'),
        'audience.op: operator "contains" is not allowed for field "satisfaction" (allowed: eq, ne, in, nin, gt, gte, lt, lte, exists)',
      ],
      [
        'NUL in a value',
        cond('company', 'eq', 'a\u0000b'),
        // Refused for every route before validation (common/storable-text.ts).
        'audience.value must not contain NUL characters',
      ],
      [
        'unpaired surrogate in an attribute value',
        cond('attributes.city', 'eq', 'x\ud800'),
        'audience.value must not contain unpaired surrogates',
      ],
      ['extra body field', null, 'property extra should not exist'],
    ])('400 naming the field: %s', async (_name, audience, message) => {
      const body = audience === null ? { audience: {}, extra: 1 } : { audience };
      const res = await t.as(marketer).post('/v1/audiences/count').send(body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toContain(message);
    });

    it('400 for nesting that is too deep and for too many conditions', async () => {
      let deep: unknown = cond('kind', 'eq', 'consumer');
      for (let i = 0; i < 9; i++) deep = { not: deep };
      const res = await countHttp(deep);
      expect(res.status).toBe(400);
      expect(res.body.message[0]).toMatch(/nested deeper than 8 levels$/);
      const wide = { any: Array.from({ length: 201 }, () => cond('kind', 'eq', 'consumer')) };
      expect((await countHttp(wide)).body.message).toEqual(['audience: more than 200 conditions']);
    });
  });

  describe('SQL injection attempts', () => {
    /** Every table of the schema and its row count, plus the customers themselves. */
    const snapshot = async () => {
      const tables: { name: string }[] = await t.db.query(
        `SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = 'public' ORDER BY table_name`,
      );
      const counts: Record<string, number> = {};
      for (const { name } of tables) {
        const [{ n }] = await t.db.query(
          `SELECT count(*)::int AS n FROM "${name.replace(/"/g, '""')}"`,
        );
        counts[name] = n;
      }
      const customers = await t.db.query('SELECT * FROM customers ORDER BY id');
      return { counts, customers };
    };
    let before: Awaited<ReturnType<typeof snapshot>>;
    beforeAll(async () => {
      before = await snapshot();
      expect(Object.keys(before.counts)).toEqual(
        expect.arrayContaining(['customers', 'consent_state', 'audit_events']),
      );
    });

    const payloads = [
      "' OR '1'='1",
      "x'; DROP TABLE customers; --",
      "x'); DELETE FROM customers; --",
      '1; UPDATE customers SET kind = NULL',
      'x /* comment */ OR 1=1',
      "x' -- ",
      "\\'; DROP TABLE consent_state; --",
      '$1; DROP TABLE customers',
      '%',
      'ʼ OR ʼ1ʼ=ʼ1', // U+02BC modifier letter apostrophe
      '＇ OR ＇1＇=＇1＇ －－', // fullwidth apostrophe and hyphen
      'x\u2019; DROP TABLE customers; --', // right single quotation mark
      '"; DROP TABLE "customers',
    ];

    it.each(payloads)('in values, lists and patterns: a correct empty result for %s', async (p) => {
      const filter = {
        any: [
          cond('externalId', 'eq', p),
          cond('locale', 'in', [p, 'zz']),
          cond('timezone', 'contains', p),
          cond('attributes.city', 'eq', p),
          cond('attributes.city', 'in', [p]),
          cond('attributes.nothing', 'contains', p),
        ],
      };
      const res = await countHttp(filter);
      // 'timezone contains "%"' would be the only way to match; the % is literal.
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ count: 0 });
      // ne is the complement: everyone.
      expect((await countHttp({ not: filter })).body).toEqual({ count: LIVE.length });
    });

    it('a stored value that looks like SQL is matched as plain data', async () => {
      expect(await members(cond('attributes.city', 'eq', EVIL_CITY))).toEqual(['a3']);
      expect(await members(cond('attributes.city', 'contains', "'; DROP"))).toEqual(['a3']);
    });

    it.each(payloads)('in subscribedTo and enum values: 400 for %s', async (p) => {
      for (const filter of [
        cond('subscribedTo', 'eq', p),
        cond('kind', 'in', ['consumer', p]),
        cond('lifecycleStage', 'eq', p),
        cond('purchaseCount', 'gt', p),
        cond('createdAt', 'gt', p),
        cond('lastPurchaseAt', 'withinDays', p),
      ]) {
        const res = await countHttp(filter);
        expect(res.status).toBe(400);
        expect(res.body.message[0]).toMatch(/^audience\.value: /);
      }
    });

    it.each([
      "kind'; DROP TABLE customers; --",
      'kind--',
      'kind /* */',
      'kind;',
      'c.kind',
      'kind) OR (1=1',
      '(SELECT 1)',
      'ｋｉｎｄ', // fullwidth
      'kіnd', // Cyrillic і
      "attributes.city'; DROP TABLE customers; --",
      'attributes.city--x/*',
      'attributes.city;',
      'attributes.ci"ty',
      'attributes.{city}',
      'attributes.city,score',
      'subscribedTo.email; DROP TABLE consent_state',
      '__proto__',
    ])('in field names: 400 naming the field for %s', async (field) => {
      const res = await countHttp({ all: [cond(field, 'eq', 'x')] });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual([
        `audience.all[0].field: unknown field ${JSON.stringify(field)}`,
      ]);
    });

    it('attribute keys with dashes or other scripts are parameters, not SQL', async () => {
      expect(await members(cond('attributes.city--', 'exists', true))).toEqual([]);
      expect(await members(cond('attributes.город', 'exists', true))).toEqual([]);
    });

    it.each(["eq' OR 1=1 --", 'eq;', 'eq/**/', '= ANY', 'ｅｑ', 'DROP TABLE customers'])(
      'in operators: 400 naming the operator for %s',
      async (op) => {
        const res = await countHttp(cond('kind', op, 'consumer'));
        expect(res.status).toBe(400);
        expect(res.body.message).toEqual([`audience.op: unknown operator ${JSON.stringify(op)}`]);
      },
    );

    it('in structure keys: 400', async () => {
      const res = await countHttp({ "all'; DROP TABLE customers; --": [] });
      expect(res.status).toBe(400);
      expect(res.body.message[0]).toMatch(/^audience: unknown key /);
    });

    // Runs last in this block: after every attempt above, nothing in the database changed.
    it('leaves every table and every customer row unchanged', async () => {
      expect(await snapshot()).toEqual(before);
    });
  });

  it('a topic withdrawal at the same instant as a * grant wins (as in the policy engine)', async () => {
    await customer({ externalId: 'tie', email: 'tie@example.com' });
    current = new Date(NOW.getTime() + 3_600_000);
    await consent('tie', 'email', '*', 'grant');
    current = new Date(current.getTime() - 1000); // the helper steps once: same instant again
    await consent('tie', 'email', 'tips', 'withdraw');
    const [a, b] = await t.db.query(
      'SELECT topic, since FROM consent_state WHERE customer_id = $1 ORDER BY topic',
      [ids.tie],
    );
    expect(a.since).toEqual(b.since);
    const tie = cond('externalId', 'eq', 'tie');
    expect(await members({ all: [tie, cond('subscribedTo', 'eq', 'tips')] })).toEqual([]);
    expect(await members({ all: [tie, cond('subscribedTo', 'eq', 'offers')] })).toEqual(['tie']);
  });
});

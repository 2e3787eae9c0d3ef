import { Client } from 'pg';
import { plainArray, textArray } from '../../src/database/pg-array';
import {
  INSERT_EVENTS_AND_FACTS,
  insertEventsAndFacts,
  type EventRow,
} from '../../src/events/events.repository';
import { createTestApp, TestApp } from '../support/test-app';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

describe('events', () => {
  let t: TestApp;
  let integration: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    integration = await t.keyFor('integration');
    for (const externalId of ['ev-1', 'ev-2', 'ev-3', 'ev-4', 'ev-5']) {
      const res = await t.admin.post('/v1/customers').send({ externalId, kind: 'consumer' });
      ids[externalId] = res.body.id;
    }
  });
  afterAll(() => t.close());

  const customer = async (id: string) => (await t.admin.get(`/v1/customers/${id}`)).body;
  const send = (body: unknown) =>
    t
      .as(integration)
      .post('/v1/events')
      .send(body as object);
  const tables = async () => ({
    events: await t.db.query('SELECT * FROM customer_events ORDER BY id'),
    customers: await t.db.query('SELECT * FROM customers ORDER BY id'),
  });

  /** A refused request: 400, the message names the field, and nothing was written. */
  const refused = async (body: unknown, message: RegExp) => {
    const before = await tables();
    const res = await send(body);
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    expect(await tables()).toEqual(before);
  };

  describe('purchase', () => {
    it('by externalId: first purchase makes the customer new', async () => {
      const at = daysAgo(10);
      const res = await send({
        type: 'purchase',
        externalId: 'ev-1',
        amount: 4990,
        currency: 'RUB',
        occurredAt: at,
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        accepted: 1,
        recorded: 1,
        duplicates: 0,
        items: [
          {
            id: expect.any(String),
            customerId: ids['ev-1'],
            type: 'purchase',
            occurredAt: at,
            eventId: null,
            duplicate: false,
          },
        ],
      });
      const c = await customer(ids['ev-1']);
      expect(c.lifecycleStage).toBe('new');
      expect(c.lifecycle).toMatchObject({
        purchaseCount: 1,
        firstPurchaseAt: at,
        lastPurchaseAt: at,
      });
      const [row] = await t.db.query(
        'SELECT type, data FROM customer_events WHERE customer_id = $1',
        [ids['ev-1']],
      );
      expect(row).toEqual({ type: 'purchase', data: { amount: 4990, currency: 'RUB' } });
    });

    it('by customerId: a second purchase makes it active; first and last purchase are kept apart', async () => {
      const res = await send({
        type: 'purchase',
        customerId: ids['ev-1'],
        amount: 100,
        currency: 'RUB',
      });
      expect(res.status).toBe(201);
      const c = await customer(ids['ev-1']);
      expect(c.lifecycleStage).toBe('active');
      expect(c.lifecycle.purchaseCount).toBe(2);
      expect(new Date(c.lifecycle.firstPurchaseAt).getTime()).toBeLessThan(
        new Date(c.lifecycle.lastPurchaseAt).getTime(),
      );
      expect(Date.now() - new Date(c.lifecycle.lastPurchaseAt).getTime()).toBeLessThan(60_000);
    });

    it('an older purchase arriving late moves firstPurchaseAt back but not lastPurchaseAt', async () => {
      const before = await customer(ids['ev-1']);
      const older = daysAgo(30);
      expect(
        (
          await send({
            type: 'purchase',
            externalId: 'ev-1',
            amount: 1,
            currency: 'EUR',
            occurredAt: older,
          })
        ).status,
      ).toBe(201);
      const c = await customer(ids['ev-1']);
      expect(c.lifecycle).toMatchObject({
        purchaseCount: 3,
        firstPurchaseAt: older,
        lastPurchaseAt: before.lifecycle.lastPurchaseAt,
      });
    });

    it('one purchase 200 days ago only: lapsed; 100 days ago: lapsing', async () => {
      await send({
        type: 'purchase',
        externalId: 'ev-2',
        amount: 10,
        currency: 'RUB',
        occurredAt: daysAgo(200),
      });
      expect((await customer(ids['ev-2'])).lifecycleStage).toBe('lapsed');
      await send({
        type: 'purchase',
        externalId: 'ev-2',
        amount: 10,
        currency: 'RUB',
        occurredAt: daysAgo(100),
      });
      expect((await customer(ids['ev-2'])).lifecycleStage).toBe('lapsing');
    });

    it('needs amount and currency', async () => {
      await refused(
        { type: 'purchase', externalId: 'ev-3', currency: 'RUB' },
        /^amount must be a number$/,
      );
      await refused(
        { type: 'purchase', externalId: 'ev-3', amount: 10, currency: 'rub' },
        /^currency must be an ISO 4217 code/,
      );
      await refused(
        { type: 'purchase', externalId: 'ev-3', amount: -1, currency: 'RUB' },
        /^amount must not be less than 0$/,
      );
    });
  });

  describe('satisfaction', () => {
    it('stores the score; an older one arriving late does not overwrite a newer one', async () => {
      const newer = daysAgo(1);
      expect(
        (await send({ type: 'satisfaction', externalId: 'ev-3', score: 5, occurredAt: newer }))
          .status,
      ).toBe(201);
      expect((await customer(ids['ev-3'])).lifecycle).toMatchObject({
        lastSatisfactionScore: 5,
        lastSatisfactionAt: newer,
      });
      expect(
        (await send({ type: 'satisfaction', externalId: 'ev-3', score: 1, occurredAt: daysAgo(5) }))
          .status,
      ).toBe(201);
      expect((await customer(ids['ev-3'])).lifecycle).toMatchObject({
        lastSatisfactionScore: 5,
        lastSatisfactionAt: newer,
      });
      const latest = new Date().toISOString();
      expect(
        (await send({ type: 'satisfaction', externalId: 'ev-3', score: 2, occurredAt: latest }))
          .status,
      ).toBe(201);
      expect((await customer(ids['ev-3'])).lifecycle).toMatchObject({
        lastSatisfactionScore: 2,
        lastSatisfactionAt: latest,
      });
      const stored = await t.db.query(
        `SELECT data FROM customer_events WHERE type = 'satisfaction' ORDER BY id`,
      );
      expect(stored.map((r: { data: { score: number } }) => r.data.score)).toEqual([5, 1, 2]);
    });

    it.each([6, 0, 3.5, '4'])('refuses score %p', (score) =>
      refused(
        { type: 'satisfaction', externalId: 'ev-3', score },
        /^score must be a whole number from 1 to 5$/,
      ),
    );

    it('refuses a satisfaction without a score', () =>
      refused(
        { type: 'satisfaction', externalId: 'ev-3' },
        /^score must be a whole number from 1 to 5$/,
      ));
  });

  describe('engagement, review, complaint', () => {
    it('records a click, a review and a complaint on the customer', async () => {
      const res = await send([
        { type: 'engagement', externalId: 'ev-4', action: 'click' },
        { type: 'review_posted', externalId: 'ev-4' },
        { type: 'complaint', customerId: ids['ev-4'], data: { orderId: 'A-17' } },
      ]);
      expect(res.status).toBe(201);
      expect(res.body.accepted).toBe(3);
      const c = await customer(ids['ev-4']);
      for (const field of ['lastEngagementAt', 'lastReviewAt', 'lastComplaintAt']) {
        expect(Date.now() - new Date(c.lifecycle[field]).getTime()).toBeLessThan(60_000);
      }
      expect(c.lifecycleStage).toBe('prospect');
      const rows = await t.db.query(
        'SELECT type, data FROM customer_events WHERE customer_id = $1 ORDER BY id',
        [ids['ev-4']],
      );
      expect(rows).toEqual([
        { type: 'engagement', data: { action: 'click' } },
        { type: 'review_posted', data: {} },
        { type: 'complaint', data: { orderId: 'A-17' } },
      ]);
    });

    it('refuses an engagement without a valid action', () =>
      refused(
        { type: 'engagement', externalId: 'ev-4', action: 'open' },
        /^action must be click or reply$/,
      ));
  });

  describe('batches and refusals', () => {
    it('is all or nothing: one invalid item refuses the whole array, naming its index', async () => {
      await refused(
        [
          { type: 'purchase', externalId: 'ev-5', amount: 1, currency: 'RUB' },
          { type: 'satisfaction', externalId: 'ev-5', score: 9 },
          { type: 'engagement', externalId: 'ev-5', action: 'reply' },
        ],
        /^\[1\]\.score must be a whole number from 1 to 5$/,
      );
    });

    it('is all or nothing when a later item names an unknown customer', () =>
      refused(
        [
          { type: 'purchase', externalId: 'ev-5', amount: 1, currency: 'RUB' },
          { type: 'purchase', externalId: 'nobody', amount: 1, currency: 'RUB' },
        ],
        /^\[1\]\.externalId names no known customer$/,
      ));

    it('refuses an unknown customer, naming customerId or externalId', async () => {
      await refused(
        { type: 'complaint', externalId: 'nobody' },
        /^externalId names no known customer$/,
      );
      await refused(
        { type: 'complaint', customerId: '00000000-0000-4000-8000-000000000000' },
        /^customerId names no known customer$/,
      );
      await refused({ type: 'complaint', customerId: 'not-a-uuid' }, /^customerId must be a UUID/);
      await refused({ type: 'complaint' }, /^customerId must be a UUID \(or give externalId\)$/);
    });

    it('refuses an occurredAt in the future or not ISO 8601', async () => {
      const future = new Date(Date.now() + DAY).toISOString();
      await refused(
        { type: 'complaint', externalId: 'ev-5', occurredAt: future },
        /^occurredAt must not be in the future$/,
      );
      await refused(
        { type: 'complaint', externalId: 'ev-5', occurredAt: 'yesterday' },
        /^occurredAt must be an ISO 8601/,
      );
    });

    it('refuses unknown types, unknown fields, empty arrays and non-objects', async () => {
      await refused(
        { type: 'visit', externalId: 'ev-5' },
        /^type must be one of purchase, satisfaction/,
      );
      await refused(
        { type: 'complaint', externalId: 'ev-5', foo: 1 },
        /^property foo should not exist$/,
      );
      await refused([], /^body must contain at least one event$/);
      await refused(['x'], /^\[0\]\.event must be a JSON object$/);
    });

    it('refuses more than 1,000 events in one request', () =>
      refused(
        Array.from({ length: 1001 }, () => ({ type: 'complaint', externalId: 'ev-5' })),
        /^body may contain at most 1000 events$/,
      ));

    it('answers 403 to an auditor, writing nothing', async () => {
      const before = await tables();
      const auditor = await t.keyFor('auditor');
      const res = await t
        .as(auditor)
        .post('/v1/events')
        .send({ type: 'complaint', externalId: 'ev-5' });
      expect(res.status).toBe(403);
      expect(await tables()).toEqual(before);
    });
  });
});

describe('events written set-based', () => {
  let t: TestApp;
  let integration: string;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    integration = await t.keyFor('integration');
    for (let i = 0; i < 50; i++) {
      const res = await t.admin
        .post('/v1/customers')
        .send({ externalId: `sb-${i}`, kind: 'consumer' });
      ids.push(res.body.id);
    }
  });
  afterAll(() => t.close());

  const send = (body: unknown) =>
    t
      .as(integration)
      .post('/v1/events')
      .send(body as object);

  it('uses the same number of statements for 1, 10 and 1,000 events', async () => {
    const statements = async (n: number) => {
      const batch = Array.from({ length: n }, (_, i) => ({
        type: 'purchase',
        externalId: `sb-${i % 50}`,
        amount: i,
        currency: 'RUB',
      }));
      // Warm the key lookup so every request does the same work besides its batch.
      await t.as(integration).get('/v1/customers?limit=1');
      const spy = jest.spyOn(Client.prototype, 'query');
      try {
        expect((await send(batch)).status).toBe(201);
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
      }
    };
    const one = await statements(1);
    expect(one).toBeLessThanOrEqual(6); // key lookup, BEGIN, lock, write, COMMIT
    expect(await statements(10)).toBe(one);
    expect(await statements(1000)).toBe(one);
  });

  it('gives the lifecycle facts the sequential answer for a batch with many events per customer', async () => {
    const [a, b] = [ids[0], ids[1]];
    const before = (
      await t.db.query('SELECT id, purchase_count FROM customers WHERE id = ANY($1) ORDER BY id', [
        [a, b],
      ])
    ).reduce(
      (acc: Record<string, number>, r: { id: string; purchase_count: number }) => ({
        ...acc,
        [r.id]: r.purchase_count,
      }),
      {},
    );
    const tie = '2026-03-01T10:00:00.000Z';
    const res = await send([
      {
        type: 'purchase',
        customerId: a,
        amount: 1,
        currency: 'RUB',
        occurredAt: '2026-02-01T00:00:00.000Z',
      },
      { type: 'satisfaction', customerId: a, score: 3, occurredAt: tie },
      {
        type: 'purchase',
        customerId: a,
        amount: 2,
        currency: 'RUB',
        occurredAt: '2020-01-01T00:00:00.000Z',
      },
      { type: 'satisfaction', customerId: a, score: 4, occurredAt: tie },
      { type: 'satisfaction', customerId: a, score: 1, occurredAt: '2026-01-01T00:00:00.000Z' },
      { type: 'review_posted', customerId: b, occurredAt: '2026-02-02T00:00:00.000Z' },
      { type: 'complaint', customerId: b, occurredAt: '2026-02-03T00:00:00.000Z' },
      {
        type: 'engagement',
        customerId: b,
        action: 'reply',
        occurredAt: '2026-02-04T00:00:00.000Z',
      },
      {
        type: 'engagement',
        customerId: b,
        action: 'click',
        occurredAt: '2026-01-04T00:00:00.000Z',
      },
    ]);
    expect(res.status).toBe(201);
    const [ca] = await t.db.query('SELECT * FROM customers WHERE id = $1', [a]);
    expect(ca.purchase_count).toBe(before[a] + 2);
    expect(ca.first_purchase_at.toISOString()).toBe('2020-01-01T00:00:00.000Z');
    expect(ca.last_purchase_at.getTime()).toBeGreaterThanOrEqual(
      Date.parse('2026-02-01T00:00:00.000Z'),
    );
    expect(ca.last_satisfaction_score).toBe(4); // the later of two at the same time
    expect(ca.last_satisfaction_at.toISOString()).toBe(tie);
    const [cb] = await t.db.query('SELECT * FROM customers WHERE id = $1', [b]);
    expect(cb.last_review_at.toISOString()).toBe('2026-02-02T00:00:00.000Z');
    expect(cb.last_complaint_at.toISOString()).toBe('2026-02-03T00:00:00.000Z');
    expect(cb.last_engagement_at.toISOString()).toBe('2026-02-04T00:00:00.000Z');
    // Events keep the request's order in their ids (trigger campaigns read them by id).
    const items = res.body.items.map((x: { id: string }) => Number(x.id));
    expect([...items].sort((x, y) => x - y)).toEqual(items);
  });
});

describe('events write cost beside a plain INSERT', () => {
  let t: TestApp;
  let customerIds: string[];

  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    customerIds = (
      await t.db.query(
        `INSERT INTO customers (external_id, kind, timezone, locale)
         SELECT 'cost-' || i, 'consumer', 'Europe/Moscow', 'ru' FROM generate_series(1, 1000) i
         RETURNING id::text`,
      )
    ).map((r: { id: string }) => r.id);
  });
  afterAll(() => t.close());

  /** 1,000 events over 1,000 customers, each with an eventId, as a CRM sends them. */
  const rows = (tag: string): EventRow[] =>
    customerIds.map((customerId, i) => ({
      customerId,
      type: 'purchase',
      occurredAt: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 1000),
      data: { amount: i, currency: 'RUB' },
      eventId: `${tag}-${i}`,
      explicitTime: true,
    }));

  /** Shared buffers a statement touches (hit or read), from EXPLAIN (ANALYZE, BUFFERS). */
  const buffers = async (sql: string, params: unknown[]): Promise<number> => {
    const [{ 'QUERY PLAN': plan }] = await t.db.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
      params,
    );
    const node = (
      plan as { Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }[]
    )[0].Plan;
    return node['Shared Hit Blocks'] + node['Shared Read Blocks'];
  };

  it('touches at most 4 more buffers per event than a plain INSERT of the same rows', async () => {
    // Warm both statements (catalog caches, first index pages) so only the rows are compared.
    const params = (r: EventRow[]) => [
      plainArray(r.map((x) => x.customerId)),
      textArray(r.map((x) => x.type)),
      textArray(r.map((x) => x.occurredAt.toISOString())),
      textArray(r.map((x) => JSON.stringify(x.data))),
      textArray(r.map((x) => x.eventId)),
      plainArray(r.map((x) => x.explicitTime)),
      new Date(),
    ];
    const plain = `INSERT INTO customer_events (customer_id, type, occurred_at, data, recorded_at, event_id)
      SELECT customer_id, type, occurred_at, data, now(), event_id
        FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::jsonb[], $5::text[])
             AS s(customer_id, type, occurred_at, data, event_id)`;
    await buffers(INSERT_EVENTS_AND_FACTS, params(rows('warm-service')));
    await buffers(plain, params(rows('warm-plain')).slice(0, 5));
    // The statement's own plan (the lifecycle UPDATE runs apart from it and is not counted).
    const service = await buffers(INSERT_EVENTS_AND_FACTS, params(rows('service')));
    const baseline = await buffers(plain, params(rows('plain')).slice(0, 5));
    // ON CONFLICT probes the unique index once before inserting (3 buffers an event); a catalog
    // lookup of the sequence per row added 3 more.
    expect((service - baseline) / 1000).toBeLessThanOrEqual(4);
  });

  it('answers a new event with its id alone: nothing it sent is formatted back', async () => {
    const params = (r: EventRow[]) => [
      plainArray(r.map((x) => x.customerId)),
      textArray(r.map((x) => x.type)),
      textArray(r.map((x) => x.occurredAt.toISOString())),
      textArray(r.map((x) => JSON.stringify(x.data))),
      textArray(r.map((x) => x.eventId)),
      plainArray(r.map((x) => x.explicitTime)),
      new Date(),
    ];
    const answer: Record<string, unknown>[] = await t.db.query(
      INSERT_EVENTS_AND_FACTS,
      params(rows('answer')),
    );
    expect(answer).toHaveLength(1000);
    for (const row of answer) {
      const given = Object.entries(row).filter(([, v]) => v !== null && v !== false);
      expect(given.map(([k]) => k)).toEqual(['id', 'inserted']);
    }
    // A repeat gets the earlier event's type and time.
    const [again] = await t.db.query(INSERT_EVENTS_AND_FACTS, params(rows('answer').slice(0, 1)));
    expect(again).toMatchObject({ inserted: false, same: true, earlier_type: 'purchase' });
    expect(again.earlier_at.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('leaves room on the pages of customers: a first lifecycle update stays on its page (HOT) for a quarter', async () => {
    // Facts no index covers (engagement): an update that finds room on its page is HOT.
    const fresh: string[] = (
      await t.db.query(
        `INSERT INTO customers (external_id, kind, timezone, locale)
         SELECT 'hot-' || i, 'consumer', 'Europe/Moscow', 'ru' FROM generate_series(1, 1000) i
         RETURNING id::text`,
      )
    ).map((r: { id: string }) => r.id);
    const page = async () =>
      new Map<string, string>(
        (
          await t.db.query(
            `SELECT id::text, (ctid::text::point)[0]::text AS block FROM customers
              WHERE id = ANY($1::uuid[])`,
            [fresh],
          )
        ).map((r: { id: string; block: string }) => [r.id, r.block]),
      );
    const before = await page();
    await t.db.transaction((m) =>
      insertEventsAndFacts(
        m,
        fresh.map((customerId, i) => ({
          customerId,
          type: 'engagement',
          occurredAt: new Date(Date.parse('2026-02-01T00:00:00Z') + i),
          data: { action: 'click' },
          eventId: null,
          explicitTime: true,
        })),
        new Date(),
      ),
    );
    const after = await page();
    const stayed = fresh.filter((id) => before.get(id) === after.get(id)).length;
    // About 240 of 1,000 with a fifth of each page free; none with full pages.
    expect(stayed).toBeGreaterThanOrEqual(150);
  });
});

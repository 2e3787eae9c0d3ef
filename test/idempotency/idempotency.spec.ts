import { IdempotencyService } from '../../src/idempotency/idempotency.service';
import { createTestApp, createTopics, TestApp } from '../support/test-app';

/**
 * A CRM retries after a timeout: the retry must not record twice. Two mechanisms:
 * - `Idempotency-Key` on POST /v1/events and POST /v1/customers/:id/consents: the same key again
 *   (same API key) gets the first answer and records nothing;
 * - `eventId` on an event: unique per customer, a repeat is reported as a duplicate.
 */
describe('idempotent ingestion', () => {
  let t: TestApp;
  let crm: string;
  let otherCrm: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    await createTopics(t);
    crm = await t.keyFor('integration');
    otherCrm = await t.keyFor('integration');
    for (let i = 0; i < 12; i++) {
      const externalId = `idem-${i}`;
      const res = await t.admin.post('/v1/customers').send({ externalId, kind: 'consumer' });
      ids[externalId] = res.body.id;
    }
  });
  afterAll(() => t.close());

  const purchase = (externalId: string, extra: Record<string, unknown> = {}) => ({
    type: 'purchase',
    externalId,
    amount: 4990,
    currency: 'RUB',
    ...extra,
  });
  const events = (key: string, body: unknown, idempotencyKey?: string) => {
    const req = t.as(key).post('/v1/events');
    if (idempotencyKey !== undefined) req.set('Idempotency-Key', idempotencyKey);
    return req.send(body as object);
  };
  const eventRows = async (customerId: string) =>
    (
      await t.db.query('SELECT count(*)::int AS n FROM customer_events WHERE customer_id = $1', [
        customerId,
      ])
    )[0].n as number;
  const purchaseCount = async (customerId: string) =>
    (await t.db.query('SELECT purchase_count FROM customers WHERE id = $1', [customerId]))[0]
      .purchase_count as number;
  const counts = async (customerId: string) => ({
    events: await eventRows(customerId),
    purchases: await purchaseCount(customerId),
    consents: (
      await t.db.query('SELECT count(*)::int AS n FROM consent_events WHERE customer_id = $1', [
        customerId,
      ])
    )[0].n as number,
    audit: (
      await t.db.query('SELECT count(*)::int AS n FROM audit_events WHERE customer_id = $1', [
        customerId,
      ])
    )[0].n as number,
  });

  describe('Idempotency-Key on POST /v1/events', () => {
    it('the same key again returns the first answer byte for byte and records nothing', async () => {
      const c = ids['idem-0'];
      const first = await events(crm, purchase('idem-0'), 'order-1001-attempt');
      expect(first.status).toBe(201);
      const before = await counts(c);
      expect(before).toMatchObject({ events: 1, purchases: 1 });
      for (let i = 0; i < 3; i++) {
        const again = await events(crm, purchase('idem-0'), 'order-1001-attempt');
        expect(again.status).toBe(first.status);
        expect(again.text).toBe(first.text);
        expect(again.headers['idempotent-replayed']).toBe('true');
      }
      expect(await counts(c)).toEqual(before);
    });

    it('the same key with another body is a 409 naming the key, recording nothing', async () => {
      const c = ids['idem-1'];
      expect((await events(crm, purchase('idem-1'), 'k-409')).status).toBe(201);
      const before = await counts(c);
      const res = await events(crm, purchase('idem-1', { amount: 1 }), 'k-409');
      expect(res.status).toBe(409);
      expect(res.body.message).toEqual([
        expect.stringMatching(/^Idempotency-Key was already used for a different request/),
      ]);
      expect(await counts(c)).toEqual(before);
    });

    it('keys are scoped per API key: another client with the same key gets its own answer', async () => {
      const c = ids['idem-2'];
      const mine = await events(crm, purchase('idem-2'), 'shared-key');
      const theirs = await events(otherCrm, purchase('idem-2'), 'shared-key');
      expect(mine.status).toBe(201);
      expect(theirs.status).toBe(201);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.body.items[0].id).not.toBe(mine.body.items[0].id);
      expect(await eventRows(c)).toBe(2);
    });

    it('20 identical requests sent at once record once and all get the same answer', async () => {
      const c = ids['idem-3'];
      const all = await Promise.all(
        Array.from({ length: 20 }, () => events(crm, purchase('idem-3'), 'burst-1')),
      );
      expect(all.map((r) => r.status)).toEqual(Array(20).fill(201));
      expect(new Set(all.map((r) => r.text)).size).toBe(1);
      expect(await counts(c)).toMatchObject({ events: 1, purchases: 1 });
    });

    it('a refused request keeps nothing: the corrected request with the same key is recorded', async () => {
      const c = ids['idem-4'];
      const bad = await events(crm, purchase('idem-4', { currency: 'rub' }), 'fix-me');
      expect(bad.status).toBe(400);
      const good = await events(crm, purchase('idem-4'), 'fix-me');
      expect(good.status).toBe(201);
      expect(await eventRows(c)).toBe(1);
    });

    it.each([
      ['too long', 'k'.repeat(256)],
      ['empty', ''],
      ['with a space', 'a b'],
      ['with non-ASCII', 'ключ'],
    ])('refuses a key %s with 400 naming Idempotency-Key', async (_name, key) => {
      const c = ids['idem-5'];
      const res = await t
        .as(crm)
        .post('/v1/events')
        .set('Idempotency-Key', Buffer.from(key, 'utf8').toString('latin1'))
        .send(purchase('idem-5'));
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual([expect.stringMatching(/^Idempotency-Key must be/)]);
      expect(await eventRows(c)).toBe(0);
    });

    it('keys are kept 24 hours: housekeeping removes older ones, then the key is new again', async () => {
      const c = ids['idem-6'];
      expect((await events(crm, purchase('idem-6'), 'old-key')).status).toBe(201);
      expect((await events(crm, purchase('idem-6'), 'young-key')).status).toBe(201);
      await t.db.query(
        `UPDATE idempotency_keys SET created_at = created_at - interval '25 hours' WHERE key = 'old-key'`,
      );
      const purged = await t.app.get(IdempotencyService).purge();
      expect(purged).toBe(1);
      const keys = await t.db.query(
        `SELECT key FROM idempotency_keys WHERE key IN ('old-key', 'young-key')`,
      );
      expect(keys).toEqual([{ key: 'young-key' }]);
      expect((await events(crm, purchase('idem-6'), 'old-key')).status).toBe(201);
      expect(
        (await events(crm, purchase('idem-6'), 'young-key')).headers['idempotent-replayed'],
      ).toBe('true');
      expect(await eventRows(c)).toBe(3);
    });
  });

  describe('Idempotency-Key on POST /v1/customers/:id/consents', () => {
    const grant = (customerId: string, key: string, topic = 'tips') =>
      t
        .as(crm)
        .post(`/v1/customers/${customerId}/consents`)
        .set('Idempotency-Key', key)
        .send({
          channel: 'email',
          topic,
          action: 'grant',
          source: 'web-form',
          evidence: { wording: 'Yes, send me tips', wordingVersion: 'v1' },
        });

    it('a retried grant returns the first answer: one ledger row, one audit row', async () => {
      const c = ids['idem-7'];
      const first = await grant(c, 'consent-1');
      expect(first.status).toBe(201);
      const before = await counts(c);
      expect(before.consents).toBe(1);
      const again = await grant(c, 'consent-1');
      expect(again.status).toBe(201);
      expect(again.text).toBe(first.text);
      expect(await counts(c)).toEqual(before);
    });

    it('the same key for another customer or topic is a 409', async () => {
      const c = ids['idem-8'];
      expect((await grant(c, 'consent-2')).status).toBe(201);
      const before = await counts(c);
      expect((await grant(c, 'consent-2', 'offers')).status).toBe(409);
      expect((await grant(ids['idem-9'], 'consent-2')).status).toBe(409);
      expect(await counts(c)).toEqual(before);
      expect((await counts(ids['idem-9'])).consents).toBe(0);
    });

    it('10 identical grants sent at once record once', async () => {
      const c = ids['idem-10'];
      const all = await Promise.all(Array.from({ length: 10 }, () => grant(c, 'consent-burst')));
      expect(all.map((r) => r.status)).toEqual(Array(10).fill(201));
      expect(new Set(all.map((r) => r.text)).size).toBe(1);
      expect((await counts(c)).consents).toBe(1);
    });
  });

  describe('eventId', () => {
    it('the same eventId again records nothing and answers the first event as a duplicate', async () => {
      const c = ids['idem-11'];
      const first = await events(crm, purchase('idem-11', { eventId: 'order-77' }));
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        accepted: 1,
        recorded: 1,
        duplicates: 0,
        items: [{ eventId: 'order-77', duplicate: false }],
      });
      const again = await events(crm, purchase('idem-11', { eventId: 'order-77' }));
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({
        accepted: 1,
        recorded: 0,
        duplicates: 1,
        items: [{ id: first.body.items[0].id, eventId: 'order-77', duplicate: true }],
      });
      // Another client's retry of the same event is the same event.
      expect(
        (await events(otherCrm, purchase('idem-11', { eventId: 'order-77' }))).body,
      ).toMatchObject({ recorded: 0, duplicates: 1 });
      expect(await counts(c)).toMatchObject({ events: 1, purchases: 1 });
    });

    it('the same eventId with a different event is a 409 naming the item, recording nothing', async () => {
      const c = ids['idem-11'];
      const before = await counts(c);
      const res = await events(crm, [
        purchase('idem-11', { eventId: 'order-78' }),
        purchase('idem-11', { eventId: 'order-77', amount: 5 }),
      ]);
      expect(res.status).toBe(409);
      expect(res.body.message).toEqual([
        '[1].eventId was already used for a different event of this customer',
      ]);
      expect(await counts(c)).toEqual(before);
    });

    it('is unique per customer: the same eventId for another customer is another event', async () => {
      const res = await events(crm, [
        purchase('idem-0', { eventId: 'shared-77' }),
        purchase('idem-1', { eventId: 'shared-77' }),
      ]);
      expect(res.body).toMatchObject({ recorded: 2, duplicates: 0 });
    });

    it('a repeat inside one batch is a duplicate of the earlier item', async () => {
      const c = ids['idem-9'];
      const before = await counts(c);
      const res = await events(crm, [
        purchase('idem-9', { eventId: 'twice', occurredAt: '2026-01-02T03:04:05.000Z' }),
        purchase('idem-9', { eventId: 'twice', occurredAt: '2026-01-02T03:04:05.000Z' }),
      ]);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ recorded: 1, duplicates: 1 });
      expect(res.body.items[1]).toMatchObject({ id: res.body.items[0].id, duplicate: true });
      expect(await counts(c)).toMatchObject({
        events: before.events + 1,
        purchases: before.purchases + 1,
      });
    });

    it('a batch of 1,000 sent twice (and 5 times at once) records 1,000 events', async () => {
      const c = ids['idem-8'];
      const before = await counts(c);
      const batch = Array.from({ length: 1000 }, (_, i) =>
        i % 2
          ? purchase('idem-8', { eventId: `bulk-${i}`, amount: i })
          : { type: 'engagement', customerId: c, action: 'click', eventId: `bulk-${i}` },
      );
      const first = await events(crm, batch);
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ accepted: 1000, recorded: 1000, duplicates: 0 });
      const again = await Promise.all(Array.from({ length: 5 }, () => events(crm, batch)));
      for (const r of again) {
        expect(r.body).toMatchObject({ accepted: 1000, recorded: 0, duplicates: 1000 });
        expect(r.body.items.map((x: { id: string }) => x.id)).toEqual(
          first.body.items.map((x: { id: string }) => x.id),
        );
      }
      expect(await counts(c)).toMatchObject({
        events: before.events + 1000,
        purchases: before.purchases + 500,
      });
    });

    it.each([
      ['a number', 17, /^eventId must be a string/],
      ['empty', '', /^eventId must be 1 to 200 characters/],
      ['too long', 'e'.repeat(201), /^eventId must be 1 to 200 characters/],
      // NUL is refused at the root for every field; other control characters by the eventId rule.
      ['with a NUL byte', 'order\u0000-1', /^eventId must not contain NUL characters/],
      ['with a control character', 'order\u0007-1', /^eventId must not contain control characters/],
    ])('refuses an eventId that is %s, naming it', async (_name, eventId, message) => {
      const c = ids['idem-5'];
      const res = await events(crm, [purchase('idem-5'), purchase('idem-5', { eventId })]);
      expect(res.status).toBe(400);
      const messages: string[] = res.body.message;
      expect(messages).toContainEqual(
        expect.stringMatching(new RegExp(`^\\[1\\]\\.${message.source.slice(1)}`)),
      );
      expect(messages.every((m) => m.startsWith('[1].eventId '))).toBe(true);
      expect(await eventRows(c)).toBe(0);
    });
  });
});

import {
  insertRunningCampaign,
  plannerBatchInFlight,
  stillWaiting,
} from '../support/planner-batch';
import { aDelivery } from '../support/builders';
import { ADMIN_KEY, createTestApp, createTopics, TestApp } from '../support/test-app';

describe('erasure', () => {
  let t: TestApp;
  let id: string;
  const email = 'Erase.Me@Example.RU';
  const phone = '+79161112233';

  beforeAll(async () => {
    // API only: no sender timer claims the deliveries these tests put in place.
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    const res = await t.admin.post('/v1/customers').send({
      externalId: 'crm-erase',
      kind: 'business',
      name: 'Мария Иванова',
      email,
      phone,
      company: 'ООО Ромашка',
      accountManager: { name: 'Игорь', phone: '+79161234568', email: 'igor@shop.example' },
      attributes: { city: 'Казань' },
    });
    expect(res.status).toBe(201);
    id = res.body.id;
    const purchase = await t.admin
      .post('/v1/events')
      .send({ type: 'purchase', customerId: id, amount: 10, currency: 'RUB' });
    expect(purchase.status).toBe(201);
  });
  afterAll(() => t.close());

  it('answers 204 and removes the personal data, keeping the id', async () => {
    const res = await t.admin.delete(`/v1/customers/${id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const [row] = await t.db.query('SELECT * FROM customers WHERE id = $1', [id]);
    expect(row).toMatchObject({
      id,
      external_id: `erased:${id}`,
      name: null,
      email: null,
      phone: null,
      company: null,
      account_manager_name: null,
      account_manager_phone: null,
      account_manager_email: null,
      attributes: {},
      erased_at: expect.any(Date),
    });
    const got = await t.admin.get(`/v1/customers/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id,
      externalId: `erased:${id}`,
      name: null,
      email: null,
      phone: null,
      company: null,
      accountManager: null,
      attributes: {},
      erasedAt: expect.any(String),
      suppressions: [],
    });
  });

  it('keeps the pseudonymous history (events stay attached to the id)', async () => {
    const events = await t.db.query('SELECT type FROM customer_events WHERE customer_id = $1', [
      id,
    ]);
    expect(events).toEqual([{ type: 'purchase' }]);
  });

  it('records the erasure with the acting key, and suppressions as hashes', async () => {
    const [admin] = await t.db.query(`SELECT id FROM api_keys WHERE role = 'admin'`);
    const erased = await t.db.query(
      `SELECT actor, customer_id FROM audit_events WHERE type = 'admin.customer_erased'`,
    );
    expect(erased).toEqual([{ actor: `key:${admin.id}`, customer_id: id }]);

    const suppressions = await t.db.query(
      'SELECT address_type, address_hash, reason, customer_id FROM suppressions ORDER BY address_type',
    );
    expect(suppressions).toEqual([
      {
        address_type: 'email',
        address_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        reason: 'erasure',
        customer_id: id,
      },
      {
        address_type: 'phone',
        address_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        reason: 'erasure',
        customer_id: id,
      },
    ]);
    // The audit data may grow (extend, don't rename); it must keep the hash and never the address.
    const added = await t.db.query(
      `SELECT actor, reason, data FROM audit_events WHERE type = 'suppression.added' ORDER BY id`,
    );
    expect(added).toEqual([
      {
        actor: `key:${admin.id}`,
        reason: 'erasure',
        data: expect.objectContaining({
          addressType: 'email',
          addressHash: suppressions[0].address_hash,
        }),
      },
      {
        actor: `key:${admin.id}`,
        reason: 'erasure',
        data: expect.objectContaining({
          addressType: 'phone',
          addressHash: suppressions[1].address_hash,
        }),
      },
    ]);
  });

  it('leaves no trace of the address in suppressions or the audit table', async () => {
    const dump = JSON.stringify([
      await t.db.query('SELECT * FROM suppressions'),
      await t.db.query('SELECT * FROM audit_events'),
    ]).toLowerCase();
    for (const secret of [
      email.toLowerCase(),
      'erase.me',
      phone,
      '9161112233',
      'мария',
      'ромашка',
      'казань',
    ]) {
      expect(dump).not.toContain(secret);
    }
    expect(dump).not.toContain(ADMIN_KEY);
  });

  it('shows the suppression on a new customer created later with the same address', async () => {
    const res = await t.admin.post('/v1/customers').send({
      externalId: 'crm-erase',
      kind: 'consumer',
      email: 'erase.me@example.ru',
    });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(id);
    const got = await t.admin.get(`/v1/customers/${res.body.id}`);
    expect(got.body.suppressions).toEqual([
      { addressType: 'email', reason: 'erasure', createdAt: expect.any(String) },
    ]);
  });

  it('shows the suppression on a customer imported later with the same phone', async () => {
    const integration = await t.keyFor('integration');
    const res = await t
      .as(integration)
      .post('/v1/customers/import')
      .set('Content-Type', 'application/x-ndjson')
      .send(
        `${JSON.stringify({ externalId: 'crm-imported', kind: 'consumer', phone: '8 916 111-22-33' })}\n`,
      );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ inserted: 1, failed: 0 });
    const list = await t.admin.get('/v1/customers').query({ externalId: 'crm-imported' });
    const got = await t.admin.get(`/v1/customers/${list.body.items[0].id}`);
    expect(got.body.suppressions).toEqual([
      { addressType: 'phone', reason: 'erasure', createdAt: expect.any(String) },
    ]);
  });

  it('is harmless when repeated: 204, nothing new in suppressions or audit', async () => {
    const suppressions = await t.db.query('SELECT * FROM suppressions ORDER BY id');
    const audit = await t.db.query('SELECT * FROM audit_events ORDER BY id');
    const res = await t.admin.delete(`/v1/customers/${id}`);
    expect(res.status).toBe(204);
    expect(await t.db.query('SELECT * FROM suppressions ORDER BY id')).toEqual(suppressions);
    expect(await t.db.query('SELECT * FROM audit_events ORDER BY id')).toEqual(audit);
  });

  it('refuses events and changes for an erased customer', async () => {
    const events = await t.db.query('SELECT * FROM customer_events ORDER BY id');
    const byId = await t.admin
      .post('/v1/events')
      .send({ type: 'engagement', customerId: id, action: 'click' });
    expect(byId.status).toBe(400);
    expect(byId.body.message).toEqual(['customerId names no known customer']);
    const byOldExternalId = await t.admin
      .post('/v1/events')
      .send({ type: 'complaint', externalId: `erased:${id}` });
    expect(byOldExternalId.status).toBe(400);
    expect(byOldExternalId.body.message).toEqual(['externalId names no known customer']);
    expect(await t.db.query('SELECT * FROM customer_events ORDER BY id')).toEqual(events);

    const before = await t.db.query('SELECT * FROM customers WHERE id = $1', [id]);
    const patch = await t.admin.patch(`/v1/customers/${id}`).send({ name: 'Back again' });
    expect(patch.status).toBe(400);
    expect(patch.body.message[0]).toMatch(/erased/);
    expect(await t.db.query('SELECT * FROM customers WHERE id = $1', [id])).toEqual(before);
  });

  it('cannot bring personal data back through the erased externalId', async () => {
    const before = await t.db.query('SELECT * FROM customers WHERE id = $1', [id]);
    const res = await t.admin
      .post('/v1/customers')
      .send({ externalId: `erased:${id}`, kind: 'consumer', email: 'erase.me@example.ru' });
    expect(res.status).toBe(400);
    expect(res.body.message[0]).toMatch(/^externalId /);
    expect(await t.db.query('SELECT * FROM customers WHERE id = $1', [id])).toEqual(before);
    const [other] = await t.db.query(`SELECT id FROM customers WHERE external_id = 'crm-imported'`);
    const patch = await t.admin
      .patch(`/v1/customers/${other.id}`)
      .send({ externalId: 'erased:someone' });
    expect(patch.status).toBe(400);
    expect(patch.body.message).toEqual(['externalId must not start with "erased:"']);
  });

  it('drops rendered message content and double opt-in requests, and cancels planned deliveries', async () => {
    await createTopics(t);
    const res = await t.admin
      .post('/v1/customers')
      .send({ externalId: 'crm-erase-2', kind: 'consumer', email: 'second@example.ru' });
    const other = res.body.id as string;
    const campaignId = await insertRunningCampaign(t.db, 'c');
    const deliver = async (step: number, status: string) => ({
      id: await aDelivery(t.db, {
        campaignId,
        step,
        customerId: other,
        templateName: 'tips',
        status,
      }),
    });
    const [planned, sent] = await Promise.all([deliver(0, 'planned'), deliver(1, 'sent')]);
    await t.db.query(
      `INSERT INTO audit_content (delivery_id, customer_id, content, content_hash, stored_at)
       VALUES ($1, $2, '{"text": "Hello, second@example.ru"}', 'h1', now())`,
      [sent.id, other],
    );
    await t.db.query(
      `INSERT INTO subscription_requests (address_hash, customer_id, topics, locale, outcome, created_at)
       VALUES ('x', $1, '{tips}', 'ru', 'sent', now())`,
      [other],
    );

    expect((await t.admin.delete(`/v1/customers/${other}`)).status).toBe(204);

    expect(
      await t.db.query('SELECT content, content_hash FROM audit_content WHERE customer_id = $1', [
        other,
      ]),
    ).toEqual([{ content: null, content_hash: 'h1' }]);
    expect(
      await t.db.query('SELECT 1 FROM subscription_requests WHERE customer_id = $1', [other]),
    ).toEqual([]);
    const statuses = await t.db.query(
      'SELECT id, status FROM deliveries WHERE customer_id = $1 ORDER BY step',
      [other],
    );
    expect(statuses).toEqual([
      { id: planned.id, status: 'cancelled' },
      { id: sent.id, status: 'sent' },
    ]);
    expect(
      await t.db.query(
        `SELECT delivery_id, reason FROM audit_events WHERE type = 'delivery.cancelled' AND customer_id = $1`,
        [other],
      ),
    ).toEqual([{ delivery_id: planned.id, reason: 'suppressed' }]);
  });

  it('waits for a planner batch in flight and cancels what it planned', async () => {
    await createTopics(t).catch(() => undefined);
    const res = await t.admin
      .post('/v1/customers')
      .send({ externalId: 'crm-erase-race', kind: 'consumer', email: 'race@example.ru' });
    const c = res.body.id as string;
    const campaignId = await insertRunningCampaign(t.db);
    // The batch has read the customer (not erased yet) and is about to write.
    const batch = await plannerBatchInFlight(t.db, c, campaignId);
    const erasure = Promise.resolve(t.admin.delete(`/v1/customers/${c}`));
    expect(await stillWaiting(erasure)).toBe(true);
    await batch.plan();
    expect((await erasure).status).toBe(204);
    expect(await t.db.query('SELECT status FROM deliveries WHERE customer_id = $1', [c])).toEqual([
      { status: 'cancelled' },
    ]);
  });

  it('customers and campaigns are never deleted, in the database itself', async () => {
    await expect(t.db.query(`DELETE FROM customers WHERE id = $1`, [id])).rejects.toThrow(
      /customers rows are never deleted/,
    );
    await expect(t.db.query(`TRUNCATE customers CASCADE`)).rejects.toThrow(/never deleted/);
    await expect(t.db.query(`DELETE FROM campaigns`)).rejects.toThrow(
      /campaigns rows are never deleted/,
    );
  });

  it('answers 404 for an unknown customer and 403 for a role that may not erase', async () => {
    expect(
      (await t.admin.delete('/v1/customers/00000000-0000-4000-8000-000000000000')).status,
    ).toBe(404);
    const marketer = await t.keyFor('marketer');
    const [other] = await t.db.query(`SELECT id FROM customers WHERE external_id = 'crm-imported'`);
    const res = await t.as(marketer).delete(`/v1/customers/${other.id}`);
    expect(res.status).toBe(403);
    const [row] = await t.db.query('SELECT erased_at FROM customers WHERE id = $1', [other.id]);
    expect(row.erased_at).toBeNull();
  });
});

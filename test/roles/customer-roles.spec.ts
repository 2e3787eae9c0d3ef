import { createTestApp, ADMIN_KEY, type TestApp } from '../support/test-app';

type Role = 'admin' | 'integration' | 'marketer' | 'auditor';
const ROLES: Role[] = ['admin', 'integration', 'marketer', 'auditor'];

interface AuditRow {
  type: string;
  customer_id: string;
  actor: string;
  data: { fields: string[]; role?: string };
}

/** Who may create and change customers, and the audit row every change leaves. */
describe('customers API: roles and audit of changes', () => {
  let t: TestApp;
  const keys = {} as Record<Role, string>;
  const keyIds = {} as Record<Role, string>;
  let n = 0;

  const body = (externalId: string, extra: object = {}) => ({
    externalId,
    kind: 'consumer',
    name: 'Анна Петрова',
    email: `${externalId}@example.ru`,
    phone: '+79161234567',
    timezone: 'Europe/Moscow',
    locale: 'ru',
    attributes: { city: 'Казань' },
    ...extra,
  });
  const newCustomer = async (extra: object = {}) => {
    const externalId = `rc-${++n}`;
    const res = await t.as(keys.integration).post('/v1/customers').send(body(externalId, extra));
    expect(res.status).toBe(201);
    return { id: res.body.id as string, externalId };
  };
  const auditOf = async (customerId: string): Promise<AuditRow[]> =>
    t.db.query(
      `SELECT type, customer_id, actor, data FROM audit_events
       WHERE customer_id = $1 AND type LIKE 'customer.%' ORDER BY id`,
      [customerId],
    );
  const row = async (id: string) =>
    (await t.db.query(`SELECT * FROM customers WHERE id = $1`, [id]))[0];

  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    keys.admin = ADMIN_KEY;
    for (const role of ['integration', 'marketer', 'auditor'] as const)
      keys[role] = await t.keyFor(role);
    for (const r of await t.db.query(`SELECT id, role FROM api_keys`))
      keyIds[r.role as Role] = r.id;
  });
  afterAll(() => t.close());

  // route × role → status; every refused call must leave customers and audit unchanged.
  const table: {
    route: string;
    expected: Record<Role, number>;
    call: (key: string, c: { id: string; externalId: string }) => Promise<{ status: number }>;
  }[] = [
    {
      route: 'POST /v1/customers (new externalId)',
      expected: { admin: 201, integration: 201, marketer: 201, auditor: 403 },
      call: (key) =>
        t
          .as(key)
          .post('/v1/customers')
          .send(body(`rc-new-${++n}`)),
    },
    {
      route: 'POST /v1/customers (existing, new e-mail and phone)',
      expected: { admin: 200, integration: 200, marketer: 403, auditor: 403 },
      call: (key, c) =>
        t
          .as(key)
          .post('/v1/customers')
          .send(body(c.externalId, { email: 'attacker@evil.test', phone: '+79990000000' })),
    },
    {
      route: 'POST /v1/customers (existing, unchanged)',
      expected: { admin: 200, integration: 200, marketer: 403, auditor: 403 },
      call: (key, c) => t.as(key).post('/v1/customers').send(body(c.externalId)),
    },
    {
      route: 'PATCH /v1/customers/:id (e-mail)',
      expected: { admin: 200, integration: 200, marketer: 403, auditor: 403 },
      call: (key, c) =>
        t.as(key).patch(`/v1/customers/${c.id}`).send({ email: 'attacker@evil.test' }),
    },
    {
      route: "PATCH /v1/customers/:id (account manager's phone)",
      expected: { admin: 200, integration: 200, marketer: 403, auditor: 403 },
      call: (key, c) =>
        t
          .as(key)
          .patch(`/v1/customers/${c.id}`)
          .send({
            kind: 'business',
            company: 'ООО',
            accountManager: { name: 'Игорь', phone: '+79990000001' },
          }),
    },
    {
      route: 'POST /v1/customers/import',
      expected: { admin: 200, integration: 200, marketer: 403, auditor: 403 },
      call: (key, c) =>
        t
          .as(key)
          .post('/v1/customers/import')
          .set('Content-Type', 'application/x-ndjson')
          .send(JSON.stringify(body(c.externalId, { email: 'attacker@evil.test' })) + '\n'),
    },
    {
      route: 'DELETE /v1/customers/:id',
      expected: { admin: 204, integration: 204, marketer: 403, auditor: 403 },
      call: (key, c) => t.as(key).delete(`/v1/customers/${c.id}`),
    },
    {
      route: 'GET /v1/customers/:id',
      expected: { admin: 200, integration: 200, marketer: 200, auditor: 200 },
      call: (key, c) => t.as(key).get(`/v1/customers/${c.id}`),
    },
    {
      route: 'GET /v1/customers?externalId=',
      expected: { admin: 200, integration: 200, marketer: 200, auditor: 200 },
      call: (key, c) => t.as(key).get(`/v1/customers?externalId=${c.externalId}`),
    },
  ];

  it.each(table.flatMap((r) => ROLES.map((role) => ({ ...r, role, status: r.expected[role] }))))(
    '$route as $role → $status',
    async ({ call, role, status }) => {
      const c = await newCustomer();
      const before = [await row(c.id), await auditOf(c.id)];
      const res = await call(keys[role], c);
      expect(res.status).toBe(status);
      if (status === 403) expect([await row(c.id), await auditOf(c.id)]).toEqual(before);
    },
  );

  it('a marketer creates a customer: audited with the fields named, the key and its role', async () => {
    const res = await t.as(keys.marketer).post('/v1/customers').send(body('rc-by-marketer'));
    expect(res.status).toBe(201);
    expect(await auditOf(res.body.id)).toEqual([
      {
        type: 'customer.created',
        customer_id: res.body.id,
        actor: `key:${keyIds.marketer}`,
        data: {
          fields: [
            'externalId',
            'kind',
            'name',
            'email',
            'phone',
            'timezone',
            'locale',
            'attributes',
          ],
          role: 'marketer',
        },
      },
    ]);
  });

  it('POST of an existing customer names exactly the changed fields; no change, no row', async () => {
    const c = await newCustomer();
    const same = await t.as(keys.integration).post('/v1/customers').send(body(c.externalId));
    expect(same.status).toBe(200);
    expect(await auditOf(c.id)).toHaveLength(1);
    const changed = await t
      .as(keys.integration)
      .post('/v1/customers')
      .send(
        body(c.externalId, {
          email: 'new@example.ru',
          phone: '8 916 000-00-00',
          attributes: { city: 'Казань' },
        }),
      );
    expect(changed.status).toBe(200);
    const rows = await auditOf(c.id);
    expect(rows[1]).toEqual({
      type: 'customer.updated',
      customer_id: c.id,
      actor: `key:${keyIds.integration}`,
      data: { fields: ['email', 'phone'], role: 'integration' },
    });
    // POST carries the whole record: a field left out is cleared, and named.
    const {
      name: _n,
      attributes: _a,
      ...rest
    } = body(c.externalId, { email: 'new@example.ru', phone: '+79160000000' });
    await t.as(keys.admin).post('/v1/customers').send(rest);
    expect((await auditOf(c.id))[2]).toMatchObject({
      data: { fields: ['name', 'attributes'], role: 'admin' },
    });
  });

  it('PATCH names the changed fields; a failed or empty PATCH writes nothing', async () => {
    const c = await newCustomer();
    const res = await t
      .as(keys.integration)
      .patch(`/v1/customers/${c.id}`)
      .send({ email: 'Other@Example.ru', name: 'Анна Петрова', locale: 'en' });
    expect(res.status).toBe(200);
    expect((await auditOf(c.id)).slice(1)).toEqual([
      {
        type: 'customer.updated',
        customer_id: c.id,
        actor: `key:${keyIds.integration}`,
        data: { fields: ['email', 'locale'], role: 'integration' },
      },
    ]);
    const before = [await row(c.id), await auditOf(c.id)];
    const bad = await t
      .as(keys.integration)
      .patch(`/v1/customers/${c.id}`)
      .send({ email: 'x@example.ru', phone: 'not a phone' });
    expect(bad.status).toBe(400);
    expect((await t.as(keys.integration).patch(`/v1/customers/${c.id}`).send({})).status).toBe(200);
    expect([await row(c.id), await auditOf(c.id)]).toEqual(before);
  });

  it('audit rows carry field names, never the values', async () => {
    const secret = {
      name: 'Секретное Имя',
      email: 'secret-mail@example.ru',
      phone: '+79165554433',
    };
    const c = await newCustomer({ ...secret, attributes: { vip: 'секрет-атрибут' } });
    await t.as(keys.integration).patch(`/v1/customers/${c.id}`).send({
      name: 'Другое Имя',
      email: 'other-secret@example.ru',
      accountManager: null,
    });
    const text = JSON.stringify(
      await t.db.query(`SELECT * FROM audit_events WHERE customer_id = $1`, [c.id]),
    );
    for (const v of [
      ...Object.values(secret),
      '9165554433',
      'секрет-атрибут',
      'Другое Имя',
      'other-secret',
    ])
      expect(text).not.toContain(v);
    expect(text).toContain('"email"');
  });

  it("the audit row is in the change's transaction: a failing audit write leaves the customer as it was", async () => {
    const c = await newCustomer();
    const before = await row(c.id);
    await t.db.query(`
      CREATE FUNCTION test_refuse_customer_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.type LIKE 'customer.%' THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER test_refuse_customer_audit BEFORE INSERT ON audit_events
        FOR EACH ROW EXECUTE FUNCTION test_refuse_customer_audit();`);
    try {
      const patch = await t
        .as(keys.integration)
        .patch(`/v1/customers/${c.id}`)
        .send({ email: 'z@example.ru' });
      expect(patch.status).toBe(500);
      const post = await t
        .as(keys.integration)
        .post('/v1/customers')
        .send(body(c.externalId, { email: 'z@example.ru' }));
      expect(post.status).toBe(500);
      const created = await t.as(keys.integration).post('/v1/customers').send(body('rc-never'));
      expect(created.status).toBe(500);
      expect(await row(c.id)).toEqual(before);
      expect(await t.db.query(`SELECT 1 FROM customers WHERE external_id = 'rc-never'`)).toEqual(
        [],
      );
    } finally {
      await t.db.query(`DROP TRIGGER test_refuse_customer_audit ON audit_events;
                        DROP FUNCTION test_refuse_customer_audit();`);
    }
  });

  it('12 concurrent marketer POSTs of one new externalId: one 201, eleven 403, one audit row', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t
          .as(keys.marketer)
          .post('/v1/customers')
          .send(body('rc-race', { name: `N${i}` })),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(11).fill(403)]);
    const [{ id }] = await t.db.query(`SELECT id FROM customers WHERE external_id = 'rc-race'`);
    expect((await auditOf(id)).map((r) => r.type)).toEqual(['customer.created']);
  });

  it('12 concurrent integration POSTs changing one customer: one audit row per real change', async () => {
    const c = await newCustomer();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t
          .as(keys.integration)
          .post('/v1/customers')
          .send(body(c.externalId, { name: `N${i % 2}` })),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const rows = await auditOf(c.id);
    // Serialised by the row lock: each change is diffed against the previous committed state.
    expect(rows[0].type).toBe('customer.created');
    for (const r of rows.slice(1)) expect(r.data.fields).toEqual(['name']);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.length).toBeLessThanOrEqual(13);
  });

  it('refuses to revive an erased customer through its pseudonymous externalId', async () => {
    const c = await newCustomer();
    expect((await t.as(keys.integration).delete(`/v1/customers/${c.id}`)).status).toBe(204);
    const res = await t
      .as(keys.integration)
      .post('/v1/customers')
      .send(body(`erased:${c.id}`));
    expect(res.status).toBe(400);
    expect((await row(c.id)).email).toBeNull();
  });
});

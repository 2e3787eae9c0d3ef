import { ADMIN_KEY, createTestApp, TestApp } from '../support/test-app';

describe('API keys and roles', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('answers 401 without a key and with an unknown key', async () => {
    const none = await t.http.get('/v1/customers');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: [expect.stringMatching(/Bearer/)],
    });
    const wrong = await t.as('tk_not-a-real-key').get('/v1/customers');
    expect(wrong.status).toBe(401);
  });

  it('takes the bootstrap admin key from TACTFUL_ADMIN_KEY and stores only its hash', async () => {
    const rows: { key_hash: string; role: string }[] = await t.db.query(
      'SELECT key_hash, role FROM api_keys',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].role).toBe('admin');
    expect(rows[0].key_hash).not.toContain(ADMIN_KEY);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('creates a key for a role, shows it once, and records who did it', async () => {
    const res = await t.admin.post('/v1/api-keys').send({ role: 'auditor', name: 'Legal' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      role: 'auditor',
      name: 'Legal',
      key: expect.stringMatching(/^tk_/),
    });
    const list = await t.admin.get('/v1/api-keys');
    expect(JSON.stringify(list.body)).not.toContain(res.body.key);
    const [admin] = await t.db.query(`SELECT id FROM api_keys WHERE role = 'admin'`);
    const audit = await t.db.query(
      `SELECT actor, data FROM audit_events WHERE type = 'admin.api_key_created' AND actor <> 'system'`,
    );
    expect(audit).toEqual([
      { actor: `key:${admin.id}`, data: { keyId: res.body.id, role: 'auditor', name: 'Legal' } },
    ]);
  });

  it('answers 403 when the role may not call the route', async () => {
    const auditor = await t.keyFor('auditor');
    const res = await t.as(auditor).post('/v1/api-keys').send({ role: 'admin', name: 'escalate' });
    expect(res.status).toBe(403);
    expect(res.body.message[0]).toMatch(/auditor/);
    const create = await t
      .as(auditor)
      .post('/v1/customers')
      .send({ externalId: 'x', kind: 'consumer' });
    expect(create.status).toBe(403);
    expect(await t.db.query('SELECT 1 FROM customers')).toHaveLength(0);
  });

  it('rejects a bad role naming the field', async () => {
    const res = await t.admin.post('/v1/api-keys').send({ role: 'root', name: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual([expect.stringMatching(/^role must be one of/)]);
  });

  it('revokes a key: it stops working at once', async () => {
    const created = await t.admin.post('/v1/api-keys').send({ role: 'integration', name: 'CRM' });
    expect((await t.as(created.body.key).get('/v1/customers')).status).toBe(200);
    expect((await t.admin.delete(`/v1/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await t.as(created.body.key).get('/v1/customers')).status).toBe(401);
    const audit = await t.db.query(
      `SELECT 1 FROM audit_events WHERE type = 'admin.api_key_revoked'`,
    );
    expect(audit).toHaveLength(1);
  });
});

describe('audit table', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('refuses UPDATE, DELETE and TRUNCATE at the database level', async () => {
    const [{ count }] = await t.db.query('SELECT count(*)::int AS count FROM audit_events');
    expect(count).toBeGreaterThan(0);
    await expect(t.db.query(`UPDATE audit_events SET type = 'x'`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    const [{ count: after }] = await t.db.query('SELECT count(*)::int AS count FROM audit_events');
    expect(after).toBe(count);
  });
});

describe('failed authentication from one address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { PUBLIC_RATE_LIMIT: '5' } });
  });
  afterAll(() => t.close());

  it('is limited: after PUBLIC_RATE_LIMIT failures a minute the address gets 429, while a valid key still works', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await t.as(`tk_guess-${i}`).get('/v1/customers')).status).toBe(401);
    }
    const blocked = await t.as('tk_guess-6').get('/v1/customers');
    expect(blocked.status).toBe(429);
    expect(blocked.body.message[0]).toMatch(/too many failed/);
    expect((await t.admin.get('/v1/customers')).status).toBe(200);
  });
});

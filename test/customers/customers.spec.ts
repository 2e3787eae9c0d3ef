import { createTestApp, TestApp } from '../support/test-app';

const anna = {
  externalId: 'crm-1001',
  kind: 'consumer',
  name: 'Анна Петрова',
  email: 'anna@example.ru',
  phone: '+79161234567',
  timezone: 'Europe/Moscow',
  locale: 'ru',
  attributes: { city: 'Казань' },
};

describe('customers: create, update, validate', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const count = async (): Promise<number> => {
    const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM customers');
    return n as number;
  };

  /** Sends a request that must fail and proves that the customers table did not change. */
  const rejects = async (
    send: () => Promise<{ status: number; body: { message: string[] } }>,
    status: number,
    message: RegExp,
  ) => {
    const before = await t.db.query('SELECT * FROM customers ORDER BY id');
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ statusCode: status });
    expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    expect(await t.db.query('SELECT * FROM customers ORDER BY id')).toEqual(before);
  };

  it('creates a customer: 201 with id and lifecycleStage prospect', async () => {
    const res = await t.admin.post('/v1/customers').send(anna);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      ...anna,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      lifecycleStage: 'prospect',
      company: null,
      accountManager: null,
      suppressions: [],
    });
    expect(await count()).toBe(1);
  });

  it('updates by the same externalId: 200, same id, the record carries the full new state', async () => {
    const first = await t.admin.get('/v1/customers?externalId=crm-1001');
    const id = first.body.items[0].id;
    const res = await t.admin
      .post('/v1/customers')
      .send({ ...anna, name: 'Анна Сидорова', attributes: { city: 'Москва' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, name: 'Анна Сидорова', attributes: { city: 'Москва' } });
    expect(await count()).toBe(1);
  });

  it('normalises a national phone number with the default region RU to E.164', async () => {
    const res = await t.admin
      .post('/v1/customers')
      .send({ externalId: 'crm-phone', kind: 'consumer', phone: '8 916 123-45-67' });
    expect(res.status).toBe(201);
    expect(res.body.phone).toBe('+79161234567');
    const [row] = await t.db.query(`SELECT phone FROM customers WHERE external_id = 'crm-phone'`);
    expect(row.phone).toBe('+79161234567');
  });

  it('defaults timezone to UTC and locale to en', async () => {
    const res = await t.admin
      .post('/v1/customers')
      .send({ externalId: 'crm-defaults', kind: 'consumer' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ timezone: 'UTC', locale: 'en', name: null, email: null });
  });

  it('lower-cases the e-mail address', async () => {
    const res = await t.admin
      .post('/v1/customers')
      .send({ externalId: 'crm-case', kind: 'consumer', email: 'Boris.Ivanov@Example.RU' });
    expect(res.status).toBe(201);
    expect(res.body.email).toBe('boris.ivanov@example.ru');
  });

  it('creates a business contact with company and account manager', async () => {
    const res = await t.admin.post('/v1/customers').send({
      externalId: 'b2b-1',
      kind: 'business',
      name: 'Олег',
      company: 'ООО Ромашка',
      accountManager: { name: 'Игорь', phone: '8 (916) 123-45-68' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      company: 'ООО Ромашка',
      accountManager: { name: 'Игорь', phone: '+79161234568' },
    });
  });

  describe('refuses bad input with a message naming the field, writing nothing', () => {
    const post = (body: unknown) => () => t.admin.post('/v1/customers').send(body as object);

    it('business without company', () =>
      rejects(post({ externalId: 'b2b-2', kind: 'business', name: 'X' }), 400, /^company /));

    it('invalid e-mail', () =>
      rejects(
        post({ ...anna, externalId: 'bad-email', email: 'not-an-email' }),
        400,
        /^email must be an email$/,
      ));

    it('invalid phone', () =>
      rejects(
        post({ ...anna, externalId: 'bad-phone', phone: '12345' }),
        400,
        /^phone must be a valid phone number$/,
      ));

    it('account manager phone invalid', () =>
      rejects(
        post({
          externalId: 'b2b-3',
          kind: 'business',
          company: 'C',
          accountManager: { name: 'I', phone: '000' },
        }),
        400,
        /^accountManager\.phone /,
      ));

    it.each(['Mars/Olympus', '+03:00', 'MSK'])('timezone %s', (timezone) =>
      rejects(
        post({ ...anna, externalId: 'bad-tz', timezone }),
        400,
        /^timezone must be an IANA time zone/,
      ),
    );

    it.each(['Russian', 'RU', '1', 'ru_RU'])('locale %s', (locale) =>
      rejects(
        post({ ...anna, externalId: 'bad-locale', locale }),
        400,
        /^locale must be a language code/,
      ),
    );

    it('unknown field', () =>
      rejects(
        post({ ...anna, externalId: 'unknown', foo: 1 }),
        400,
        /^property foo should not exist$/,
      ));

    it('unknown nested field', () =>
      rejects(
        post({
          externalId: 'b2b-4',
          kind: 'business',
          company: 'C',
          accountManager: { name: 'I', phone: '+79161234568', x: 1 },
        }),
        400,
        /^accountManager\.property x should not exist$|^property accountManager\.x should not exist$/,
      ));

    it('kind of the wrong type', () =>
      rejects(post({ ...anna, externalId: 'k', kind: 5 }), 400, /^kind must be one of/));

    it('kind unknown', () =>
      rejects(post({ ...anna, externalId: 'k', kind: 'alien' }), 400, /^kind must be one of/));

    it('attributes of the wrong type', () =>
      rejects(
        post({ ...anna, externalId: 'a', attributes: 'x' }),
        400,
        /^attributes must be a JSON object$/,
      ));

    it('missing externalId', () => rejects(post({ kind: 'consumer' }), 400, /^externalId /));

    it('externalId of the wrong type', () =>
      rejects(post({ externalId: 42, kind: 'consumer' }), 400, /^externalId /));

    it('an array instead of an object', () => rejects(post([anna]), 400, /externalId|kind/));

    it('malformed JSON', () =>
      rejects(
        () =>
          t.admin
            .post('/v1/customers')
            .set('Content-Type', 'application/json')
            .send('{"externalId": "x", "kind": "consumer"'),
        400,
        /not valid JSON/,
      ));

    it('a body over 1 MB: 413 in the same JSON shape', async () => {
      const big = {
        ...anna,
        externalId: 'big',
        attributes: { blob: 'x'.repeat(1024 * 1024 + 10) },
      };
      await rejects(post(big), 413, /larger than the limit/);
      const res = await t.admin.post('/v1/customers').send(big);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: [expect.any(String)],
      });
    });
  });

  describe('get', () => {
    it('returns a customer by id', async () => {
      const [{ id }] = await t.db.query(`SELECT id FROM customers WHERE external_id = 'crm-1001'`);
      const res = await t.admin.get(`/v1/customers/${id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id,
        externalId: 'crm-1001',
        lifecycleStage: 'prospect',
        lifecycle: { purchaseCount: 0, firstPurchaseAt: null, lastPurchaseAt: null },
        suppressions: [],
      });
    });

    it('answers 404 for an unknown uuid', async () => {
      const res = await t.admin.get('/v1/customers/00000000-0000-4000-8000-000000000000');
      expect(res.status).toBe(404);
      expect(res.body.message[0]).toMatch(/not found/);
    });

    it('answers 400 for an id that is not a uuid', async () => {
      const res = await t.admin.get('/v1/customers/not-a-uuid');
      expect(res.status).toBe(400);
      expect(res.body.message[0]).toMatch(/uuid/i);
    });
  });

  describe('patch', () => {
    let id: string;
    beforeAll(async () => {
      const res = await t.admin.post('/v1/customers').send({ ...anna, externalId: 'crm-patch' });
      id = res.body.id;
    });
    const patch = (body: unknown) => () =>
      t.admin.patch(`/v1/customers/${id}`).send(body as object);

    it('changes only the fields given', async () => {
      const res = await t.admin.patch(`/v1/customers/${id}`).send({ name: 'Анна К.' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ...anna, externalId: 'crm-patch', name: 'Анна К.', id });
    });

    it('normalises and validates the phone', async () => {
      const ok = await t.admin.patch(`/v1/customers/${id}`).send({ phone: '8 916 765-43-21' });
      expect(ok.status).toBe(200);
      expect(ok.body.phone).toBe('+79167654321');
      await rejects(patch({ phone: '123' }), 400, /^phone must be a valid phone number$/);
    });

    it('clears the e-mail with null', async () => {
      const res = await t.admin.patch(`/v1/customers/${id}`).send({ email: null });
      expect(res.status).toBe(200);
      expect(res.body.email).toBeNull();
      const [row] = await t.db.query('SELECT email FROM customers WHERE id = $1', [id]);
      expect(row.email).toBeNull();
    });

    it.each([
      ['kind', /^kind /],
      ['timezone', /^timezone /],
      ['locale', /^locale /],
      ['externalId', /^externalId /],
    ])('refuses null for the required field %s', (field, message) =>
      rejects(patch({ [field]: null }), 400, message),
    );

    it('validates types, time zones and unknown fields as POST does', async () => {
      await rejects(patch({ timezone: '+03:00' }), 400, /^timezone must be an IANA time zone/);
      await rejects(patch({ email: 'nope' }), 400, /^email must be an email$/);
      await rejects(patch({ attributes: 'x' }), 400, /^attributes must be a JSON object$/);
      await rejects(patch({ foo: 1 }), 400, /^property foo should not exist$/);
    });

    it('refuses business without company', () =>
      rejects(patch({ kind: 'business' }), 400, /^company /));

    it('refuses an externalId that another customer has', () =>
      rejects(patch({ externalId: 'crm-1001' }), 400, /^externalId is already used/));

    it('answers 404 for an unknown customer', async () => {
      const res = await t.admin
        .patch('/v1/customers/00000000-0000-4000-8000-000000000000')
        .send({ name: 'x' });
      expect(res.status).toBe(404);
    });
  });
});

describe('customers: search and list', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    for (let i = 1; i <= 7; i++) {
      const res = await t.admin.post('/v1/customers').send({
        externalId: `list-${i}`,
        kind: 'consumer',
        email: `person${i}@example.com`,
        phone: `+7916000000${i}`,
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(() => t.close());

  it('finds by e-mail, case-insensitively', async () => {
    const res = await t.admin.get('/v1/customers').query({ email: 'PERSON3@Example.com' });
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: { externalId: string }) => c.externalId)).toEqual(['list-3']);
    expect(res.body.nextCursor).toBeNull();
  });

  it('finds by phone in any format', async () => {
    const res = await t.admin.get('/v1/customers').query({ phone: '8 (916) 000-00-05' });
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: { externalId: string }) => c.externalId)).toEqual(['list-5']);
  });

  it('refuses an invalid phone in the search', async () => {
    const res = await t.admin.get('/v1/customers').query({ phone: 'abc' });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(['phone must be a valid phone number']);
  });

  it('finds by externalId', async () => {
    const res = await t.admin.get('/v1/customers').query({ externalId: 'list-7' });
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ externalId: 'list-7', email: 'person7@example.com' });
    const none = await t.admin.get('/v1/customers').query({ externalId: 'nobody' });
    expect(none.body).toEqual({ items: [], nextCursor: null });
  });

  it('pages with a cursor: every customer once, nextCursor null at the end', async () => {
    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | null | undefined;
    do {
      const res = await t.admin
        .get('/v1/customers')
        .query(cursor ? { limit: 3, cursor } : { limit: 3 });
      expect(res.status).toBe(200);
      pages.push(res.body.items.length);
      seen.push(...res.body.items.map((c: { externalId: string }) => c.externalId));
      cursor = res.body.nextCursor;
    } while (cursor && pages.length < 10);
    expect(pages).toEqual([3, 3, 1]);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `list-${i}`));
  });

  it('refuses a bad cursor or limit', async () => {
    const cursor = await t.admin.get('/v1/customers').query({ cursor: 'garbage' });
    expect(cursor.status).toBe(400);
    expect(cursor.body.message).toEqual(['cursor is not valid']);
    const limit = await t.admin.get('/v1/customers').query({ limit: 'ten' });
    expect(limit.status).toBe(400);
    expect(limit.body.message).toEqual(['limit must be a whole number']);
  });

  it('lets an auditor read but not write', async () => {
    const auditor = await t.keyFor('auditor');
    const list = await t.as(auditor).get('/v1/customers');
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    const one = await t.as(auditor).get(`/v1/customers/${list.body.items[0].id}`);
    expect(one.status).toBe(200);
    const before = await t.db.query('SELECT * FROM customers ORDER BY id');
    const create = await t
      .as(auditor)
      .post('/v1/customers')
      .send({ externalId: 'x', kind: 'consumer' });
    expect(create.status).toBe(403);
    const patch = await t
      .as(auditor)
      .patch(`/v1/customers/${list.body.items[0].id}`)
      .send({ name: 'x' });
    expect(patch.status).toBe(403);
    const erase = await t.as(auditor).delete(`/v1/customers/${list.body.items[0].id}`);
    expect(erase.status).toBe(403);
    expect(await t.db.query('SELECT * FROM customers ORDER BY id')).toEqual(before);
  });

  it('lets marketer and integration keys create', async () => {
    for (const role of ['marketer', 'integration'] as const) {
      const key = await t.keyFor(role);
      const res = await t
        .as(key)
        .post('/v1/customers')
        .send({ externalId: `by-${role}`, kind: 'consumer' });
      expect(res.status).toBe(201);
    }
  });
});

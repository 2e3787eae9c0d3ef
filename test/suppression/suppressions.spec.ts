import { addressHash } from '../../src/suppression/suppression.service';
import { createTestApp, TestApp } from '../support/test-app';

describe('/v1/suppressions', () => {
  let t: TestApp;
  let integration: string;
  let marketer: string;
  let auditor: string;
  let integrationId: string;

  beforeAll(async () => {
    t = await createTestApp();
    [integration, marketer, auditor] = await Promise.all([
      t.keyFor('integration'),
      t.keyFor('marketer'),
      t.keyFor('auditor'),
    ]);
    [{ id: integrationId }] = await t.db.query(
      `SELECT id FROM api_keys WHERE role = 'integration'`,
    );
  });
  afterAll(() => t.close());

  const rowCount = async () =>
    Number((await t.db.query('SELECT count(*)::int AS n FROM suppressions'))[0].n);

  it('adds a do-not-contact e-mail as a hash only, audited with the key id', async () => {
    const res = await t
      .as(integration)
      .post('/v1/suppressions')
      .send({ email: 'DNC@Example.RU', reason: 'do_not_contact', note: 'ticket 42' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      addressType: 'email',
      reason: 'do_not_contact',
      note: 'ticket 42',
      created: true,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/dnc@example/i);
    const rows = await t.db.query('SELECT * FROM suppressions');
    expect(rows).toEqual([
      expect.objectContaining({
        address_type: 'email',
        address_hash: addressHash('email', 'dnc@example.ru'),
        reason: 'do_not_contact',
      }),
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/dnc@example/i);
    const audit = await t.db.query(
      `SELECT actor, reason, data FROM audit_events WHERE type = 'suppression.added'`,
    );
    expect(audit).toEqual([
      {
        actor: `key:${integrationId}`,
        reason: 'do_not_contact',
        data: expect.objectContaining({ addressType: 'email', suppressionId: res.body.id }),
      },
    ]);
    // Adding it again changes nothing.
    const again = await t
      .as(integration)
      .post('/v1/suppressions')
      .send({ email: 'dnc@example.ru', reason: 'do_not_contact' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: res.body.id, created: false });
    expect(await rowCount()).toBe(1);
  });

  it('normalises phones to E.164 before hashing, so any spelling matches', async () => {
    const res = await t
      .as(integration)
      .post('/v1/suppressions')
      .send({ phone: '8 (916) 555-44-33', reason: 'do_not_contact' });
    expect(res.status).toBe(201);
    const [row] = await t.db.query('SELECT address_hash FROM suppressions WHERE id = $1', [
      res.body.id,
    ]);
    expect(row.address_hash).toBe(addressHash('phone', '+79165554433'));
    const check = await t
      .as(marketer)
      .get('/v1/suppressions/check')
      .query({ phone: '+7 916 555 44 33' });
    expect(check.status).toBe(200);
    expect(check.body).toEqual({
      suppressed: true,
      items: [
        {
          id: res.body.id,
          addressType: 'phone',
          reason: 'do_not_contact',
          note: null,
          since: expect.any(String),
        },
      ],
    });
  });

  it('checks an address: suppressed and why, or not', async () => {
    const yes = await t.as(auditor).get('/v1/suppressions/check?email=dnc@example.ru');
    expect(yes.body).toMatchObject({ suppressed: true, items: [{ reason: 'do_not_contact' }] });
    const no = await t.as(auditor).get('/v1/suppressions/check?email=fine@example.ru');
    expect(no.body).toEqual({ suppressed: false, items: [] });
  });

  it('shows erasure suppressions too, which cannot be lifted', async () => {
    const c = await t.admin
      .post('/v1/customers')
      .send({ externalId: 'crm-sup', kind: 'consumer', email: 'erased@example.ru' });
    expect((await t.admin.delete(`/v1/customers/${c.body.id}`)).status).toBe(204);
    const check = await t.as(integration).get('/v1/suppressions/check?email=erased@example.ru');
    expect(check.body).toMatchObject({ suppressed: true, items: [{ reason: 'erasure' }] });
    const lift = await t.as(integration).delete(`/v1/suppressions/${check.body.items[0].id}`);
    expect(lift.status).toBe(409);
    expect(lift.body.message.join()).toMatch(/only do_not_contact/);
  });

  it('lifts a do-not-contact entry (audited); lifting again is harmless', async () => {
    const check = await t.as(integration).get('/v1/suppressions/check?email=dnc@example.ru');
    const sid = check.body.items[0].id;
    expect((await t.as(integration).delete(`/v1/suppressions/${sid}`)).status).toBe(204);
    expect((await t.as(integration).delete(`/v1/suppressions/${sid}`)).status).toBe(204);
    const after = await t.as(integration).get('/v1/suppressions/check?email=dnc@example.ru');
    expect(after.body).toEqual({ suppressed: false, items: [] });
    const audit = await t.db.query(
      `SELECT actor, data FROM audit_events WHERE type = 'suppression.lifted'`,
    );
    expect(audit).toEqual([
      { actor: `key:${integrationId}`, data: { suppressionId: sid, addressType: 'email' } },
    ]);
    expect((await t.as(integration).delete('/v1/suppressions/999999')).status).toBe(404);
    expect((await t.as(integration).delete('/v1/suppressions/abc')).status).toBe(400);
  });

  it.each([
    [{ reason: 'do_not_contact' }, /email or phone is required/],
    [{ email: 'a@example.ru', phone: '+79161234567', reason: 'do_not_contact' }, /not both/],
    [{ email: 'not-an-email', reason: 'do_not_contact' }, /email must be an email/],
    [{ phone: '12', reason: 'do_not_contact' }, /phone/],
    [{ phone: '+7 000', reason: 'do_not_contact' }, /phone must be a valid phone number/],
    [{ email: 'a@example.ru', reason: 'hard_bounce' }, /reason must be do_not_contact/],
    [{ email: 'a@example.ru' }, /reason must be do_not_contact/],
  ])('refuses bad payload %# with 400 naming the field', async (body, message) => {
    const before = await rowCount();
    const res = await t.as(integration).post('/v1/suppressions').send(body);
    expect(res.status).toBe(400);
    expect(res.body.message.join('\n')).toMatch(message);
    expect(await rowCount()).toBe(before);
  });

  it('needs an address to check, and the right role to write', async () => {
    expect((await t.as(auditor).get('/v1/suppressions/check')).status).toBe(400);
    const body = { email: 'x@example.ru', reason: 'do_not_contact' };
    expect((await t.as(auditor).post('/v1/suppressions').send(body)).status).toBe(403);
    expect((await t.as(marketer).post('/v1/suppressions').send(body)).status).toBe(403);
    expect((await t.as(marketer).delete('/v1/suppressions/1')).status).toBe(403);
    expect((await t.admin.post('/v1/suppressions').send(body)).status).toBe(201);
  });
});

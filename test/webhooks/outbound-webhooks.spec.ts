import { signInToConsole } from '../support/console-session';
import { grantConfirmed } from '../support/consent-steps';
import { createTestApp, createTopics, type TestApp } from '../support/test-app';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.service';
import { WebhookReceiver } from './receiver';

const EMAIL = 'Olga.Webhook@Mail.Example';
const NAME = 'Ольга Вебхукова';

async function aCustomer(t: TestApp, externalId: string): Promise<string> {
  const res = await t.admin
    .post('/v1/customers')
    .send({ externalId, kind: 'consumer', name: NAME, email: EMAIL.replace('Olga', externalId) });
  expect(res.status).toBe(201);
  return res.body.id;
}

const withdraw = (t: TestApp, id: string) =>
  t.admin
    .post(`/v1/customers/${id}/consents`)
    .send({ channel: 'email', topic: 'tips', action: 'withdraw', source: 'api' })
    .expect(201);

const outboxCount = async (t: TestApp) =>
  Number((await t.db.query(`SELECT count(*) AS n FROM webhook_outbox`))[0].n);

describe('outbound webhooks: registration', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    await createTopics(t);
  });
  afterAll(() => t.close());

  it('an admin registers an endpoint: 201 with id and secret, shown once and stored sealed', async () => {
    const res = await t.admin
      .post('/v1/webhooks')
      .send({ url: 'https://crm.example/hooks', events: ['consent.withdrawn', 'delivery.*'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      secret: expect.stringMatching(/^whsec_/),
    });
    const list = await t.admin.get('/v1/webhooks');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: res.body.id, url: 'https://crm.example/hooks', pending: 0 }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(res.body.secret);
    const [row] = await t.db.query(`SELECT secret_sealed FROM webhook_endpoints WHERE id = $1`, [
      res.body.id,
    ]);
    expect(row.secret_sealed).not.toContain(res.body.secret.slice(6, 20));
    const audit = await t.db.query(
      `SELECT type FROM audit_events WHERE type = 'admin.webhook_created' AND data->>'endpointId' = $1`,
      [res.body.id],
    );
    expect(audit).toHaveLength(1);
    expect((await t.admin.delete(`/v1/webhooks/${res.body.id}`)).status).toBe(204);
    expect((await t.admin.delete(`/v1/webhooks/${res.body.id}`)).status).toBe(404);
    expect((await t.admin.get('/v1/webhooks')).body.items).toEqual([]);
  });

  it.each([
    [{ url: 'file:///etc/passwd', events: ['consent.withdrawn'] }, /url must use http or https/],
    [{ url: 'gopher://crm.example/x', events: ['consent.withdrawn'] }, /url must use http/],
    [{ url: 'https://u:p@crm.example/', events: ['consent.withdrawn'] }, /user name or password/],
    [{ url: 'not a url', events: ['consent.withdrawn'] }, /absolute http/],
    [{ url: 'https://crm.example/', events: ['customer.created'] }, /events must each be one of/],
    [{ url: 'https://crm.example/', events: [] }, /at least one event/],
    [{ url: 'https://crm.example/', events: 'consent.withdrawn' }, /events must be an array/],
    [{ url: 'https://crm.example/\u0000', events: ['consent.withdrawn'] }, /url/],
    [{ url: `https://crm.example/${'a'.repeat(3000)}`, events: ['consent.withdrawn'] }, /2000/],
  ])('a bad registration is refused with a clear 400 (%#)', async (body, message) => {
    const res = await t.admin.post('/v1/webhooks').send(body);
    expect(res.status).toBe(400);
    expect(res.body.message.join(' ')).toMatch(message);
  });

  it('only admins manage endpoints', async () => {
    for (const role of ['marketer', 'auditor', 'integration'] as const) {
      const key = await t.keyFor(role);
      expect((await t.as(key).get('/v1/webhooks')).status).toBe(403);
      expect(
        (
          await t
            .as(key)
            .post('/v1/webhooks')
            .send({ url: 'https://x.example/', events: ['consent.withdrawn'] })
        ).status,
      ).toBe(403);
    }
  });

  it('with no endpoint nothing is written to the outbox', async () => {
    const id = await aCustomer(t, 'no-endpoint');
    await grantConfirmed(t, id, 'email', 'tips');
    await withdraw(t, id);
    expect(await outboxCount(t)).toBe(0);
  });
});

describe('outbound webhooks: delivery', () => {
  let t: TestApp;
  const receiver = new WebhookReceiver();
  let endpoint: string;

  beforeAll(async () => {
    const url = await receiver.start();
    // A worker instance: the dispatcher runs on its own, every second.
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api,worker' } });
    await createTopics(t);
    const res = await t.admin.post('/v1/webhooks').send({
      url,
      events: ['consent.granted', 'consent.withdrawn', 'customer.erased', 'suppression.added'],
    });
    endpoint = res.body.id;
    receiver.secret = res.body.secret;
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  it('a receiver verifying signatures sees a withdrawal within seconds, with ids and codes only', async () => {
    const id = await aCustomer(t, 'withdrawer');
    await grantConfirmed(t, id, 'email', 'tips');
    const started = Date.now();
    await withdraw(t, id);
    const got = await receiver.waitFor(
      (r) => r.type === 'consent.withdrawn' && r.data.customerId === id,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(got.data).toMatchObject({
      customerId: id,
      channel: 'email',
      topic: 'tips',
      source: 'api',
    });
    expect(got.headers['webhook-id']).toMatch(/^msg_\d+$/);
    expect(got.body).not.toMatch(/@|Ольга|withdrawer/i);
    expect(receiver.refused).toEqual([]);
  });

  it('a 500 is retried with back-off and both attempts are recorded with their answers', async () => {
    receiver.answers = [500];
    const id = await aCustomer(t, 'retry');
    await grantConfirmed(t, id, 'email', 'tips');
    const got = await receiver.waitFor(
      (r) => r.type === 'consent.granted' && r.data.customerId === id,
      15000,
    );
    const attempts = (await t.admin.get(`/v1/webhooks/${endpoint}/attempts`)).body.items.filter(
      (a: { messageId: string }) => `msg_${a.messageId}` === got.id,
    );
    expect(
      attempts.map((a: { statusCode: number; answer: string }) => [a.statusCode, a.answer]),
    ).toEqual([
      [200, 'ok'],
      [500, 'busy'],
    ]);
  });

  it('an erasure is announced by ids only', async () => {
    const id = await aCustomer(t, 'erased');
    expect((await t.admin.delete(`/v1/customers/${id}`)).status).toBe(204);
    const got = await receiver.waitFor(
      (r) => r.type === 'customer.erased' && r.data.customerId === id,
    );
    expect(Object.keys(got.data).sort()).toEqual(['auditId', 'customerId']);
    const rows = await t.db.query(`SELECT payload::text AS p FROM webhook_outbox`);
    for (const r of rows) expect(r.p).not.toMatch(/@|Ольга/);
  });

  it('"send again" sends a message once more; another endpoint’s message is not found', async () => {
    const [m] = await t.db.query(
      `SELECT id FROM webhook_outbox WHERE endpoint_id = $1 AND status = 'sent' ORDER BY id LIMIT 1`,
      [endpoint],
    );
    const before = receiver.received.filter((r) => r.id === `msg_${m.id}`).length;
    const res = await t.admin.post(`/v1/webhooks/${endpoint}/messages/${m.id}/resend`);
    expect(res.status).toBe(200);
    await receiver.waitFor(
      () => receiver.received.filter((r) => r.id === `msg_${m.id}`).length > before,
    );
    const other = await t.admin.post(
      `/v1/webhooks/00000000-0000-4000-8000-000000000000/messages/${m.id}/resend`,
    );
    expect(other.status).toBe(404);
    expect((await t.admin.post(`/v1/webhooks/${endpoint}/messages/x1/resend`)).status).toBe(400);
  });

  it('the console lists endpoints and attempts to admins, and sends again with CSRF only', async () => {
    const { cookie, csrf } = await signInToConsole(t, (await t.keyFor('admin')) as string);
    const page = await t.http.get('/console/webhooks').set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('/hooks/tactful');
    expect(page.text).toMatch(/<td>500<\/td><td>busy<\/td>/);
    const [m] = await t.db.query(
      `SELECT id FROM webhook_outbox WHERE endpoint_id = $1 AND status = 'sent' ORDER BY id LIMIT 1`,
      [endpoint],
    );
    const action = `/console/webhooks/${endpoint}/messages/${m.id}/resend`;
    expect(page.text).toContain(action);
    const forged = await t.http
      .post(action)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: 'x' });
    expect(forged.status).toBe(403);
    const ok = await t.http.post(action).set('Cookie', cookie).type('form').send({ _csrf: csrf });
    expect(ok.status).toBe(303);
    const [row] = await t.db.query(`SELECT status FROM webhook_outbox WHERE id = $1`, [m.id]);
    expect(['pending', 'sent']).toContain(row.status);

    const marketer = await signInToConsole(t, await t.keyFor('marketer'));
    const denied = await t.http.get('/console/webhooks').set('Cookie', marketer.cookie);
    expect(denied.status).toBe(403);
    expect(denied.text).not.toContain('/hooks/tactful');
    const dash = await t.http.get('/console').set('Cookie', marketer.cookie);
    expect(dash.text).not.toContain('/console/webhooks');
  });

  it('after a day of failures a message is marked failed', async () => {
    const dispatcher = t.app.get(WebhookDispatcher);
    receiver.answers = Array.from({ length: 100 }, () => 503);
    const id = await aCustomer(t, 'failing');
    await grantConfirmed(t, id, 'email', 'tips');
    const [m] = await t.db.query(
      `SELECT id FROM webhook_outbox WHERE payload->>'customerId' = $1 AND event_type = 'consent.granted'`,
      [id],
    );
    // The event is a day old and due now: the next refusal is its last.
    await t.db.query(
      `UPDATE webhook_outbox SET occurred_at = occurred_at - interval '24 hours', next_attempt_at = now()
        WHERE id = $1`,
      [m.id],
    );
    await dispatcher.dispatch();
    const [row] = await t.db.query(
      `SELECT status, attempts, last_status FROM webhook_outbox WHERE id = $1`,
      [m.id],
    );
    expect(row).toMatchObject({ status: 'failed', last_status: 503 });
    receiver.answers = [];
  });
});

describe('outbound webhooks: no event lost across a restart', () => {
  it('events written while no worker runs, or in flight when it stops, arrive after a restart', async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    const api = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    try {
      await createTopics(api);
      const res = await api.admin.post('/v1/webhooks').send({ url, events: ['consent.withdrawn'] });
      receiver.secret = res.body.secret;
      const ids = [
        await aCustomer(api, 'r1'),
        await aCustomer(api, 'r2'),
        await aCustomer(api, 'r3'),
      ];
      for (const id of ids) await grantConfirmed(api, id, 'email', 'tips');

      // A worker that only ever sees 500s, stopped mid-way.
      receiver.answers = Array.from({ length: 100 }, () => 500);
      const first = await createTestApp({ env: { TACTFUL_ROLES: 'worker' }, shareDatabaseOf: api });
      await withdraw(api, ids[0]);
      const until = Date.now() + 5000;
      while (!(await api.db.query(`SELECT 1 FROM webhook_attempts LIMIT 1`)).length) {
        if (Date.now() > until) throw new Error('no attempt made');
        await new Promise((r) => setTimeout(r, 50));
      }
      await first.close();

      // Written while no worker runs.
      await withdraw(api, ids[1]);
      await withdraw(api, ids[2]);
      expect(receiver.received).toEqual([]);

      receiver.answers = [];
      const second = await createTestApp({
        env: { TACTFUL_ROLES: 'worker' },
        shareDatabaseOf: api,
      });
      try {
        await second.app.get(WebhookDispatcher).dispatch();
        // The first one waits for its back-off (5 s) after the 500.
        for (const id of ids) {
          await receiver.waitFor((r) => r.data.customerId === id, 15000);
        }
      } finally {
        await second.close();
      }
      expect(new Set(receiver.received.map((r) => r.id)).size).toBe(3);
    } finally {
      await api.close();
      await receiver.stop();
    }
  });
});

import { LinkTokenService } from '../../src/tokens/link-token.service';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { createTestApp, createTopics, TestApp } from '../support/test-app';
import { loginForm } from '../support/console-session';

/**
 * While PostgreSQL is unreachable every route answers 503 with Retry-After (what a mailbox
 * provider or an API client retries), never 500; when it returns the service works again by
 * itself. The database is cut off through a TCP proxy, so the shared test server is untouched.
 */
describe('database outage', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let tokens: LinkTokenService;
  let customerId: string;

  beforeAll(async () => {
    const template = new URL(process.env.TACTFUL_TEST_TEMPLATE_URL ?? '');
    proxy = await startTcpProxy(template.hostname, Number(template.port));
    t = await createTestApp({
      connectVia: (url) => proxy.via(url),
      env: { TACTFUL_ROLES: 'api' },
    });
    tokens = t.app.get(LinkTokenService);
    await createTopics(t);
    const res = await t.admin.post('/v1/customers').send({
      externalId: 'outage-1',
      kind: 'consumer',
      email: 'outage-1@example.ru',
      locale: 'en',
    });
    customerId = res.body.id;
    const grant = await t.admin.post(`/v1/customers/${customerId}/consents`).send({
      channel: 'email',
      topic: 'tips',
      action: 'grant',
      source: 'web-form',
      confirmed: true,
      evidence: { wording: 'Yes, send me tips', wordingVersion: 'v1' },
    });
    expect(grant.status).toBe(201);
  });
  afterAll(async () => {
    proxy.restore();
    await t.close();
    await proxy.close();
  });

  const requests = () => {
    const unsubscribe = tokens.issue({
      purpose: 'unsubscribe',
      customerId,
      channel: 'email',
      topic: 'tips',
    });
    const preferences = tokens.issue({
      purpose: 'preferences',
      customerId,
      channel: 'email',
      topic: '*',
    });
    return {
      oneClick: () =>
        t.http
          .post(`/u/${unsubscribe}`)
          .set('Content-Type', 'application/x-www-form-urlencoded')
          .send('List-Unsubscribe=One-Click'),
      preferencePage: () => t.http.get(`/p/${preferences}`),
      subscribe: () =>
        t.http.post('/v1/subscribe').send({
          email: 'newcomer@example.ru',
          topics: ['tips'],
          locale: 'en',
          wordingVersion: 'newsletter-form-2026-01',
        }),
      api: () => t.admin.get(`/v1/customers/${customerId}`),
      consent: () =>
        t.admin.post(`/v1/customers/${customerId}/consents`).send({
          channel: 'email',
          topic: 'offers',
          action: 'withdraw',
          source: 'api',
        }),
      health: () => t.http.get('/health'),
    };
  };

  it('answers 503 with Retry-After on public and API routes and /health while the database is away', async () => {
    const r = requests();
    proxy.cut();
    for (const [name, send] of Object.entries(r)) {
      const res = await send();
      expect({ name, status: res.status }).toEqual({ name, status: 503 });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.stringify(res.body)).not.toMatch(/ECONN|terminated|postgres|5432/i);
    }
    const health = await r.health();
    expect(health.body).toMatchObject({ status: 'unhealthy', database: 'unreachable' });
  });

  it('a browser gets a small page, the console its own error page, both 503 with Retry-After', async () => {
    const r = requests();
    // Before the outage: the console's sign-in form (its pre-session cookie and token).
    const { pre, csrf } = await loginForm(t);
    proxy.cut();
    const page = await r.preferencePage().set('Accept', 'text/html,application/xhtml+xml');
    expect(page.status).toBe(503);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toMatch(/Temporarily unavailable/);
    expect(Number(page.headers['retry-after'])).toBeGreaterThan(0);
    const signIn = await t.http
      .post('/console/login')
      .set('Cookie', `tactful_console_pre=${pre}`)
      .type('form')
      .send({ key: 'tk_some-key', _csrf: csrf });
    expect(signIn.status).toBe(503);
    expect(signIn.headers['content-type']).toMatch(/^text\/html/);
    expect(Number(signIn.headers['retry-after'])).toBeGreaterThan(0);
    proxy.restore();
  });

  it('recovers by itself when the database returns: the same requests succeed, no restart', async () => {
    const r = requests();
    proxy.cut();
    expect((await r.api()).status).toBe(503);
    proxy.restore();
    expect((await r.health()).status).toBe(200);
    expect((await r.health()).body).toEqual({ status: 'ok', database: 'ok' });
    expect((await r.api()).status).toBe(200);
    expect((await r.preferencePage()).status).toBe(200);
    expect((await r.subscribe()).status).toBe(202);
    expect((await r.consent()).status).toBe(201);
    const oneClick = await r.oneClick();
    expect(oneClick.status).toBe(200);
    const state = await t.admin.get(`/v1/customers/${customerId}/consents`);
    expect(state.body.state.find((s: { topic: string }) => s.topic === 'tips' && s).status).toBe(
      'withdrawn',
    );
  });
});

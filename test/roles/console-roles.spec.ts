import { createHash, randomBytes } from 'node:crypto';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod, type Type } from '@nestjs/common';
import type request from 'supertest';
import { ConsoleModule } from '../../src/console/console.module';
import { ConsoleSessionService } from '../../src/console/session.service';
import { ADMIN_KEY, createTestApp, createTopics, type TestApp } from '../support/test-app';
import { postSignIn } from '../support/console-session';

type Role = 'admin' | 'marketer' | 'auditor' | 'integration';
const UNKNOWN = '7d444840-9dc0-11d1-b245-5ffdce74fad2';

interface Session {
  cookie: string;
  csrf: string;
}
interface ApiCall {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  body?: object;
}
interface ConsoleRoute {
  method: 'get' | 'post';
  path: string;
  form?: Record<string, string>;
  json?: object;
  /** The API routes the console route shows or does; none: any signed-in console user. */
  api: ApiCall[];
}

/** Every console route, as Nest registered it: `GET /console/audit`, … */
function consoleRoutes(): string[] {
  const controllers: Type[] = Reflect.getMetadata('controllers', ConsoleModule);
  const out: string[] = [];
  for (const c of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, c));
    for (const name of Object.getOwnPropertyNames(c.prototype)) {
      const handler = (c.prototype as Record<string, unknown>)[name];
      if (typeof handler !== 'function' || name === 'constructor') continue;
      const path: string | undefined = Reflect.getMetadata(PATH_METADATA, handler);
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      out.push(`${method} /${[base, path].filter((p) => p && p !== '/').join('/')}`);
    }
  }
  return out.sort();
}

/**
 * The console's reads and writes follow the API's roles: each console route, called by each
 * role, is allowed exactly when every API route it mirrors is allowed to that role's key.
 */
describe('console routes follow the API roles', () => {
  let t: TestApp;
  const keys = {} as Record<Role, string>;
  const sessions = {} as Record<Role, Session>;
  let customer: string;
  let campaign: string;

  const refused = (res: request.Response) =>
    res.status === 401 ||
    res.status === 403 ||
    (res.status === 303 && String(res.headers.location).startsWith('/console/login'));

  const signIn = (key: string) => postSignIn(t, key);
  const sessionFrom = (raw: string): Session => ({
    cookie: `tactful_console=${raw}; tactful_console_lang=en`,
    csrf: t.app.get(ConsoleSessionService).csrfFor(createHash('sha256').update(raw).digest('hex')),
  });

  const callApi = (role: Role, c: ApiCall) => {
    const req = t.as(keys[role])[c.method](c.path);
    return c.body ? req.send(c.body) : req;
  };
  const callConsole = (s: Session, r: ConsoleRoute) => {
    if (r.method === 'get') return t.http.get(r.path).set('Cookie', s.cookie);
    const req = t.http.post(r.path).set('Cookie', s.cookie);
    if (r.json) return req.set('X-CSRF-Token', s.csrf).send(r.json);
    return req.type('form').send({ ...(r.form ?? {}), _csrf: s.csrf });
  };

  // The console route → the API routes it mirrors, written out here (the code derives them).
  const table = (): Record<string, ConsoleRoute> => ({
    'GET /console': {
      method: 'get',
      path: '/console',
      api: [
        { method: 'get', path: '/v1/campaigns' },
        { method: 'get', path: `/v1/campaigns/${campaign}/report` },
      ],
    },
    'GET /console/customers': {
      method: 'get',
      path: '/console/customers?by=externalId&q=cr-1',
      api: [{ method: 'get', path: '/v1/customers?externalId=cr-1' }],
    },
    'GET /console/customers/:id': {
      method: 'get',
      path: `/console/customers/${customer}`,
      api: [
        { method: 'get', path: `/v1/customers/${customer}` },
        { method: 'get', path: `/v1/customers/${customer}/timeline` },
      ],
    },
    'GET /console/customers/:id/evidence': {
      method: 'get',
      path: `/console/customers/${customer}/evidence`,
      api: [{ method: 'get', path: `/v1/customers/${customer}/evidence` }],
    },
    'GET /console/customers/:id/erase': {
      method: 'get',
      path: `/console/customers/${UNKNOWN}/erase`,
      api: [{ method: 'delete', path: `/v1/customers/${UNKNOWN}` }],
    },
    'POST /console/customers/:id/erase': {
      method: 'post',
      path: `/console/customers/${UNKNOWN}/erase`,
      api: [{ method: 'delete', path: `/v1/customers/${UNKNOWN}` }],
    },
    'GET /console/campaigns': {
      method: 'get',
      path: '/console/campaigns',
      api: [
        { method: 'get', path: '/v1/campaigns' },
        { method: 'get', path: `/v1/campaigns/${campaign}/progress` },
      ],
    },
    'GET /console/campaigns/new': {
      method: 'get',
      path: '/console/campaigns/new',
      api: [{ method: 'post', path: '/v1/campaigns', body: {} }],
    },
    'POST /console/campaigns': {
      method: 'post',
      path: '/console/campaigns',
      form: {},
      api: [{ method: 'post', path: '/v1/campaigns', body: {} }],
    },
    'POST /console/api/audience-count': {
      method: 'post',
      path: '/console/api/audience-count',
      json: {},
      api: [{ method: 'post', path: '/v1/audiences/count', body: {} }],
    },
    'GET /console/campaigns/:id': {
      method: 'get',
      path: `/console/campaigns/${campaign}`,
      api: [
        { method: 'get', path: `/v1/campaigns/${campaign}` },
        { method: 'get', path: `/v1/campaigns/${campaign}/progress` },
        { method: 'post', path: `/v1/campaigns/${campaign}/forecast` },
      ],
    },
    'GET /console/campaigns/:id/live': {
      method: 'get',
      path: `/console/campaigns/${campaign}/live`,
      api: [
        { method: 'get', path: `/v1/campaigns/${campaign}` },
        { method: 'get', path: `/v1/campaigns/${campaign}/progress` },
      ],
    },
    'GET /console/campaigns/:id/edit': {
      method: 'get',
      path: `/console/campaigns/${UNKNOWN}/edit`,
      api: [{ method: 'patch', path: `/v1/campaigns/${UNKNOWN}`, body: {} }],
    },
    'POST /console/campaigns/:id': {
      method: 'post',
      path: `/console/campaigns/${UNKNOWN}`,
      form: {},
      api: [{ method: 'patch', path: `/v1/campaigns/${UNKNOWN}`, body: {} }],
    },
    'GET /console/campaigns/:id/confirm/:action': {
      method: 'get',
      path: `/console/campaigns/${UNKNOWN}/confirm/pause`,
      api: [{ method: 'post', path: `/v1/campaigns/${UNKNOWN}/pause` }],
    },
    'POST /console/campaigns/:id/:action': {
      method: 'post',
      path: `/console/campaigns/${UNKNOWN}/pause`,
      api: [{ method: 'post', path: `/v1/campaigns/${UNKNOWN}/pause` }],
    },
    'GET /console/audit': {
      method: 'get',
      path: '/console/audit?type=admin.*',
      api: [{ method: 'get', path: '/v1/audit?type=admin.*' }],
    },
    'GET /console/audit/export': {
      method: 'get',
      path: '/console/audit/export?type=admin.*&format=csv',
      api: [{ method: 'get', path: '/v1/audit/export?type=admin.*&format=csv' }],
    },
    'GET /console/templates': {
      method: 'get',
      path: '/console/templates',
      api: [{ method: 'get', path: '/v1/templates' }],
    },
    'GET /console/templates/new': {
      method: 'get',
      path: '/console/templates/new',
      api: [{ method: 'post', path: '/v1/templates', body: {} }],
    },
    'GET /console/templates/:name': {
      method: 'get',
      path: '/console/templates/cr-tips',
      api: [
        { method: 'get', path: '/v1/templates/cr-tips' },
        { method: 'get', path: '/v1/templates/cr-tips/versions' },
        { method: 'post', path: '/v1/templates/cr-tips/preview', body: {} },
      ],
    },
    'POST /console/templates': {
      method: 'post',
      path: '/console/templates',
      form: {},
      api: [{ method: 'post', path: '/v1/templates', body: {} }],
    },
    'GET /console/policies': {
      method: 'get',
      path: '/console/policies',
      api: [{ method: 'get', path: '/v1/policies/consumer' }],
    },
    'GET /console/policies/:kind': {
      method: 'get',
      path: '/console/policies/business',
      api: [
        { method: 'get', path: '/v1/policies/business' },
        { method: 'get', path: '/v1/policies/business/versions' },
      ],
    },
    'POST /console/policies/:kind': {
      method: 'post',
      path: '/console/policies/consumer',
      form: { policy: '{' },
      api: [{ method: 'put', path: '/v1/policies/consumer', body: {} }],
    },
    'GET /console/keys': {
      method: 'get',
      path: '/console/keys',
      api: [{ method: 'get', path: '/v1/api-keys' }],
    },
    'POST /console/keys': {
      method: 'post',
      path: '/console/keys',
      form: {},
      api: [{ method: 'post', path: '/v1/api-keys', body: {} }],
    },
    'GET /console/keys/:id/revoke': {
      method: 'get',
      path: `/console/keys/${UNKNOWN}/revoke`,
      api: [{ method: 'delete', path: `/v1/api-keys/${UNKNOWN}` }],
    },
    'POST /console/keys/:id/revoke': {
      method: 'post',
      path: `/console/keys/${UNKNOWN}/revoke`,
      api: [{ method: 'delete', path: `/v1/api-keys/${UNKNOWN}` }],
    },
    // Replies and follow-ups.
    'GET /console/follow-ups': {
      method: 'get',
      path: '/console/follow-ups',
      api: [{ method: 'get', path: '/v1/follow-ups' }],
    },
    'POST /console/follow-ups/:id/resolve': {
      method: 'post',
      path: `/console/follow-ups/${UNKNOWN}/resolve`,
      form: { note: 'done' },
      api: [{ method: 'post', path: `/v1/follow-ups/${UNKNOWN}/resolve`, body: { note: 'done' } }],
    },
    // Integrations: outbound webhooks.
    'GET /console/webhooks': {
      method: 'get',
      path: '/console/webhooks',
      api: [
        { method: 'get', path: '/v1/webhooks' },
        { method: 'get', path: `/v1/webhooks/${UNKNOWN}/attempts` },
      ],
    },
    'POST /console/webhooks/:id/messages/:messageId/resend': {
      method: 'post',
      path: `/console/webhooks/${UNKNOWN}/messages/1/resend`,
      api: [{ method: 'post', path: `/v1/webhooks/${UNKNOWN}/messages/1/resend` }],
    },
  });
  // Sign-in, language, static files and sign-out mirror no API route.
  const OWN_ROUTES = [
    'GET /console/assets/:name',
    'GET /console/lang/:lang',
    'GET /console/login',
    'POST /console/login',
    'POST /console/logout',
    // The viewer's time zone, like the language: a cookie for anyone, signed in or not.
    'GET /console/zone',
  ];

  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    keys.admin = ADMIN_KEY;
    for (const role of ['marketer', 'auditor', 'integration'] as const)
      keys[role] = await t.keyFor(role);
    await createTopics(t);
    customer = (await t.admin.post('/v1/customers').send({ externalId: 'cr-1', kind: 'consumer' }))
      .body.id;
    const tpl = await t.admin.post('/v1/templates').send({
      name: 'cr-tips',
      locales: { en: { subject: 'Tips', html: '<p>Hi</p>', text: 'Hi' } },
    });
    expect(tpl.status).toBe(201);
    const c = await t.admin.post('/v1/campaigns').send({
      name: 'Roles',
      topic: 'tips',
      goal: 'engagement',
      template: 'cr-tips',
      channels: ['email'],
      audience: {},
      schedule: { type: 'once', at: '2030-01-01T10:00:00Z' },
    });
    expect(c.status).toBe(201);
    campaign = c.body.id;
    for (const role of ['admin', 'marketer', 'auditor'] as const) {
      const res = await signIn(keys[role]);
      expect(res.status).toBe(303);
      const raw = /tactful_console=([^;]+)/.exec(
        (res.headers['set-cookie'] as unknown as string[]).join('\n'),
      )?.[1];
      sessions[role] = sessionFrom(String(raw));
    }
  });
  afterAll(() => t.close());

  it('the table covers every console route Nest registered', () => {
    expect([...Object.keys(table()), ...OWN_ROUTES].sort()).toEqual(consoleRoutes());
  });

  it.each(['admin', 'marketer', 'auditor'] as const)(
    'as %s: each console route is allowed exactly when its API routes are',
    async (role) => {
      const outcomes: Record<string, { api: boolean; console: boolean }> = {};
      for (const [name, route] of Object.entries(table())) {
        let api = true;
        for (const call of route.api) if (refused(await callApi(role, call))) api = false;
        const res = await callConsole(sessions[role], route);
        expect(res.status).toBeLessThan(500);
        outcomes[name] = { api, console: !refused(res) };
      }
      const mismatched = Object.entries(outcomes).filter(([, o]) => o.api !== o.console);
      expect(mismatched).toEqual([]);
    },
  );

  it('marketers get neither the audit nor the evidence, in the API or in the console', async () => {
    const m = sessions.marketer;
    for (const path of [
      '/console/audit',
      '/console/audit/export?format=ndjson',
      `/console/customers/${customer}/evidence`,
    ]) {
      const res = await t.http.get(path).set('Cookie', m.cookie);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.text).not.toContain('admin.api_key_created');
    }
    const page = await t.http.get(`/console/customers/${customer}`).set('Cookie', m.cookie);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('href="/console/audit"');
    expect(page.text).not.toContain(`/console/customers/${customer}/evidence`);
    const auditor = await t.http.get('/console/audit').set('Cookie', sessions.auditor.cookie);
    expect(auditor.status).toBe(200);
    expect(auditor.text).toContain('href="/console/audit"');
  });

  it('integration keys cannot sign in, and a session of one (forged in the database) opens nothing', async () => {
    const res = await signIn(keys.integration);
    expect(res.status).toBe(403);
    expect(String(res.headers['set-cookie'] ?? '')).not.toMatch(/tactful_console=[^;]/);
    const [{ id }] = await t.db.query(`SELECT id FROM api_keys WHERE role = 'integration'`);
    const raw = randomBytes(32).toString('base64url');
    await t.db.query(
      `INSERT INTO console_sessions (id_hash, key_id, role, created_at, expires_at)
       VALUES ($1, $2, 'integration', now(), now() + interval '1 hour')`,
      [createHash('sha256').update(raw).digest('hex'), id],
    );
    const forged = sessionFrom(raw);
    for (const [name, route] of Object.entries(table())) {
      const r = await callConsole(forged, route);
      expect({ name, refused: refused(r) }).toEqual({ name, refused: true });
    }
  });

  it('every role may sign out', async () => {
    for (const role of ['admin', 'marketer', 'auditor'] as const) {
      const res = await t.http
        .post('/console/logout')
        .set('Cookie', sessions[role].cookie)
        .type('form')
        .send({ _csrf: sessions[role].csrf });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/console/login');
    }
  });
});

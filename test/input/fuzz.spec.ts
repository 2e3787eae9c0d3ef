import fc from 'fast-check';
import type request from 'supertest';
import { ADMIN_KEY, createTestApp, createTopics, type TestApp } from '../support/test-app';
import { signInToConsole } from '../support/console-session';

/**
 * Junk to every route and parameter, with a key of each role and without one: only 4xx or the
 * documented 2xx/3xx, never a 5xx. Routes come from the Express router (so a new controller is
 * covered without editing this file); query parameter names and body shapes from the OpenAPI
 * document. A sweep sends fixed nasty input to every route × role, then fast-check sends random
 * input until the time budget is spent.
 */

const ROLES = ['admin', 'marketer', 'auditor', 'integration', 'anonymous'] as const;
type Role = (typeof ROLES)[number];
const BUDGET_MS = 30_000;

interface Route {
  method: string;
  path: string;
  params: string[];
  query: string[];
  bodyFields: string[];
}

interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string }[];
        requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
      }
    >
  >;
  components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
}

const NASTY: string[] = [
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x'.repeat(70_000),
  '0000-01-01',
  '10000-01-01',
  '2026-02-30',
  '1e400',
  '-1',
  '99999999999999999999999',
  '00000000-0000-0000-0000-000000000000',
  '------------------------------------',
  '../../etc/passwd',
  'Ωmega ✓ 🌷',
  '',
  ' ',
  'null',
  '[]',
  '{}',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  'YTo5OTk5OTk5OTk5OTk5OTk5OTk5OQ',
];

const nastyValue = fc.oneof(
  fc.constantFrom<unknown>(...NASTY),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.constantFrom<unknown>(...NASTY, 1, null, {}), { maxLength: 4 }),
  fc.dictionary(
    fc.constantFrom('__proto__', 'constructor', 'a', 'field'),
    fc.constantFrom<unknown>(...NASTY.slice(0, 10)),
  ),
  fc.constant(Array.from({ length: 300 }, () => ({ a: 1 }))),
);

/** A path segment as a client would write it; lone surrogates cannot be percent-encoded, so raw bytes. */
function encodeSegment(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
}

function toText(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
}

describe('fuzz: every route, every role, junk input: never a 5xx', () => {
  let t: TestApp;
  let routes: Route[];
  const keys: Partial<Record<Role, string>> = {};
  const console: Partial<Record<Role, { cookie: string; csrf: string }>> = {};
  const real: Record<string, string[]> = {};
  const failures: string[] = [];

  const signIn = (key: string) => signInToConsole(t, key);

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        // Configured, so Twilio webhooks answer 403 for a bad signature rather than a documented 503.
        TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
        TWILIO_AUTH_TOKEN: 'fuzz-token',
        TWILIO_FROM: '+15005550006',
      },
    });
    await createTopics(t);
    keys.admin = ADMIN_KEY;
    for (const role of ['marketer', 'auditor', 'integration'] as const)
      keys[role] = await t.keyFor(role);
    // Integration keys cannot sign in to the console; they reach it as a stranger would.
    for (const role of ['admin', 'marketer', 'auditor'] as const) {
      console[role] = await signIn(keys[role]!);
      // The fuzz reaches the pages behind the sign-in only if the session works.
      const dash = await t.http.get('/console').set('Cookie', console[role]!.cookie);
      if (dash.status !== 200 || !console[role]!.csrf)
        throw new Error(`console sign-in as ${role} failed`);
    }
    // Real ids, so that junk also reaches the code behind a found record.
    const customer = await t.as(keys.integration!).post('/v1/customers').send({
      externalId: 'fuzz-1',
      kind: 'consumer',
      name: 'Anna',
      email: 'anna@example.ru',
      timezone: 'Europe/Moscow',
      locale: 'ru',
    });
    const template = await t
      .as(keys.marketer!)
      .post('/v1/templates')
      .send({
        name: 'fuzz',
        locales: { en: { subject: 'Hi', html: '<p>Hi {{customer.name}}</p>', text: 'Hi' } },
      });
    const campaign = await t
      .as(keys.marketer!)
      .post('/v1/campaigns')
      .send({
        name: 'Fuzz',
        topic: 'tips',
        goal: 'retention',
        template: 'fuzz',
        channels: ['email'],
        audience: {},
        schedule: { type: 'now' },
      });
    real.id = [customer.body.id, campaign.body.id].filter(Boolean);
    real.name = [template.body.name ?? 'fuzz', 'tips'];
    real.key = ['tips', 'offers'];
    real.kind = ['consumer', 'business'];
    real.action = ['launch', 'pause', 'resume', 'cancel'];

    const inst = t.app.getHttpAdapter().getInstance() as {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    };
    const doc = (await t.http.get('/docs/openapi.json')).body as OpenApi;
    const seen = new Set<string>();
    routes = [];
    for (const layer of inst.router.stack) {
      if (!layer.route || typeof layer.route.path !== 'string') continue;
      const path = layer.route.path;
      if (!path.startsWith('/') || path.startsWith('/docs')) continue;
      for (const method of Object.keys(layer.route.methods)) {
        const key = `${method} ${path}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const apiPath = path.replace(/:(\w+)/g, '{$1}');
        const op = doc.paths[apiPath]?.[method];
        const ref = op?.requestBody?.content?.['application/json']?.schema?.$ref;
        const schema = ref ? doc.components?.schemas?.[ref.split('/').pop()!] : undefined;
        routes.push({
          method,
          path,
          params: [...path.matchAll(/:(\w+)/g)].map((m) => m[1]),
          query: (op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
          bodyFields: Object.keys(schema?.properties ?? {}),
        });
      }
    }
  }, 120_000);
  afterAll(() => t?.close());

  /** One request; records anything 5xx with what was sent. */
  async function send(
    route: Route,
    role: Role,
    input: { params: string[]; query: [string, unknown][]; body: unknown; contentType: string },
  ): Promise<number> {
    let url = route.path;
    route.params.forEach(
      (p, i) => (url = url.replace(`:${p}`, encodeSegment(input.params[i] ?? 'x'))),
    );
    const qs = input.query
      .flatMap(([k, v]) =>
        (Array.isArray(v) ? v : [v]).map(
          (item) => `${encodeSegment(k)}=${encodeSegment(toText(item))}`,
        ),
      )
      .join('&');
    if (qs) url += `?${qs}`;
    const method = route.method as 'get' | 'post' | 'put' | 'patch' | 'delete';
    if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) return 0;
    let req: request.Test = t.http[method](url);
    const session = url.startsWith('/console') ? console[role] : undefined;
    if (session) {
      req = req.set('Cookie', session.cookie);
    } else if (role !== 'anonymous') {
      req = req.set('Authorization', `Bearer ${keys[role]}`);
    }
    if (method !== 'get' && method !== 'delete') {
      let body = input.body;
      if (session && typeof body === 'object' && body && !Array.isArray(body)) {
        body = { ...body, _csrf: session.csrf };
      }
      req = req.set('Content-Type', input.contentType);
      if (
        input.contentType === 'application/x-www-form-urlencoded' &&
        typeof body === 'object' &&
        body
      ) {
        body = Object.entries(body)
          .map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(toText(v))}`)
          .join('&');
      }
      req = req.send(typeof body === 'string' ? body : (JSON.stringify(body) ?? ''));
    }
    const res = await req;
    if (res.status >= 500) {
      failures.push(
        `${res.status} ${route.method.toUpperCase()} ${url.slice(0, 300)} as ${role} ` +
          `[${input.contentType}] body=${toText(input.body).slice(0, 300)} → ${res.text.slice(0, 200)}`,
      );
    }
    return res.status;
  }

  it('sweep: fixed nasty input to every route with every role', async () => {
    expect(routes.length).toBeGreaterThan(80);
    let n = 0;
    for (const route of routes) {
      for (const role of ROLES) {
        const v = NASTY[n++ % NASTY.length];
        await send(route, role, {
          params: route.params.map(() => v),
          query: [...route.query.map((q) => [q, v] as [string, unknown]), ['cursor', [v, v]]],
          body: Object.fromEntries([
            ...route.bodyFields.map((f) => [f, v]),
            ['__proto__', { x: v }],
          ]),
          contentType: 'application/json',
        });
        // Real ids with a body of the wrong shape and wrong content types.
        await send(route, role, {
          params: route.params.map((p) => real[p]?.[n % real[p].length] ?? v),
          query: route.query.map((q) => [q, [v]] as [string, unknown]),
          body: n % 2 ? [v] : `${v}\u0000`,
          contentType: n % 2 ? 'application/json' : 'text/plain',
        });
      }
    }
    expect(failures).toEqual([]);
  }, 240_000);

  it(
    'random: fast-check junk until the time budget is spent',
    async () => {
      const deadline = Date.now() + BUDGET_MS;
      const input = fc.record({
        route: fc.nat({ max: routes.length - 1 }),
        role: fc.constantFrom(...ROLES),
        params: fc.array(
          fc.oneof(
            fc.constantFrom(...NASTY),
            fc.string({ unit: 'grapheme', maxLength: 30 }),
            fc.constant('real'),
          ),
          { minLength: 3, maxLength: 3 },
        ),
        query: fc.array(
          fc.tuple(
            fc.oneof(
              fc.constantFrom('cursor', 'limit', 'from', 'to', 'type', '__proto__'),
              fc.string({ maxLength: 8 }),
            ),
            nastyValue,
          ),
          { maxLength: 5 },
        ),
        knownQuery: fc.boolean(),
        body: fc.oneof(
          fc.dictionary(fc.string({ maxLength: 10 }), nastyValue, { maxKeys: 6 }),
          fc.constant('fields'),
          fc.jsonValue({ maxDepth: 6 }),
          fc.constant('['.repeat(50_000)),
          fc.string({ unit: 'binary', maxLength: 200 }),
        ),
        contentType: fc.constantFrom(
          'application/json',
          'application/json',
          'application/x-www-form-urlencoded',
          'text/plain',
          'application/xml',
          'application/json; charset=latin1',
          'multipart/form-data; boundary=x',
        ),
      });
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(input, nastyValue, async (i, fieldValue) => {
          if (Date.now() > deadline) return;
          runs++;
          const route = routes[i.route];
          const body =
            i.body === 'fields'
              ? Object.fromEntries(route.bodyFields.map((f) => [f, fieldValue]))
              : i.body;
          const status = await send(route, i.role, {
            params: route.params.map((p, k) =>
              i.params[k] === 'real' ? (real[p]?.[0] ?? 'x') : i.params[k],
            ),
            query: [
              ...(i.knownQuery ? route.query.map((q) => [q, fieldValue] as [string, unknown]) : []),
              ...i.query,
            ],
            body,
            contentType: i.contentType,
          });
          expect(status).toBeLessThan(500);
        }),
        {
          numRuns: 100_000,
          interruptAfterTimeLimit: BUDGET_MS + 5_000,
          markInterruptAsFailure: false,
          endOnFailure: true,
        },
      );
      expect(failures).toEqual([]);
      expect(runs).toBeGreaterThan(100);
    },
    BUDGET_MS + 60_000,
  );
});

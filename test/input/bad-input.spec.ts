import { createTestApp, type TestApp } from '../support/test-app';

const customer = {
  externalId: 'crm-1',
  kind: 'consumer',
  name: 'Anna',
  email: 'anna@example.ru',
  timezone: 'Europe/Moscow',
  locale: 'ru',
};
const b64 = (s: string) => Buffer.from(s).toString('base64url');

describe('bad input is a 400 naming the field, never a 500', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const customers = async (): Promise<number> =>
    (await t.db.query('SELECT count(*)::int AS n FROM customers'))[0].n as number;

  const expect400 = (
    res: { status: number; body: { statusCode?: number; message?: string[] } },
    message: RegExp,
  ) => {
    expect({ status: res.status, body: res.body }).toMatchObject({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request' },
    });
    expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  };

  describe('JSON nesting depth, limited in the body parser before anything walks the body', () => {
    const nested = (depth: number, leaf = '1') => '['.repeat(depth) + leaf + ']'.repeat(depth);

    it.each(['/v1/customers', '/v1/subscribe', '/v1/events', '/v1/audiences/count'])(
      '120,000 levels on %s: a quick 400 naming the body',
      async (url) => {
        const body = `{"attributes":${nested(120_000)}}`;
        const t0 = process.hrtime.bigint();
        const res = await t.admin.post(url).set('Content-Type', 'application/json').send(body);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        expect400(res, /^request body is nested more than 32 levels deep$/);
        expect(ms).toBeLessThan(2_000); // measured ~10 ms; margin for a busy machine
      },
    );

    it('33 levels are refused, 32 pass the parser (and reach validation)', async () => {
      const deep = (n: number) => `{"a":${nested(n - 1)}}`;
      const r33 = await t.admin
        .post('/v1/customers')
        .set('Content-Type', 'application/json')
        .send(deep(33));
      expect400(r33, /nested more than 32 levels/);
      const r32 = await t.admin
        .post('/v1/customers')
        .set('Content-Type', 'application/json')
        .send(deep(32));
      expect(r32.status).toBe(400);
      expect(r32.body.message.join(' ')).not.toMatch(/nested/);
    });

    it('brackets inside strings do not count as nesting', async () => {
      const res = await t.admin
        .post('/v1/customers')
        .send({ ...customer, name: '['.repeat(100) + '{"\\'.repeat(30) });
      expect(res.status).toBe(201);
    });
  });

  describe('text PostgreSQL refuses: NUL and unpaired surrogates', () => {
    it.each([
      ['NUL in a text field', { ...customer, name: 'An\u0000na' }, /^name must not contain NUL/],
      [
        'NUL escape in jsonb',
        { ...customer, attributes: { city: 'K\u0000' } },
        /^attributes\.city must not contain NUL/,
      ],
      [
        'NUL in a jsonb key',
        { ...customer, attributes: { ['ci\u0000ty']: 'K' } },
        /^attributes\.ci\\u0000ty \(a key\) must not contain NUL/,
      ],
      [
        'NUL deep in an array',
        { ...customer, attributes: { tags: ['a', 'b\u0000'] } },
        /^attributes\.tags\[1\] must not contain NUL/,
      ],
      [
        'a lone high surrogate',
        { ...customer, name: 'An\ud800na' },
        /^name must not contain .*unpaired surrogate/,
      ],
      [
        'a lone low surrogate in jsonb',
        { ...customer, attributes: { city: '\udc00' } },
        /^attributes\.city must not contain .*unpaired surrogate/,
      ],
    ])('%s on /v1/customers: 400, nothing written', async (_label, body, message) => {
      const before = await customers();
      const res = await t.admin.post('/v1/customers').send(body);
      expect400(res, message);
      expect(await customers()).toBe(before);
    });

    it('a paired surrogate (emoji) is fine', async () => {
      const res = await t.admin
        .post('/v1/customers')
        .send({ ...customer, externalId: 'crm-emoji', name: 'Anna 🌷' });
      expect(res.status).toBe(201);
      expect(res.body.name).toBe('Anna 🌷');
    });

    it('the public /v1/subscribe: 400 naming the field', async () => {
      const res = await t.http.post('/v1/subscribe').send({
        email: 'anna@example.ru',
        topics: ['tips'],
        locale: 'ru',
        wordingVersion: 'v\u00001',
      });
      expect400(res, /^wordingVersion must not contain NUL/);
    });

    it.each([
      ['/v1/customers?email=a%00b', /^query parameter email must not contain NUL/],
      ['/v1/customers?externalId=%ED%A0%80', /externalId/],
      ['/v1/templates?cursor=a%00', /^query parameter cursor must not contain NUL/],
      ['/v1/templates/a%00b', /must not contain NUL/],
    ])('in the URL: GET %s is a 400', async (url, message) => {
      const res = await t.admin.get(url);
      expect400(res, message);
    });
  });

  describe('malformed cursors', () => {
    it.each([
      ['/v1/customers', b64('------------------------------------')],
      ['/v1/customers', b64('zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz')],
      ['/v1/customers', 'not base64 at all!'],
      ['/v1/audit', b64('a:99999999999999999999')],
      ['/v1/audit', b64('a:9999999999999999999')],
      ['/v1/audit', '%00'],
      ['/v1/campaigns', b64('["0000-01-01T00:00:00Z","00000000-0000-0000-0000-000000000000"]')],
      ['/v1/campaigns', b64('["2026-01-01T00:00:00Z","------------------------------------"]')],
      ['/v1/campaigns', b64('["2026-02-30T00:00:00Z","00000000-0000-0000-0000-000000000000"]')],
      ['/v1/campaigns', b64('[' + '['.repeat(5000) + ']'.repeat(5000) + ']')],
      ['/v1/templates', b64('x')],
    ])('GET %s with malformed cursor #%#: 400', async (url, cursor) => {
      const res = await t.admin.get(`${url}?cursor=${encodeURIComponent(cursor)}`);
      if (url === '/v1/templates') {
        expect(res.status).toBe(200); // a name cursor: any text sorts
        return;
      }
      expect400(res, /cursor/);
    });

    it('a cursor repeated in the query (an array) is a 400', async () => {
      for (const url of ['/v1/customers', '/v1/audit', '/v1/campaigns', '/v1/templates']) {
        const res = await t.admin.get(`${url}?cursor=a&cursor=b`);
        expect400(res, /cursor/);
      }
    });
  });

  describe('out-of-range dates', () => {
    it.each([
      '0000-01-01',
      '0001-01-01T00:30:00+01:00',
      '10000-01-01',
      '2026-02-30',
      '2026-13-01',
      '2026-00-10',
      '1e309',
      1e20,
    ])('audience date %s: 400 naming the condition', async (value) => {
      const res = await t.admin.post('/v1/audiences/count').send({
        audience: { all: [{ field: 'createdAt', op: 'gt', value }] },
      });
      expect400(res, /^audience\.all\[0\]\.value:? must be an ISO 8601 date/);
    });

    it('a sane date still counts', async () => {
      const res = await t.admin.post('/v1/audiences/count').send({
        audience: { all: [{ field: 'createdAt', op: 'gt', value: '1970-01-01' }] },
      });
      expect(res.status).toBe(200);
    });

    it.each(['0001-01-01T00:30:00+01:00', '9999-12-31T23:30:00-01:00'])(
      'audit from=%s: 400',
      async (value) => {
        const res = await t.admin.get(`/v1/audit?from=${encodeURIComponent(value)}`);
        expect400(res, /^from must/);
      },
    );

    it('huge numbers in an audience number condition', async () => {
      const res = await t.admin
        .post('/v1/audiences/count')
        .set('Content-Type', 'application/json')
        .send('{"audience":{"all":[{"field":"attributes.n","op":"gt","value":1e400}]}}');
      expect(res.status).toBeLessThan(500);
    });
  });

  describe('console redirects', () => {
    it('a very long URL is not echoed into the sign-in Location header', async () => {
      const long = `/console/customers?q=${'%C3%A9'.repeat(2000)}`;
      const res = await t.http.get(long);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/console/login');
      const short = await t.http.get('/console/customers?q=x');
      expect(short.headers.location).toBe('/console/login?next=%2Fconsole%2Fcustomers%3Fq%3Dx');
    });
  });

  describe('console assets', () => {
    it.each([
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'toString',
      'valueOf',
      '__defineGetter__',
    ])('/console/assets/%s is a 404', async (name) => {
      const res = await t.http.get(`/console/assets/${name}`);
      expect(res.status).toBe(404);
    });
  });
});

import { createTestApp, TestApp } from '../support/test-app';
import { postSignIn } from '../support/console-session';

/**
 * The public rate limit counts per client — an IPv6 /64 (what one subscriber line gets) or an
 * IPv4 address — across every public route together, not per route and exact address.
 */
describe('public rate limit per client', () => {
  const LIMIT = 60;
  let t: TestApp;

  beforeEach(async () => {
    // A fresh app (and throttler storage) per test, so each starts with a full allowance.
    t = await createTestApp({ env: { PUBLIC_RATE_LIMIT: String(LIMIT), TRUST_PROXY: 'true' } });
  });
  afterEach(() => t.close());

  const from = (ip: string, path: string) => t.http.get(path).set('X-Forwarded-For', ip);
  /** 64 different addresses inside 2001:db8:<net>::/64 (the interface id varies). */
  const in64 = (net: string, i: number) => `2001:db8:${net}::${(i + 1).toString(16)}:${i * 7 + 3}`;

  it('64 addresses inside one /64 on one route share one allowance', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 64; i++) codes.push((await from(in64('a1', i), '/u/not-a-token')).status);
    expect(codes.slice(0, LIMIT).every((c) => c === 404)).toBe(true);
    expect(codes.slice(LIMIT)).toEqual([429, 429, 429, 429]);
  });

  it('spread over /u, /p, /confirm and /v1/subscribe they still share it; another /64 is unaffected', async () => {
    const routes = ['/u/not-a-token', '/p/not-a-token', '/confirm/not-a-token'];
    const codes: number[] = [];
    for (let i = 0; i < LIMIT - 1; i++)
      codes.push((await from(in64('b2', i), routes[i % routes.length])).status);
    expect(codes.filter((c) => c === 429)).toEqual([]);
    const subscribe = await t.http
      .post('/v1/subscribe')
      .set('X-Forwarded-For', in64('b2', 59))
      .send({});
    expect(subscribe.status).toBe(400); // the 60th request: allowed (and refused for its body)
    const over = await from('2001:db8:b2:0:ffff:ffff:ffff:ffff', '/p/not-a-token');
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    const over2 = await t.http.post('/v1/subscribe').set('X-Forwarded-For', in64('b2', 5)).send({});
    expect(over2.status).toBe(429);
    // The neighbouring /64 (another subscriber) still has its own allowance.
    expect((await from('2001:db8:b2:1::1', '/u/not-a-token')).status).toBe(404);
    expect((await from('2001:db8:b3::1', '/p/not-a-token')).status).toBe(404);
  });

  it('an IPv4-mapped IPv6 address counts as its IPv4 address; other IPv4 addresses are apart', async () => {
    for (let i = 0; i < LIMIT / 2; i++) {
      expect((await from('203.0.113.7', '/u/not-a-token')).status).toBe(404);
      expect((await from('::ffff:203.0.113.7', '/p/not-a-token')).status).toBe(404);
    }
    expect((await from('203.0.113.7', '/confirm/not-a-token')).status).toBe(429);
    expect((await from('::ffff:cb00:7107', '/u/not-a-token')).status).toBe(429);
    expect((await from('203.0.113.8', '/u/not-a-token')).status).toBe(404);
  });

  it('provider webhooks do not share the customers’ limit (they are checked by signature)', async () => {
    for (let i = 0; i < LIMIT; i++) await from('198.51.100.9', '/u/not-a-token');
    expect((await from('198.51.100.9', '/u/not-a-token')).status).toBe(429);
    const webhook = await t.http
      .post('/webhooks/twilio/inbound')
      .set('X-Forwarded-For', '198.51.100.9')
      .type('form')
      .send({ From: '+79990000000', Body: 'STOP' });
    // Unsigned (and Twilio unconfigured here): refused by the webhook's own check, never throttled.
    expect([403, 503]).toContain(webhook.status);
  });
});

describe('failed sign-ins count per client too', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { PUBLIC_RATE_LIMIT: '3', TRUST_PROXY: 'true' } });
  });
  afterAll(() => t.close());

  it('API keys: guesses from different addresses of one /64 share the allowance', async () => {
    for (let i = 1; i <= 3; i++) {
      const res = await t
        .as(`tk_guess-${i}`)
        .get('/v1/customers')
        .set('X-Forwarded-For', `2001:db8:c1::${i}`);
      expect(res.status).toBe(401);
    }
    const blocked = await t
      .as('tk_guess-4')
      .get('/v1/customers')
      .set('X-Forwarded-For', '2001:db8:c1::99');
    expect(blocked.status).toBe(429);
    const neighbour = await t
      .as('tk_guess-5')
      .get('/v1/customers')
      .set('X-Forwarded-For', '2001:db8:c2::1');
    expect(neighbour.status).toBe(401);
  });

  it('console: failed sign-ins from different addresses of one /64 share the allowance', async () => {
    const attempt = (ip: string) => postSignIn(t, 'tk_not-a-key', ip);
    for (let i = 1; i <= 3; i++) expect((await attempt(`2001:db8:d1::${i}`)).status).toBe(401);
    expect((await attempt('2001:db8:d1::abcd')).status).toBe(429);
    expect((await attempt('2001:db8:d2::1')).status).toBe(401);
  });
});

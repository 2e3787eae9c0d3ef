import { grantConfirmed } from '../support/consent-steps';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { createTestApp, createTopics } from '../support/test-app';
import {
  createDeliveryApp,
  insertCampaign,
  insertDelivery,
  insertCustomer,
  sentTipsEmail,
  type DeliveryTestApp,
} from '../delivery/delivery-app';

const TOKEN = 'metrics-token-0123456789';

describe('GET /metrics', () => {
  let t: DeliveryTestApp;
  const scrape = () => t.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}`);

  beforeAll(async () => {
    t = await createDeliveryApp({ env: { METRICS_TOKEN: TOKEN } });
    await createTopics(t);
  });
  afterAll(() => t.close());

  it('answers 401 without the token or with another, and not to an API key', async () => {
    expect((await t.http.get('/metrics')).status).toBe(401);
    expect((await t.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}x`)).status).toBe(
      401,
    );
    expect((await t.admin.get('/metrics')).status).toBe(401);
    expect((await t.http.get('/metrics').set('Authorization', `Basic ${TOKEN}`)).status).toBe(401);
  });

  it('serves the Prometheus text format with the counts the database holds', async () => {
    const campaign = await insertCampaign(t, { topic: 'tips' });
    await sentTipsEmail(t, campaign, 'metrics.sent@mail.example');
    await sentTipsEmail(t, campaign, 'metrics.sent2@mail.example');
    // Three planned and due an hour ago, one planned for tomorrow.
    for (let i = 0; i < 3; i++) {
      const c = await insertCustomer(t);
      await insertDelivery(t, {
        campaignId: campaign,
        customerId: c,
        topic: 'tips',
        notBefore: new Date(t.clock.now().getTime() - 3600_000),
      });
    }
    const later = await insertCustomer(t);
    await insertDelivery(t, {
      campaignId: campaign,
      customerId: later,
      topic: 'tips',
      notBefore: new Date(t.clock.now().getTime() + 86400_000),
    });
    const customer = await t.admin
      .post('/v1/customers')
      .send({ externalId: 'm-1', kind: 'consumer' });
    await grantConfirmed(t, customer.body.id, 'email', 'tips');
    expect((await t.admin.get(`/v1/customers/${customer.body.id}`)).status).toBe(200);

    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parsePrometheusText(res.text);

    const [{ n: sent }] = await t.db.query(
      `SELECT count(*)::int AS n FROM deliveries WHERE channel = 'email' AND status = 'sent'`,
    );
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(sampleValue(m, 'tactful_deliveries', { channel: 'email', status: 'sent' })).toBe(sent);
    expect(sampleValue(m, 'tactful_due_backlog')).toBe(3);
    expect(sampleValue(m, 'tactful_due_backlog_age_seconds')).toBeGreaterThanOrEqual(3600);
    expect(sampleValue(m, 'tactful_due_backlog_age_seconds')).toBeLessThan(3700);
    expect(sampleValue(m, 'tactful_consent_changes', { action: 'grant' })).toBeGreaterThanOrEqual(
      3,
    );
    expect(sampleValue(m, 'tactful_audit_rows_unsealed')).toBeGreaterThan(0);
    expect(m.get('tactful_deliveries')?.type).toBe('gauge');
    expect(
      sampleValue(
        m,
        'tactful_sender_hand_over_seconds',
        { channel: 'email' },
        'tactful_sender_hand_over_seconds_count',
      ),
    ).toBeGreaterThanOrEqual(2);
    for (const name of [
      'tactful_provider_errors_total',
      'tactful_decisions_total',
      'tactful_webhook_attempts_total',
      'tactful_webhook_outbox',
    ]) {
      expect(m.has(name)).toBe(true);
    }

    // HTTP latency by route pattern: never the raw path with its id.
    const http = m.get('tactful_http_request_seconds')!;
    expect(http.type).toBe('histogram');
    const routes = new Set(http.samples.map((s) => s.labels.route));
    expect(routes).toContain('/v1/customers/:id');
    expect([...routes].some((r) => r.includes(customer.body.id))).toBe(false);
    expect(
      sampleValue(
        m,
        'tactful_http_request_seconds',
        { method: 'GET', route: '/v1/customers/:id', status: '200' },
        'tactful_http_request_seconds_count',
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it('a scanner’s paths are counted as unmatched, not as routes of their own', async () => {
    for (const p of [
      '/wp-login.php',
      '/.env',
      '/v1/customers/../../etc/passwd',
      `/${'x'.repeat(500)}`,
    ]) {
      await t.http.get(p);
    }
    const m = parsePrometheusText((await scrape()).text);
    const routes = new Set(
      m.get('tactful_http_request_seconds')!.samples.map((s) => s.labels.route),
    );
    expect(routes).toContain('unmatched');
    expect([...routes].filter((r) => /wp-login|\.env|xxxx/.test(r))).toEqual([]);
  });

  it('the parser refuses malformed text', () => {
    expect(() => parsePrometheusText('tactful_x 1\n')).toThrow(/undeclared/);
    expect(() => parsePrometheusText('# HELP a b\n# TYPE a gauge\na{x="1} 2\n')).toThrow();
    expect(() => parsePrometheusText('# HELP a b\n# TYPE a gauge\na one\n')).toThrow(/bad value/);
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  it('is not served', async () => {
    const t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    try {
      expect((await t.http.get('/metrics')).status).toBe(404);
      expect(
        (await t.http.get('/metrics').set('Authorization', 'Bearer anything-at-all')).status,
      ).toBe(404);
    } finally {
      await t.close();
    }
  });
});

import { PlannerService } from '../../src/planning/planner.service';
import { signInToConsole } from '../support/console-session';
import { ManualClock } from '../support/clock';
import { createTestApp, type TestApp } from '../support/test-app';
import { ensureTopic } from '../planning/fixtures';
import { eligibleCustomers, launched, NOW } from './fixtures';

const DAY = 86_400_000;

describe('GET /v1/campaigns/:id/results', () => {
  let t: TestApp;
  let planner: PlannerService;
  const clock = new ManualClock(NOW);
  let auditor: string;
  let integration: string;

  beforeAll(async () => {
    t = await createTestApp({ clock, env: { TACTFUL_ROLES: 'api' } });
    planner = t.app.get(PlannerService);
    await ensureTopic(t.db, 'offers', 'promotional');
    auditor = await t.keyFor('auditor');
    integration = await t.keyFor('integration');
  });
  afterAll(() => t.close());

  /** A campaign planned with a holdout, every planned delivery handed over at NOW. */
  async function sentCampaign(tag: string, n: number, holdoutPercent: number): Promise<string> {
    await eligibleCustomers(t.db, tag, n, 'offers');
    const id = await launched(t.db, tag, holdoutPercent);
    for (let i = 0; i < 5; i++) await planner.tick();
    await t.db.query(`UPDATE deliveries SET status = 'sent', sent_at = $2 WHERE campaign_id = $1`, [
      id,
      NOW,
    ]);
    return id;
  }

  /**
   * Purchases by exactly the given share of each group (the first by id: customer ids are
   * random, so a hashed share varied from run to run and could put a "no effect" population
   * outside its interval), `hoursAfter` the send.
   */
  async function purchases(
    campaignId: string,
    treatedPercent: number,
    holdoutPercent: number,
    opts: { hoursAfter?: number; amount?: number; currency?: string } = {},
  ): Promise<void> {
    await t.db.query(
      `WITH grp AS (
         SELECT customer_id, true AS treated FROM deliveries WHERE campaign_id = $1
         UNION ALL
         SELECT customer_id, false FROM audit_events
          WHERE campaign_id = $1 AND type = 'decision.skip' AND reason = 'held_out'
       )
       INSERT INTO customer_events (customer_id, type, occurred_at, data)
       SELECT customer_id, 'purchase', $4::timestamptz + make_interval(hours => $5),
              jsonb_build_object('amount', $6::numeric, 'currency', $7::text)
         FROM (SELECT customer_id, treated,
                      row_number() OVER (PARTITION BY treated ORDER BY customer_id) AS n,
                      count(*) OVER (PARTITION BY treated) AS total
                 FROM grp) g
        WHERE g.n * 100 <= g.total * CASE WHEN treated THEN $2::int ELSE $3::int END`,
      [
        campaignId,
        treatedPercent,
        holdoutPercent,
        NOW,
        opts.hoursAfter ?? 24,
        opts.amount ?? 1000,
        opts.currency ?? 'RUB',
      ],
    );
  }

  it('shows a campaign that helped: interval above 0, revenue per currency', async () => {
    const id = await sentCampaign('helped', 1200, 20);
    await purchases(id, 20, 5);
    const res = await t.as(auditor).get(`/v1/campaigns/${id}/results`);
    expect(res.status).toBe(200);
    const r = res.body;
    expect(r.treated.customers + r.holdout.customers).toBe(1200);
    expect(r.holdout.customers).toBeGreaterThan(150);
    expect(r.treated.delivered).toBe(r.treated.customers);
    expect(r.treated.converted / r.treated.customers).toBeGreaterThan(0.15);
    expect(r.holdout.converted / r.holdout.customers).toBeLessThan(0.1);
    expect(r.treated.revenue).toEqual({ RUB: r.treated.converted * 1000 });
    expect(r.uplift.low).toBeGreaterThan(0);
    expect(r.uplift.confidence).toBe(0.95);
    expect(r.verdict).toBe('helped');
    expect(r.annoyance).toEqual({ unsubscribed: 0, complained: 0, smsStop: 0, rate: 0 });
    expect(r.guardrail).toMatchObject({ state: 'ok', maxComplaintRate: 0.003, minDelivered: 200 });
  });

  it('shows no measurable effect when both groups buy alike: the interval straddles 0', async () => {
    const id = await sentCampaign('same', 1200, 20);
    await purchases(id, 10, 10);
    const r = (await t.as(auditor).get(`/v1/campaigns/${id}/results`)).body;
    expect(r.uplift.low).toBeLessThan(0);
    expect(r.uplift.high).toBeGreaterThan(0);
    expect(Math.abs(r.uplift.absolute)).toBeLessThan(0.05);
    expect(r.verdict).toBe('no_measurable_effect');
  });

  it('attributes a purchase only within attributionDays and only to the latest delivery before it', async () => {
    const id = await sentCampaign('window', 40, 0);
    const [first, second, third] = (
      await t.db.query(
        `SELECT customer_id FROM deliveries WHERE campaign_id = $1 ORDER BY customer_id LIMIT 3`,
        [id],
      )
    ).map((r: { customer_id: string }) => r.customer_id);
    const buy = (customer: string, at: Date, amount: number, currency = 'RUB') =>
      t.db.query(
        `INSERT INTO customer_events (customer_id, type, occurred_at, data)
         VALUES ($1, 'purchase', $2, jsonb_build_object('amount', $3::numeric, 'currency', $4::text))`,
        [customer, at, amount, currency],
      );
    await buy(first, new Date(NOW.getTime() + 2 * DAY), 500);
    await buy(first, new Date(NOW.getTime() + 3 * DAY), 20, 'EUR');
    await buy(second, new Date(NOW.getTime() + 8 * DAY), 700); // after the 7-day window
    // Another campaign reached the third customer before their purchase: it is that one's.
    const other = await launched(t.db, 'other-window', 0);
    await t.db.query(
      `INSERT INTO deliveries (campaign_id, customer_id, channel, category, topic, goal, template_name,
         template_version, policy_version, status, not_before, sent_at)
       VALUES ($1, $2, 'email', 'promotional', 'offers', 'retention', 'tpl', 1, 1, 'sent', $3, $3)`,
      [other, third, new Date(NOW.getTime() + DAY)],
    );
    await buy(third, new Date(NOW.getTime() + 2 * DAY), 900);
    const r = (await t.as(auditor).get(`/v1/campaigns/${id}/results`)).body;
    expect(r.treated.converted).toBe(1);
    expect(r.treated.revenue).toEqual({ RUB: 500, EUR: 20 });
    expect(r.holdout).toEqual({ customers: 0, converted: 0, revenue: {} });
    expect(r.uplift).toBeNull();
    expect(r.verdict).toBe('not_enough_data');
  });

  it('counts opt-outs from its messages or within 3 days of its delivery, complaints and STOPs apart', async () => {
    const id = await sentCampaign('annoy', 50, 0);
    const ids: string[] = (
      await t.db.query(
        `SELECT customer_id FROM deliveries WHERE campaign_id = $1 ORDER BY customer_id`,
        [id],
      )
    ).map((r: { customer_id: string }) => r.customer_id);
    const withdraw = (customer: string) =>
      t
        .as(integration)
        .post(`/v1/customers/${customer}/consents`)
        .send({ channel: 'email', topic: 'offers', action: 'withdraw', source: 'crm' });
    clock.set(new Date(NOW.getTime() + 2 * DAY));
    expect((await withdraw(ids[0])).status).toBe(201);
    clock.set(new Date(NOW.getTime() + 5 * DAY)); // later than 3 days: not this campaign's doing
    expect((await withdraw(ids[1])).status).toBe(201);
    clock.set(NOW);
    await t.db.query(
      `UPDATE deliveries SET status = 'complained' WHERE campaign_id = $1 AND customer_id = ANY($2::uuid[])`,
      [id, ids.slice(2, 4)],
    );
    const r = (await t.as(auditor).get(`/v1/campaigns/${id}/results`)).body;
    expect(r.annoyance).toEqual({ unsubscribed: 1, complained: 2, smsStop: 0, rate: 3 / 50 });
    expect(r.guardrail).toMatchObject({ state: 'collecting', delivered: 50 });
  });

  it('follows the campaign read roles and answers unknown and malformed ids clearly', async () => {
    const id = await sentCampaign('roles', 5, 0);
    expect((await t.as(integration).get(`/v1/campaigns/${id}/results`)).status).toBe(403);
    expect((await t.http.get(`/v1/campaigns/${id}/results`)).status).toBe(401);
    expect((await t.admin.get(`/v1/campaigns/${id}/results`)).status).toBe(200);
    const missing = await t
      .as(auditor)
      .get('/v1/campaigns/00000000-0000-4000-8000-000000000000/results');
    expect(missing.status).toBe(404);
    const bad = await t.as(auditor).get('/v1/campaigns/not-a-uuid/results');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(['id must be a UUID']);
  });

  it('shows the results on the campaign page in English and Russian, with the interval drawn', async () => {
    await sentCampaign('console-earlier', 20, 0);
    const id = await sentCampaign('console', 600, 25);
    await purchases(id, 20, 4);
    await t.db.query(
      `UPDATE campaigns SET status = 'paused', paused_from = 'running',
              paused_reason = 'guardrail: complaint rate 1.00% over the limit 0.30% after 450 delivered'
        WHERE id = $1`,
      [id],
    );
    const { cookie } = await signInToConsole(t, auditor);
    const en = await t.http.get(`/console/campaigns/${id}`).set('Cookie', cookie);
    expect(en.status).toBe(200);
    expect(en.text).toContain('id="results"');
    expect(en.text).toContain(
      'It helped: customers who got it bought more than the control group.',
    );
    expect(en.text).toMatch(/<svg class="interval"[^>]*aria-label="95% interval: \+/);
    expect(en.text).toContain('Held out (control group)');
    expect(en.text).toContain('Paused because: guardrail: complaint rate 1.00% over the limit');
    // Other campaigns on the topic, with what they cost in annoyance.
    expect(en.text).toContain('Recent campaigns on this topic: annoyance');
    const ru = await t.http
      .get(`/console/campaigns/${id}`)
      .set('Cookie', cookie.replace('tactful_console_lang=en', 'tactful_console_lang=ru'));
    expect(ru.text).toContain(
      'Помогла: получившие кампанию купили больше, чем контрольная группа.',
    );
    expect(ru.text).toContain('Контрольная группа');
  });
});

import { ManualClock } from '../support/clock';
import { PlannerService } from '../../src/planning/planner.service';
import { aDelivery } from '../support/builders';
import { createTestApp, createTopics, TestApp } from '../support/test-app';

// No sender timer: deliveries stay as the tests put them (the planner is ticked by hand).
const API_ONLY = { TACTFUL_ROLES: 'api' };

const NOW = new Date('2026-11-23T12:00:00Z'); // 15:00 in Moscow, 21:00 in Tokyo
const HOUR = 3_600_000;

describe('POST /v1/campaigns/:id/forecast', () => {
  let t: TestApp;
  const clock = new ManualClock(NOW);
  let marketer: string;
  let integration: string;
  let auditor: string;
  const ids: Record<string, string> = {};

  const evidence = { ip: '203.0.113.7', wording: 'Yes, send me useful tips', wordingVersion: 'v1' };
  const customer = async (
    key: string,
    extra: Record<string, unknown> = {},
    kind: 'consumer' | 'business' = 'consumer',
  ) => {
    const res = await t
      .as(integration)
      .post('/v1/customers')
      .send({
        externalId: `fc-${key}`,
        kind,
        email: `${key}@example.com`,
        timezone: 'Europe/Moscow',
        locale: 'en',
        ...extra,
      });
    expect(res.body).toMatchObject({ id: expect.any(String) });
    ids[key] = res.body.id;
    return res.body.id as string;
  };
  const consent = async (key: string, action: 'grant' | 'withdraw') => {
    const res = await t
      .as(integration)
      .post(`/v1/customers/${ids[key]}/consents`)
      .send({
        channel: 'email',
        topic: 'tips',
        action,
        source: 'web-form',
        evidence,
        ...(action === 'grant' ? { confirmed: true } : {}),
      });
    expect(res.body).toMatchObject({ event: expect.any(Object) });
  };
  const campaign = async (body: Record<string, unknown>) => {
    const res = await t
      .as(marketer)
      .post('/v1/campaigns')
      .send({
        topic: 'tips',
        goal: 'retention',
        template: 'tips',
        channels: ['email'],
        audience: { field: 'kind', op: 'eq', value: 'consumer' },
        schedule: { type: 'now' },
        ...body,
      });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const counts = async () =>
    (
      await t.db.query(
        `SELECT (SELECT count(*) FROM audit_events)::int AS audit,
                (SELECT count(*) FROM deliveries)::int AS deliveries,
                (SELECT count(*) FROM campaign_steps)::int AS steps,
                (SELECT max(updated_at) FROM campaigns) AS updated`,
      )
    )[0];

  let ours: string;
  let rival: string;
  let weaker: string;

  beforeAll(async () => {
    t = await createTestApp({ clock, env: API_ONLY });
    await createTopics(t);
    [marketer, integration, auditor] = await Promise.all([
      t.keyFor('marketer'),
      t.keyFor('integration'),
      t.keyFor('auditor'),
    ]);
    await customer('a'); // confirmed → send
    await customer('b'); // paused all messages in preferences → paused_by_customer
    await customer('c'); // nothing → no_consent
    await customer('d'); // withdrawn → consent_withdrawn
    await customer('e', { email: undefined, phone: '+79161230001' }); // no e-mail → unreachable
    await customer('f', { company: 'Acme' }, 'business'); // not in the audience
    await customer('g', { timezone: 'Asia/Tokyo' }); // 21:00 there → quiet_hours defer
    await customer('h'); // do-not-contact → suppressed
    await customer('i'); // a higher-priority campaign takes the budget → budget_exhausted
    await customer('j'); // already planned today by another campaign → budget_exhausted
    for (const k of ['a', 'b', 'd', 'g', 'h', 'i', 'j']) await consent(k, 'grant');
    await t.db.query(
      `INSERT INTO customer_preferences (customer_id, paused_until) VALUES ($1, '2027-01-01T00:00:00Z')`,
      [ids.b],
    );
    await consent('d', 'withdraw');
    const dnc = await t
      .as(integration)
      .post('/v1/suppressions')
      .send({ email: 'h@example.com', reason: 'do_not_contact' });
    expect(dnc.status).toBe(201);

    ours = await campaign({ name: 'ours', priority: 50 });
    // a launched rival of higher priority, due in the same tick, whose audience holds i
    rival = await campaign({
      name: 'rival',
      priority: 90,
      audience: { field: 'externalId', op: 'in', value: ['fc-i'] },
    });
    // a launched campaign of lower priority holding a: it must not take a's budget
    weaker = await campaign({
      name: 'weaker',
      priority: 10,
      audience: { field: 'externalId', op: 'in', value: ['fc-a'] },
    });
    for (const id of [rival, weaker])
      expect((await t.as(marketer).post(`/v1/campaigns/${id}/launch`).send({})).status).toBe(202);
    // j already has a planned delivery of another (running) campaign two hours ago
    const other = await campaign({ name: 'other', topic: 'offers', goal: 'engagement' });
    await t.db.query(`UPDATE campaigns SET status = 'running' WHERE id = $1`, [other]);
    const twoHoursAgo = new Date(NOW.getTime() - 2 * HOUR);
    await aDelivery(t.db, {
      campaignId: other,
      customerId: ids.j,
      category: 'promotional',
      topic: 'offers',
      goal: 'engagement',
      templateName: 'offer',
      status: 'sent',
      notBefore: twoHoursAgo,
      plannedAt: twoHoursAgo,
    });
  });
  afterAll(() => t.close());

  it('counts send, defer and skip by reason through the policy engine, writing nothing', async () => {
    const before = await counts();
    const res = await t.as(marketer).post(`/v1/campaigns/${ours}/forecast`).send({});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      audience: 9,
      send: 1,
      defer: 3,
      skip: {
        paused_by_customer: 1,
        no_consent: 1,
        consent_withdrawn: 1,
        unreachable: 1,
        suppressed: 1,
      },
      deferReasons: { quiet_hours: 1, budget_exhausted: 2 },
      at: NOW.toISOString(),
      step: 0,
    });
    expect(Object.keys(res.body.skip)).toHaveLength(5);
    expect(res.body.competitors.map((c: { name: string }) => c.name).sort()).toEqual([
      'rival',
      'weaker',
    ]);
    expect(await counts()).toEqual(before);
  });

  it('the rival alone decides i, and an auditor may forecast too', async () => {
    const res = await t.as(auditor).post(`/v1/campaigns/${rival}/forecast`).send({});
    expect(res.status).toBe(200);
    // ours is a draft: it does not compete
    expect(res.body).toMatchObject({ audience: 1, send: 1, defer: 0, skip: {} });
    expect(res.body.competitors.map((c: { name: string }) => c.name)).toEqual(['weaker']);
  });

  it('without competitors i would be sent', async () => {
    await t.as(marketer).post(`/v1/campaigns/${rival}/cancel`).send({}).expect(200);
    const res = await t.as(marketer).post(`/v1/campaigns/${ours}/forecast`).send({});
    expect(res.body).toMatchObject({
      audience: 9,
      send: 2,
      defer: 2,
      deferReasons: { quiet_hours: 1, budget_exhausted: 1 },
    });
  });

  it('forecasts a later `once` run at its own time, after the campaigns due before it', async () => {
    // 06:00 UTC = 09:00 Moscow and 15:00 Tokyo: g is no longer in quiet hours; `weaker` plans
    // first (due now) and takes a's day, and j's delivery of yesterday 10:00 still counts
    const later = await campaign({
      name: 'tomorrow morning',
      schedule: { type: 'once', at: '2026-11-24T06:00:00Z' },
    });
    const res = await t.as(marketer).post(`/v1/campaigns/${later}/forecast`).send({});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      at: '2026-11-24T06:00:00.000Z',
      audience: 9,
      send: 2,
      defer: 2,
      deferReasons: { budget_exhausted: 2 },
    });
    expect(res.body.competitors.map((c: { name: string }) => c.name)).toEqual(['weaker']);
  });

  it('agrees with what the planner then does', async () => {
    const forecast = (await t.as(marketer).post(`/v1/campaigns/${ours}/forecast`).send({})).body;
    await t.as(marketer).post(`/v1/campaigns/${ours}/launch`).send({}).expect(202);
    await t.app.get(PlannerService).tick();
    const progress = await t.as(auditor).get(`/v1/campaigns/${ours}/progress`);
    expect(progress.status).toBe(200);
    const decisions = await t.db.query(
      `SELECT type, reason, count(*)::int AS n FROM audit_events
        WHERE campaign_id = $1 AND type LIKE 'decision.%' GROUP BY type, reason ORDER BY type, reason`,
      [ours],
    );
    const byType = (type: string) =>
      Object.fromEntries(
        decisions
          .filter((d: { type: string }) => d.type === type)
          .map((d: { reason: string | null; n: number }) => [d.reason, d.n]),
      );
    expect(byType('decision.skip')).toEqual(forecast.skip);
    expect(byType('decision.defer')).toEqual(forecast.deferReasons);
    expect(progress.body.skipped).toEqual(forecast.skip);
    expect(progress.body.audience).toBe(forecast.audience);
  });

  it('answers 404 for an unknown campaign', async () => {
    const res = await t
      .as(marketer)
      .post('/v1/campaigns/00000000-0000-4000-8000-000000000000/forecast')
      .send({});
    expect(res.status).toBe(404);
  });
});

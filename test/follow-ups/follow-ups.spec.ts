import { PlannerService } from '../../src/planning/planner.service';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { createTestApp, type TestApp } from '../support/test-app';
import {
  ensureTopic,
  grantConsent,
  group,
  insertCampaign,
  insertCustomers,
  ManualClock,
} from '../planning/fixtures';

// Tuesday 10:00 UTC: inside the default send window for customers in UTC.
const NOW = new Date('2026-03-03T10:00:00Z');
const DAY = 86_400_000;

describe('follow-ups: an unhappy customer reaches a person, and selling waits', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let planner: PlannerService;
  let marketer: string;
  let auditor: string;
  let integration: string;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({
      clock,
      env: {
        TACTFUL_ROLES: 'api',
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Shop <no-reply@shop.example>',
        REPLY_TO: 'Shop support <support@shop.example>',
      },
    });
    planner = t.app.get(PlannerService);
    await ensureTopic(t.db, 'offers', 'promotional');
    await ensureTopic(t.db, 'news', 'service');
    marketer = await t.keyFor('marketer');
    auditor = await t.keyFor('auditor');
    integration = await t.keyFor('integration');
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });
  beforeEach(() => {
    smtp.messages.length = 0;
  });

  const event = (body: object) => t.as(integration).post('/v1/events').send(body);
  const openOf = (customerId: string) =>
    t.db.query(
      `SELECT id, reasons, event_ids::text[] AS event_ids, resolved_at FROM follow_ups WHERE customer_id = $1 ORDER BY opened_at`,
      [customerId],
    );
  const decisionsOf = (campaignId: string) =>
    t.db.query(
      `SELECT customer_id, type, reason FROM audit_events WHERE campaign_id = $1 AND type LIKE 'decision.%'`,
      [campaignId],
    );
  async function plan(topic: string, audience: unknown, goal = 'retention') {
    clock.set(new Date(clock.now().getTime() + DAY));
    const id = await insertCampaign(t.db, {
      topic,
      goal,
      audience,
      launchedAt: clock.now(),
      ...(goal === 'announcement'
        ? { effectiveAt: new Date(clock.now().getTime() + 60 * DAY) }
        : {}),
    });
    await planner.tick();
    return id;
  }

  it('a satisfaction of 1 opens a follow-up, mails support, holds an offer, lets a service message go, and the offer goes after resolution', async () => {
    const [anna, boris] = await insertCustomers(t.db, [{ group: 'sat' }, { group: 'sat' }]);
    await t.db.query(`UPDATE customers SET name = 'Anna Petrova', locale = 'ru' WHERE id = $1`, [
      anna,
    ]);
    for (const c of [anna, boris]) {
      await grantConsent(t.db, c, 'email', 'offers');
      await grantConsent(t.db, c, 'email', 'news');
    }

    const res = await event({ customerId: anna, type: 'satisfaction', score: 1 });
    expect(res.status).toBe(201);
    const [open] = await openOf(anna);
    expect(open).toMatchObject({ reasons: ['low_satisfaction'], resolved_at: null });
    expect(open.event_ids).toEqual([res.body.items[0].id]);
    // Written with its audit row, in the same transaction (ids and codes only).
    const [opened] = await t.db.query(
      `SELECT actor, reason, data FROM audit_events WHERE customer_id = $1 AND type = 'follow_up.opened'`,
      [anna],
    );
    expect(opened).toEqual({
      actor: 'system',
      reason: 'low_satisfaction',
      data: { followUpId: open.id, reasons: ['low_satisfaction'], eventIds: [open.event_ids[0]] },
    });

    // The support address hears at once; the customer gets nothing.
    const [mail] = await smtp.waitFor(1);
    expect(mail.to).toEqual(['support@shop.example']);
    expect(mail.parsed.subject).toContain('Anna Petrova');
    expect(mail.parsed.text).toContain('низкая оценка');
    expect(mail.parsed.text).toContain(`http://tactful.test/console/customers/${anna}`);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.messages).toHaveLength(1);

    // The API lists it, with reason and customer.
    const list = await t.as(auditor).get('/v1/follow-ups');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: open.id,
        reason: 'low_satisfaction',
        customer: expect.objectContaining({ id: anna, name: 'Anna Petrova', kind: 'consumer' }),
      }),
    ]);
    expect(list.body.nextCursor).toBeNull();

    // An offer: Anna is skipped with needs_attention, Boris is planned.
    const offer = await plan('offers', group('sat'));
    expect(await decisionsOf(offer)).toEqual(
      expect.arrayContaining([
        { customer_id: anna, type: 'decision.skip', reason: 'needs_attention' },
        { customer_id: boris, type: 'decision.send', reason: null },
      ]),
    );
    const timeline = await t.as(marketer).get(`/v1/customers/${anna}/timeline?locale=en`);
    const texts = timeline.body.items.map((i: { sentence: string }) => i.sentence).join('\n');
    expect(texts).toContain('waits for a person');
    expect(texts).toContain('no content or offers meanwhile');

    // A service message (an announcement) still goes.
    const news = await plan('news', group('sat'), 'announcement');
    expect(await decisionsOf(news)).toEqual(
      expect.arrayContaining([{ customer_id: anna, type: 'decision.send', reason: null }]),
    );

    // Resolved by a marketer with a note: audited with who and when; the next offer goes.
    const done = await t.as(marketer).post(`/v1/follow-ups/${open.id}/resolve`).send({
      note: 'Called Anna back, replaced the boots',
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      id: open.id,
      customerId: anna,
      resolvedBy: expect.stringMatching(/^key:/),
      resolvedAt: clock.now().toISOString(),
      note: 'Called Anna back, replaced the boots',
    });
    const [resolved] = await t.db.query(
      `SELECT actor, at, data FROM audit_events WHERE customer_id = $1 AND type = 'follow_up.resolved'`,
      [anna],
    );
    expect(resolved).toMatchObject({ actor: done.body.resolvedBy, at: clock.now() });
    expect(JSON.stringify(resolved.data)).not.toContain('boots');
    expect((await t.as(auditor).get('/v1/follow-ups')).body.items).toEqual([]);
    const again = await plan('offers', group('sat'));
    expect(await decisionsOf(again)).toEqual(
      expect.arrayContaining([{ customer_id: anna, type: 'decision.send', reason: null }]),
    );
  });

  it('at most one open follow-up per customer: further reasons join it, and nobody is mailed twice', async () => {
    const [c] = await insertCustomers(t.db, [{ group: 'join' }]);
    const first = await event([
      { customerId: c, type: 'satisfaction', score: 2 },
      { customerId: c, type: 'satisfaction', score: 1 },
    ]);
    expect(first.status).toBe(201);
    await event({ customerId: c, type: 'complaint' });
    await event({ customerId: c, type: 'satisfaction', score: 1, eventId: 'crm-9' });
    // A retry of the same eventId records nothing and joins nothing.
    await event({ customerId: c, type: 'satisfaction', score: 1, eventId: 'crm-9' });
    const rows = await openOf(c);
    expect(rows).toHaveLength(1);
    expect(rows[0].reasons).toEqual(['low_satisfaction', 'complaint']);
    expect(rows[0].event_ids).toHaveLength(4);
    await smtp.waitFor(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.messages).toHaveLength(1);
    const audits = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE customer_id = $1 AND type = 'follow_up.opened'`,
      [c],
    );
    expect(audits[0].n).toBe(1);
  });

  it('a score of 3 or more opens nothing; a complaint event does', async () => {
    const [fine, angry] = await insertCustomers(t.db, [{}, {}]);
    await event({ customerId: fine, type: 'satisfaction', score: 3 });
    await event({ customerId: angry, type: 'complaint' });
    expect(await openOf(fine)).toEqual([]);
    expect((await openOf(angry))[0].reasons).toEqual(['complaint']);
  });

  it("a business contact's account manager hears, not support", async () => {
    const res = await t.admin.post('/v1/customers').send({
      externalId: 'fu-b2b',
      kind: 'business',
      name: 'Oleg',
      company: 'ООО Ромашка',
      accountManager: { name: 'Igor', phone: '+79160001001', email: 'igor@shop.example' },
    });
    await event({ customerId: res.body.id, type: 'satisfaction', score: 1 });
    const [mail] = await smtp.waitFor(1);
    expect(mail.to).toEqual(['igor@shop.example']);
    expect(mail.parsed.subject).toContain('ООО Ромашка');
  });

  it('a batch of 300 unhappy customers opens 300 follow-ups in one request, listed oldest first over pages', async () => {
    const ids = await insertCustomers(
      t.db,
      Array.from({ length: 300 }, () => ({ group: 'many' })),
    );
    const res = await event(
      ids.map((customerId) => ({ customerId, type: 'satisfaction', score: 1 })),
    );
    expect(res.status).toBe(201);
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM follow_ups WHERE customer_id = ANY($1::uuid[]) AND resolved_at IS NULL`,
      [ids],
    );
    expect(n).toBe(300);
    await smtp.waitFor(300, 20_000);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await t
        .as(auditor)
        .get(`/v1/follow-ups?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i: { id: string }) => i.id));
      const times = page.body.items.map((i: { openedAt: string }) => i.openedAt);
      expect([...times].sort()).toEqual(times);
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(300);
  });

  it('resolving: 409 when already resolved, 404 unknown, 400 bad input, roles enforced', async () => {
    const [c] = await insertCustomers(t.db, [{}]);
    await event({ customerId: c, type: 'complaint' });
    const [open] = await openOf(c);
    const url = `/v1/follow-ups/${open.id}/resolve`;
    expect((await t.as(auditor).post(url).send({ note: 'x' })).status).toBe(403);
    expect((await t.as(integration).post(url).send({ note: 'x' })).status).toBe(403);
    expect((await t.as(integration).get('/v1/follow-ups')).status).toBe(403);
    for (const body of [
      {},
      { note: '' },
      { note: 'x'.repeat(2001) },
      { note: 'a\u0000b' },
      { note: 5 },
    ]) {
      const bad = await t.as(marketer).post(url).send(body);
      expect(bad.status).toBe(400);
      expect(bad.body.message.join()).toMatch(/note/);
    }
    expect(
      (await t.as(marketer).post('/v1/follow-ups/not-a-uuid/resolve').send({ note: 'x' })).status,
    ).toBe(400);
    const missing = await t
      .as(marketer)
      .post('/v1/follow-ups/00000000-0000-4000-8000-000000000000/resolve')
      .send({ note: 'x' });
    expect(missing.status).toBe(404);
    expect((await t.admin.post(url).send({ note: 'done' })).status).toBe(200);
    const twice = await t.as(marketer).post(url).send({ note: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.body.message.join()).toMatch(/already resolved/);
    expect((await t.as(auditor).get('/v1/follow-ups?cursor=!!')).status).toBe(400);
    expect((await t.as(auditor).get('/v1/follow-ups?cursor=YWJj')).status).toBe(400);
    // A new complaint after resolution opens a new one.
    await event({ customerId: c, type: 'complaint' });
    expect(
      (await openOf(c)).map((r: { resolved_at: Date | null }) => r.resolved_at === null),
    ).toEqual([false, true]);
  });
});

import { PlannerService } from '../../src/planning/planner.service';
import { createTestApp, TestApp } from '../support/test-app';
import {
  DAY,
  ensureTopic,
  grantConsent,
  group,
  HOUR,
  insertCampaign,
  insertCustomers,
  ManualClock,
} from './fixtures';

// Tuesday 10:00 UTC.
const NOW = new Date('2026-03-03T10:00:00Z');

describe('PlannerService: trigger campaigns', () => {
  let t: TestApp;
  let planner: PlannerService;
  let integration: string;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    t = await createTestApp({ clock });
    planner = t.app.get(PlannerService);
    integration = await t.keyFor('integration');
    await ensureTopic(t.db, 'care', 'service');
    await ensureTopic(t.db, 'reviews', 'service');
    await ensureTopic(t.db, 'offers', 'promotional');
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set(NOW));

  const event = async (body: Record<string, unknown>) => {
    const res = await t.as(integration).post('/v1/events').send(body);
    expect(res.status).toBe(201);
  };
  /** A purchase of 100 RUB at the given time, through the API. */
  const purchase = (customerId: string, occurredAt: Date) =>
    event({
      customerId,
      type: 'purchase',
      amount: 100,
      currency: 'RUB',
      occurredAt: occurredAt.toISOString(),
    });
  /** A care campaign triggered by a purchase, 48 hours later, launched at NOW. */
  const careAfterPurchase = (audience: string) =>
    insertCampaign(t.db, {
      topic: 'care',
      goal: 'care',
      audience: group(audience),
      schedule: { type: 'trigger', event: 'purchase', delayHours: 48 },
      launchedAt: NOW,
    });
  const deliveries = (campaignId: string) =>
    t.db.query(
      `SELECT customer_id, step, status, channel, not_before, is_reminder, template_name, lapse_id
         FROM deliveries WHERE campaign_id = $1 ORDER BY not_before, step`,
      [campaignId],
    );
  const decisions = (campaignId: string) =>
    t.db.query(
      `SELECT type, customer_id, reason, data FROM audit_events
        WHERE campaign_id = $1 AND type LIKE 'decision.%' ORDER BY id`,
      [campaignId],
    );

  it('purchase + 48 h: a care message per purchase, planned for 48 hours later, budget respected', async () => {
    const [buyer, other] = await insertCustomers(t.db, [
      { group: 'care', purchaseCount: 0, lastPurchaseAt: null },
      { group: 'care', purchaseCount: 0, lastPurchaseAt: null },
    ]);
    const campaign = await careAfterPurchase('care');
    const first = await planner.tick();
    expect(first.triggers).toEqual([
      expect.objectContaining({ campaignId: campaign, outcome: 'planned', decided: 0 }),
    ]);
    const [c] = await t.db.query(`SELECT status FROM campaigns WHERE id = $1`, [campaign]);
    expect(c.status).toBe('running');

    await purchase(buyer, NOW);
    await planner.tick();
    expect(await deliveries(campaign)).toEqual([
      expect.objectContaining({
        customer_id: buyer,
        step: 1,
        status: 'planned',
        channel: 'email',
        not_before: new Date(NOW.getTime() + 48 * HOUR),
      }),
    ]);
    const [send] = await decisions(campaign);
    expect(send).toEqual(
      expect.objectContaining({
        type: 'decision.send',
        customer_id: buyer,
        data: expect.objectContaining({ trigger: 'purchase', step: 1 }),
      }),
    );

    // Nothing new: nothing planned twice.
    await planner.tick();
    expect(await decisions(campaign)).toHaveLength(1);

    // A second purchase 10 days later: its care message would land 12 days after the first,
    // inside the 14-day service budget, so it waits (keeping its reservation) until day 16.
    clock.set(new Date(NOW.getTime() + 10 * DAY));
    await purchase(buyer, clock.now());
    await planner.tick();
    const rows = await deliveries(campaign);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual(
      expect.objectContaining({
        customer_id: buyer,
        step: 2,
        not_before: new Date(NOW.getTime() + 48 * HOUR + 14 * DAY),
      }),
    );
    const audit = await decisions(campaign);
    expect(audit[1]).toEqual(
      expect.objectContaining({ type: 'decision.defer', reason: 'budget_exhausted' }),
    );
    expect(rows.some((r: { customer_id: string }) => r.customer_id === other)).toBe(false);
  });

  it('two purchases read in one tick are decided and audited in event order', async () => {
    const [buyer] = await insertCustomers(t.db, [
      { group: 'twice', purchaseCount: 0, lastPurchaseAt: null },
    ]);
    const campaign = await careAfterPurchase('twice');
    await planner.tick();
    for (const hours of [-1, 0]) await purchase(buyer, new Date(NOW.getTime() + hours * HOUR));
    await planner.tick();
    // One batch: the second purchase sees the first one's reservation and waits for the budget.
    const audit = await decisions(campaign);
    expect(
      audit.map((a: { type: string; data: { step: number } }) => [a.type, a.data.step]),
    ).toEqual([
      ['decision.send', 1],
      ['decision.defer', 2],
    ]);
    expect(audit[1].reason).toBe('budget_exhausted');
  });

  it('a CRM retrying a purchase (same eventId, or same Idempotency-Key) gets one care message', async () => {
    const [byEventId, byKey] = await insertCustomers(t.db, [
      { group: 'retry', purchaseCount: 0, lastPurchaseAt: null },
      { group: 'retry', purchaseCount: 0, lastPurchaseAt: null },
    ]);
    const campaign = await careAfterPurchase('retry');
    await planner.tick();
    const body = (customerId: string, eventId?: string) => ({
      customerId,
      type: 'purchase',
      amount: 100,
      currency: 'RUB',
      occurredAt: NOW.toISOString(),
      ...(eventId ? { eventId } : {}),
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      const a = await t.as(integration).post('/v1/events').send(body(byEventId, 'order-5001'));
      expect(a.status).toBe(201);
      const b = await t
        .as(integration)
        .post('/v1/events')
        .set('Idempotency-Key', 'crm-request-5002')
        .send(body(byKey));
      expect(b.status).toBe(201);
    }
    await planner.tick();
    const rows = await deliveries(campaign);
    expect(
      rows.map((r: { customer_id: string; step: number }) => [r.customer_id, r.step]).sort(),
    ).toEqual(
      [
        [byEventId, 1],
        [byKey, 1],
      ].sort(),
    );
    const counts = await t.db.query(`SELECT purchase_count FROM customers WHERE id = ANY($1)`, [
      [byEventId, byKey],
    ]);
    expect(counts).toEqual([{ purchase_count: 1 }, { purchase_count: 1 }]);
  });

  it('satisfaction ≥ 4 → review request; one reminder after 7 days unless a review was posted', async () => {
    const [happy, unhappy, reviewer] = await insertCustomers(t.db, [
      {
        group: 'review',
        kind: 'business',
        accountManagerPhone: '+79160000000',
        purchaseCount: 1,
      },
      { group: 'review' },
      { group: 'review' },
    ]);
    const campaign = await insertCampaign(t.db, {
      topic: 'reviews',
      goal: 'review',
      audience: group('review'),
      schedule: {
        type: 'trigger',
        event: 'satisfaction',
        delayHours: 2,
        reminder: { afterDays: 7, template: 'tpl-reminder' },
      },
      launchedAt: NOW,
    });
    await t.db.query(`UPDATE campaigns SET reminder_template_version = 3 WHERE id = $1`, [
      campaign,
    ]);
    await planner.tick();
    await event({ customerId: happy, type: 'satisfaction', score: 5 });
    await event({ customerId: unhappy, type: 'satisfaction', score: 2 });
    await event({ customerId: reviewer, type: 'satisfaction', score: 4 });
    await planner.tick();
    const requests = await deliveries(campaign);
    expect(requests.map((r: { customer_id: string }) => r.customer_id).sort()).toEqual(
      [happy, reviewer].sort(),
    );
    for (const r of requests) {
      expect(r).toEqual(
        expect.objectContaining({
          step: 2,
          is_reminder: false,
          template_name: 'tpl',
          not_before: new Date(NOW.getTime() + 2 * HOUR),
        }),
      );
    }
    // Both requests go out; the reviewer then posts a review.
    await t.db.query(
      `UPDATE deliveries SET status = 'sent', sent_at = not_before WHERE campaign_id = $1`,
      [campaign],
    );
    clock.set(new Date(NOW.getTime() + 3 * DAY));
    await event({ customerId: reviewer, type: 'review_posted' });

    clock.set(new Date(NOW.getTime() + 6 * DAY));
    await planner.tick();
    expect(await deliveries(campaign)).toHaveLength(2); // not yet 7 days

    clock.set(new Date(NOW.getTime() + 8 * DAY));
    await planner.tick();
    const all = await deliveries(campaign);
    expect(all).toHaveLength(3);
    expect(all[2]).toEqual(
      expect.objectContaining({
        customer_id: happy,
        step: 3,
        is_reminder: true,
        template_name: 'tpl-reminder',
      }),
    );
    const [{ template_version }] = await t.db.query(
      `SELECT template_version FROM deliveries WHERE campaign_id = $1 AND is_reminder`,
      [campaign],
    );
    expect(template_version).toBe(3);
    const audit = await decisions(campaign);
    expect(audit.filter((a: { customer_id: string }) => a.customer_id === unhappy)).toEqual([]);
    expect(
      audit.find(
        (a: { customer_id: string; data: { step: number } }) =>
          a.customer_id === reviewer && a.data.step === 3,
      ),
    ).toEqual(expect.objectContaining({ type: 'decision.skip', reason: 'already_contacted' }));

    // One reminder at most, however many ticks follow.
    clock.set(new Date(NOW.getTime() + 20 * DAY));
    await planner.tick();
    expect(await deliveries(campaign)).toHaveLength(3);
  });

  it('a customer who becomes lapsed gets one win-back per lapse', async () => {
    const [lapsing] = await insertCustomers(t.db, [
      { group: 'lapse', purchaseCount: 2, lastPurchaseAt: new Date(NOW.getTime() - 179 * DAY) },
    ]);
    await grantConsent(t.db, lapsing, 'email', 'offers');
    const campaign = await insertCampaign(t.db, {
      topic: 'offers',
      goal: 'winback',
      audience: group('lapse'),
      schedule: { type: 'trigger', event: 'lapsed', delayHours: 0 },
      launchedAt: NOW,
    });
    await planner.tick();
    expect(await deliveries(campaign)).toHaveLength(0);

    clock.set(new Date(NOW.getTime() + 2 * DAY));
    await planner.tick();
    const rows = await deliveries(campaign);
    expect(rows).toEqual([
      expect.objectContaining({
        customer_id: lapsing,
        step: 2,
        lapse_id: `after:${new Date(NOW.getTime() - 179 * DAY).toISOString()}`,
      }),
    ]);
    clock.set(new Date(NOW.getTime() + 3 * DAY));
    await planner.tick();
    expect(await decisions(campaign)).toHaveLength(1);
  });

  it('ignores events recorded before the campaign was launched', async () => {
    const [early] = await insertCustomers(t.db, [
      { group: 'early', purchaseCount: 0, lastPurchaseAt: null },
    ]);
    clock.set(new Date(NOW.getTime() - HOUR));
    await event({ customerId: early, type: 'purchase', amount: 10, currency: 'RUB' });
    clock.set(NOW);
    const campaign = await careAfterPurchase('early');
    await planner.tick();
    expect(await deliveries(campaign)).toEqual([]);
    await event({ customerId: early, type: 'purchase', amount: 20, currency: 'RUB' });
    await planner.tick();
    expect(await deliveries(campaign)).toEqual([
      expect.objectContaining({ customer_id: early, step: 2 }),
    ]);
  });
});

import { DEFAULT_PLANNER_OPTIONS } from '../../src/planning/planner-options';
import { PlannerService } from '../../src/planning/planner.service';
import { addressHash } from '../../src/suppression/suppression.service';
import { aDelivery, aSuppression } from '../support/builders';
import { createTestApp, TestApp } from '../support/test-app';
import {
  DAY,
  ensureTopic,
  grantConsent,
  group,
  insertCampaign,
  insertCustomers,
  ManualClock,
} from './fixtures';

// Tuesday 10:00 UTC: inside the default send window for customers in UTC.
const NOW = new Date('2026-03-03T10:00:00Z');

describe('PlannerService', () => {
  let t: TestApp;
  let planner: PlannerService;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    // API only: the test plans by hand, and no sender fails its template-less deliveries meanwhile.
    t = await createTestApp({ clock, env: { TACTFUL_ROLES: 'api' } });
    planner = t.app.get(PlannerService);
    await ensureTopic(t.db, 'offers', 'promotional');
    await ensureTopic(t.db, 'tips', 'content', 30);
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set(NOW));

  const decisions = (campaignId: string) =>
    t.db.query(
      `SELECT type, customer_id, delivery_id, channel, reason, policy_version, data
         FROM audit_events WHERE campaign_id = $1 AND type LIKE 'decision.%' ORDER BY id`,
      [campaignId],
    );

  it('plans a campaign end to end: consented customers get a delivery, the others a skip with its reason', async () => {
    const [consented, none, withdrawn, suppressed, smsOnly] = await insertCustomers(t.db, [
      { group: 'e2e' },
      { group: 'e2e' },
      { group: 'e2e' },
      { group: 'e2e', email: 'complained@example.com' },
      { group: 'e2e', email: null, phone: '+79161112233' },
    ]);
    const consentId = await grantConsent(t.db, consented, 'email', 'offers');
    await grantConsent(t.db, withdrawn, 'email', '*', 'withdrawn');
    await grantConsent(t.db, suppressed, 'email', 'offers');
    await grantConsent(t.db, smsOnly, 'sms', 'offers');
    await aSuppression(t.db, {
      addressType: 'email',
      addressHash: addressHash('email', 'complained@example.com'),
      reason: 'complaint',
    });
    const campaign = await insertCampaign(t.db, {
      topic: 'offers',
      audience: group('e2e'),
      launchedAt: NOW,
    });

    const report = await planner.tick();
    expect(report.steps).toEqual([
      expect.objectContaining({ campaignId: campaign, outcome: 'planned', send: 1, skip: 4 }),
    ]);

    const deliveries = await t.db.query(
      `SELECT customer_id, channel, category, topic, status, not_before, consent_event_id, policy_version, step
         FROM deliveries WHERE campaign_id = $1`,
      [campaign],
    );
    expect(deliveries).toEqual([
      {
        customer_id: consented,
        channel: 'email',
        category: 'promotional',
        topic: 'offers',
        status: 'planned',
        not_before: NOW,
        consent_event_id: consentId,
        policy_version: 1,
        step: 0,
      },
    ]);
    const audit = await decisions(campaign);
    const byCustomer = new Map(audit.map((a: { customer_id: string }) => [a.customer_id, a]));
    expect(audit).toHaveLength(5);
    expect(byCustomer.get(consented)).toEqual(
      expect.objectContaining({
        type: 'decision.send',
        channel: 'email',
        policy_version: 1,
        data: expect.objectContaining({ step: 0, consentEventId: consentId }),
      }),
    );
    expect(byCustomer.get(none)).toEqual(
      expect.objectContaining({ type: 'decision.skip', reason: 'no_consent', delivery_id: null }),
    );
    expect(byCustomer.get(withdrawn)).toEqual(
      expect.objectContaining({ type: 'decision.skip', reason: 'consent_withdrawn' }),
    );
    expect(byCustomer.get(suppressed)).toEqual(
      expect.objectContaining({ type: 'decision.skip', reason: 'suppressed' }),
    );
    expect(byCustomer.get(smsOnly)).toEqual(
      expect.objectContaining({ type: 'decision.skip', reason: 'unreachable' }),
    );

    const [c] = await t.db.query(`SELECT status FROM campaigns WHERE id = $1`, [campaign]);
    expect(c.status).toBe('running');
    const [s] = await t.db.query(
      `SELECT status, audience_size FROM campaign_steps WHERE campaign_id = $1`,
      [campaign],
    );
    expect(s).toEqual({ status: 'planned', audience_size: 5 });

    // A second tick decides nobody again; once the delivery is sent the campaign completes.
    await planner.tick();
    expect(await decisions(campaign)).toHaveLength(5);
    await t.db.query(`UPDATE deliveries SET status = 'sent', sent_at = $2 WHERE campaign_id = $1`, [
      campaign,
      NOW,
    ]);
    const after = await planner.tick();
    expect(after.completed).toContain(campaign);
    const [done] = await t.db.query(`SELECT status FROM campaigns WHERE id = $1`, [campaign]);
    expect(done.status).toBe('completed');
  });

  it('writes a skip (already_contacted) when the unique key already holds the step', async () => {
    const ids = await insertCustomers(t.db, [
      { group: 'taken' },
      { group: 'taken' },
      { group: 'taken' },
    ]);
    for (const id of ids) await grantConsent(t.db, id, 'email', 'offers');
    const campaign = await insertCampaign(t.db, {
      topic: 'offers',
      audience: group('taken'),
      launchedAt: NOW,
    });
    // A cancelled delivery is no contact (the engine's history leaves it out), yet it holds the
    // step's unique key: the planner's own delivery for that customer is refused.
    const sorted = [...ids].sort();
    const taken = sorted[1];
    await aDelivery(t.db, {
      campaignId: campaign,
      customerId: taken,
      category: 'promotional',
      topic: 'offers',
      status: 'cancelled',
      notBefore: NOW,
      plannedAt: NOW,
    });

    const report = await planner.tick();
    expect(report.steps).toEqual([
      expect.objectContaining({ campaignId: campaign, outcome: 'planned', send: 2, skip: 1 }),
    ]);
    const rows = await t.db.query(
      `SELECT customer_id, status FROM deliveries WHERE campaign_id = $1 ORDER BY customer_id`,
      [campaign],
    );
    expect(rows).toEqual([
      { customer_id: sorted[0], status: 'planned' },
      { customer_id: taken, status: 'cancelled' },
      { customer_id: sorted[2], status: 'planned' },
    ]);
    // Lanes run side by side, so decisions of different lanes interleave: compare by customer.
    const audit: { customer_id: string; type: string }[] = await decisions(campaign);
    expect(audit.map((a) => a.customer_id).sort()).toEqual(sorted);
    const byCustomer = new Map(audit.map((a) => [a.customer_id, a]));
    expect(byCustomer.get(taken)).toEqual(
      expect.objectContaining({
        type: 'decision.skip',
        reason: 'already_contacted',
        delivery_id: null,
        channel: null,
        data: expect.objectContaining({ step: 0, detail: `campaign ${campaign} step 0` }),
      }),
    );
    for (const id of [sorted[0], sorted[2]])
      expect(byCustomer.get(id)).toEqual(
        expect.objectContaining({ type: 'decision.send', channel: 'email' }),
      );
  });

  it('a second promotional campaign within 180 days reaches no consumer', async () => {
    const customers = await insertCustomers(t.db, [
      { group: 'promo2' },
      { group: 'promo2' },
      { group: 'promo2', phone: '+79161112244' },
    ]);
    for (const id of customers) {
      await grantConsent(t.db, id, 'email', '*');
      await grantConsent(t.db, id, 'sms', '*');
    }
    const first = await insertCampaign(t.db, {
      topic: 'offers',
      audience: group('promo2'),
      priority: 60,
      launchedAt: NOW,
    });
    await planner.planStep(first, 0);
    expect(
      (await t.db.query(`SELECT 1 FROM deliveries WHERE campaign_id = $1`, [first])).length,
    ).toBe(3);

    clock.set(new Date(NOW.getTime() + 40 * DAY));
    const second = await insertCampaign(t.db, {
      topic: 'offers',
      channels: ['email', 'sms'],
      audience: group('promo2'),
      launchedAt: clock.now(),
    });
    const report = await planner.planStep(second, 0);
    expect(report).toEqual(expect.objectContaining({ outcome: 'planned', send: 0, defer: 0 }));
    expect(
      await t.db.query(`SELECT 1 FROM deliveries WHERE campaign_id = $1`, [second]),
    ).toHaveLength(0);
    const audit = await decisions(second);
    expect(audit).toHaveLength(3);
    for (const a of audit) {
      expect(a).toEqual(
        expect.objectContaining({ type: 'decision.skip', reason: 'budget_exhausted' }),
      );
      // 180 days after the first one went out.
      expect(new Date(a.data.nextEligibleAt).getTime()).toBe(NOW.getTime() + 180 * DAY);
    }
  });

  it('resumes after a crash from the checkpoint: every customer decided exactly once', async () => {
    const customers = await insertCustomers(
      t.db,
      Array.from({ length: 25 }, () => ({ group: 'crash' })),
    );
    for (const id of customers.slice(0, 20)) await grantConsent(t.db, id, 'email', 'tips');
    const campaign = await insertCampaign(t.db, {
      topic: 'tips',
      goal: 'engagement',
      audience: group('crash'),
      launchedAt: NOW,
    });
    await expect(
      // Small batches: every lane has several, so the crash leaves some undecided.
      planner.planStep(campaign, 0, {
        batchSize: 3,
        afterBatch: (n) => {
          if (n === 1) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    const [mid] = await t.db.query(`SELECT status FROM campaign_steps WHERE campaign_id = $1`, [
      campaign,
    ]);
    expect(mid.status).toBe('planning');
    // Each lane checkpointed what it committed; the crash stopped the step part-way.
    const lanes = await t.db.query(
      `SELECT lane, cursor, done FROM campaign_step_lanes WHERE campaign_id = $1 ORDER BY lane`,
      [campaign],
    );
    expect(lanes.length).toBe(DEFAULT_PLANNER_OPTIONS.lanes);
    const before = (await decisions(campaign)).length;
    expect(before).toBeGreaterThanOrEqual(1);
    expect(before).toBeLessThan(25);

    const report = await planner.planStep(campaign, 0, { batchSize: 3 });
    expect(report).toEqual(expect.objectContaining({ outcome: 'planned', decided: 25 - before }));
    const audit = await decisions(campaign);
    expect(audit).toHaveLength(25);
    expect(new Set(audit.map((a: { customer_id: string }) => a.customer_id)).size).toBe(25);
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM deliveries WHERE campaign_id = $1`,
      [campaign],
    );
    expect(n).toBe(20);
    // The same step again finds nothing to do.
    expect((await planner.planStep(campaign, 0)).outcome).toBe('skipped');
  });

  it('defers quiet hours to the morning, keeping the reservation on the channel', async () => {
    const [night] = await insertCustomers(t.db, [{ group: 'quiet', timezone: 'Asia/Tokyo' }]);
    await grantConsent(t.db, night, 'email', 'offers');
    const campaign = await insertCampaign(t.db, {
      topic: 'offers',
      audience: group('quiet'),
      launchedAt: NOW,
    });
    // 10:00 UTC is 19:00 in Tokyo; at 12:00 UTC it is 21:00 there, inside quiet hours.
    clock.set(new Date('2026-03-03T12:00:00Z'));
    await planner.planStep(campaign, 0);
    const [d] = await t.db.query(
      `SELECT status, channel, not_before FROM deliveries WHERE campaign_id = $1`,
      [campaign],
    );
    expect(d).toEqual({
      status: 'planned',
      channel: 'email',
      not_before: new Date('2026-03-04T00:00:00Z'), // 09:00 in Tokyo
    });
    const [a] = await decisions(campaign);
    expect(a).toEqual(expect.objectContaining({ type: 'decision.defer', reason: 'quiet_hours' }));
  });

  it('a cron campaign gets its next step when a run is planned', async () => {
    await insertCustomers(t.db, [{ group: 'cron' }]);
    const campaign = await insertCampaign(t.db, {
      topic: 'tips',
      goal: 'engagement',
      audience: group('cron'),
      schedule: { type: 'cron', cron: '0 10 * * 1', timezone: 'UTC' },
      launchedAt: NOW,
    });
    await planner.planStep(campaign, 0);
    const steps = await t.db.query(
      `SELECT step, status, due_at FROM campaign_steps WHERE campaign_id = $1 ORDER BY step`,
      [campaign],
    );
    expect(steps).toEqual([
      expect.objectContaining({ step: 0, status: 'planned' }),
      { step: 1, status: 'pending', due_at: new Date('2026-03-09T10:00:00Z') },
    ]);
  });
});

import { PlannerService } from '../../src/planning/planner.service';
import { ManualClock } from '../support/clock';
import { createTestApp, type TestApp } from '../support/test-app';
import { ensureTopic, group } from '../planning/fixtures';

import { eligibleCustomers, launched, NOW } from './fixtures';

describe('holdout control group', () => {
  let t: TestApp;
  let planner: PlannerService;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    t = await createTestApp({ clock });
    planner = t.app.get(PlannerService);
    await ensureTopic(t.db, 'offers', 'promotional');
  });
  afterAll(() => t.close());

  const heldOut = async (campaignId: string): Promise<string[]> =>
    (
      await t.db.query(
        `SELECT customer_id FROM audit_events
          WHERE campaign_id = $1 AND type = 'decision.skip' AND reason = 'held_out' ORDER BY customer_id`,
        [campaignId],
      )
    ).map((r: { customer_id: string }) => r.customer_id);

  async function planAll(): Promise<void> {
    for (let i = 0; i < 10; i++) await planner.tick();
  }

  it('holds out a share of 2,000 eligible customers within binomial bounds, with no delivery for them', async () => {
    await eligibleCustomers(t.db, 'share', 2000, 'offers');
    const campaign = await launched(t.db, 'share', 20);
    await planAll();
    const held = await heldOut(campaign);
    const sd = Math.sqrt(2000 * 0.2 * 0.8);
    expect(held.length).toBeGreaterThan(400 - 4 * sd);
    expect(held.length).toBeLessThan(400 + 4 * sd);
    const [{ planned, overlap }] = await t.db.query(
      `SELECT count(*)::int AS planned,
              count(*) FILTER (WHERE customer_id = ANY($2::uuid[]))::int AS overlap
         FROM deliveries WHERE campaign_id = $1`,
      [campaign, held],
    );
    expect(planned + held.length).toBe(2000);
    expect(overlap).toBe(0);
    // Progress shows the control group among the skips.
    const progress = await t.admin.get(`/v1/campaigns/${campaign}/progress`);
    expect(progress.body.skipped.held_out).toBe(held.length);
  });

  it('draws the same split when the campaign is planned again after a crash', async () => {
    await eligibleCustomers(t.db, 'crash', 300, 'offers');
    const campaign = await launched(t.db, 'crash', 30);
    await planAll();
    const first = await heldOut(campaign);
    expect(first.length).toBeGreaterThan(0);
    // What a crash before the step's end leaves: the step open, its lane checkpoints gone, so
    // every customer is decided again.
    await t.db.query(`DELETE FROM campaign_step_lanes WHERE campaign_id = $1`, [campaign]);
    await t.db.query(
      `UPDATE campaign_steps SET status = 'pending', finished_at = NULL WHERE campaign_id = $1`,
      [campaign],
    );
    await t.db.query(`UPDATE campaigns SET status = 'running', finished_at = NULL WHERE id = $1`, [
      campaign,
    ]);
    await planAll();
    const all = await heldOut(campaign);
    // Every customer held out twice, none newly: each id appears exactly twice.
    const counts = new Map<string, number>();
    for (const id of all) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(first);
    expect([...counts.values()].every((n) => n === 2)).toBe(true);
  });

  it('spends no budget of the held-out: a later promotional campaign still reaches them', async () => {
    await eligibleCustomers(t.db, 'budget', 200, 'offers');
    const first = await launched(t.db, 'budget', 50);
    await planAll();
    const held = await heldOut(first);
    expect(held.length).toBeGreaterThan(50);
    const second = await launched(t.db, 'budget', 0);
    await planAll();
    const rows: { customer_id: string; type: string; reason: string | null }[] = await t.db.query(
      `SELECT customer_id, type, reason FROM audit_events
        WHERE campaign_id = $1 AND type LIKE 'decision.%'`,
      [second],
    );
    const heldSet = new Set(held);
    const ofHeld = rows.filter((r) => heldSet.has(r.customer_id));
    const ofTreated = rows.filter((r) => !heldSet.has(r.customer_id));
    expect(ofHeld).toHaveLength(held.length);
    expect(ofHeld.every((r) => r.type === 'decision.send')).toBe(true);
    // The treated customers used their promotional budget on the first campaign.
    expect(ofTreated.every((r) => r.type !== 'decision.send')).toBe(true);
  });

  describe('over the API', () => {
    const body = (extra: Record<string, unknown>) => ({
      name: 'with a control group',
      topic: 'offers',
      goal: 'retention',
      template: 'offer',
      channels: ['email'],
      audience: group('api'),
      schedule: { type: 'now' },
      ...extra,
    });

    it('takes a holdout of 0–50 and shows it in the forecast', async () => {
      await eligibleCustomers(t.db, 'api', 400, 'offers');
      const res = await t.admin.post('/v1/campaigns').send(body({ holdoutPercent: 25 }));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ holdoutPercent: 25, attributionDays: 7, trackClicks: true });
      const forecast = await t.admin.post(`/v1/campaigns/${res.body.id}/forecast`).send({});
      expect(forecast.status).toBe(200);
      const held = forecast.body.skip.held_out as number;
      expect(held).toBeGreaterThan(50);
      expect(held).toBeLessThan(150);
      const patched = await t.admin
        .patch(`/v1/campaigns/${res.body.id}`)
        .send({ holdoutPercent: 0 });
      expect(patched.body.holdoutPercent).toBe(0);
    });

    it('refuses a holdout above 50 and on an announcement, naming the field', async () => {
      const over = await t.admin.post('/v1/campaigns').send(body({ holdoutPercent: 51 }));
      expect(over.status).toBe(400);
      expect(over.body.message).toContain('holdoutPercent must be at most 50');
      await ensureTopic(t.db, 'notices', 'service');
      const announcement = await t.admin.post('/v1/campaigns').send(
        body({
          topic: 'notices',
          goal: 'announcement',
          template: 'announcement',
          schedule: { type: 'now' },
          effectiveAt: new Date(NOW.getTime() + 60 * 86_400_000).toISOString(),
          holdoutPercent: 10,
        }),
      );
      expect(announcement.status).toBe(400);
      expect(announcement.body.message).toContain(
        'holdoutPercent must be 0 for announcements: they must reach everyone',
      );
    });
  });
});

import { ManualClock } from '../support/clock';
import { PlannerService } from '../../src/planning/planner.service';
import { createTestApp, TestApp } from '../support/test-app';

// No sender timer: deliveries stay as the tests put them (the planner is ticked by hand).
const API_ONLY = { TACTFUL_ROLES: 'api' };

const NOW = new Date('2026-11-23T12:00:00Z'); // Monday, 15:00 in Moscow
const DAY = 86_400_000;

describe('POST /v1/campaigns/examples', () => {
  let t: TestApp;
  const clock = new ManualClock(NOW);
  let marketer: string;
  let integration: string;
  let auditor: string;
  let examples: { id: string; goal: string; template: string; status: string }[];
  const byGoal = (goal: string) => examples.find((c) => c.goal === goal) as { id: string };

  beforeAll(async () => {
    t = await createTestApp({ clock, env: API_ONLY });
    [marketer, integration, auditor] = await Promise.all([
      t.keyFor('marketer'),
      t.keyFor('integration'),
      t.keyFor('auditor'),
    ]);
  });
  afterAll(() => t.close());

  it('creates one draft per goal with the topics they need, audited', async () => {
    expect((await t.as(auditor).post('/v1/campaigns/examples').send({})).status).toBe(403);
    const res = await t.as(marketer).post('/v1/campaigns/examples').send({});
    expect(res.status).toBe(201);
    examples = res.body.items;
    expect(examples.map((c) => c.goal).sort()).toEqual([
      'announcement',
      'care',
      'engagement',
      'retention',
      'review',
      'winback',
    ]);
    expect(examples.every((c) => c.status === 'draft')).toBe(true);
    expect(examples.map((c) => c.template).sort()).toEqual([
      'announcement',
      'care-after-purchase',
      'offer',
      'review-request',
      'tips',
      'winback',
    ]);
    expect(res.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          goal: 'retention',
          topic: 'tips',
          schedule: { type: 'cron', cron: '0 10 1 * *', timezone: 'Europe/Moscow' },
        }),
        expect.objectContaining({
          goal: 'care',
          schedule: { type: 'trigger', event: 'purchase', delayHours: 48 },
        }),
        expect.objectContaining({
          goal: 'review',
          schedule: expect.objectContaining({
            event: 'satisfaction',
            minScore: 4,
            reminder: { afterDays: 7, template: 'review-reminder', unless: 'review_posted' },
          }),
        }),
        expect.objectContaining({
          goal: 'winback',
          schedule: { type: 'trigger', event: 'lapsed', delayHours: 0 },
        }),
        expect.objectContaining({ goal: 'announcement', effectiveAt: expect.any(String) }),
      ]),
    );
    const topics = await t.db.query(`SELECT key, category FROM topics ORDER BY key`);
    expect(topics).toEqual([
      { key: 'announcements', category: 'service' },
      { key: 'care', category: 'service' },
      { key: 'offers', category: 'promotional' },
      { key: 'reviews', category: 'service' },
      { key: 'tips', category: 'content' },
    ]);
    const audited = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE type = 'campaign.created' AND actor LIKE 'key:%'`,
    );
    expect(audited[0].n).toBe(6);
  });

  it('is idempotent: a second call returns the same drafts', async () => {
    const res = await t.as(marketer).post('/v1/campaigns/examples').send({});
    expect(res.status).toBe(201);
    expect(res.body.items.map((c: { id: string }) => c.id)).toEqual(examples.map((c) => c.id));
    expect((await t.db.query(`SELECT count(*)::int AS n FROM campaigns`))[0].n).toBe(6);
  });

  describe('each goal end to end: launch, events, planner', () => {
    const ids: Record<string, string> = {};
    const customer = async (key: string, consents: string[]) => {
      const res = await t
        .as(integration)
        .post('/v1/customers')
        .send({
          externalId: `ex-${key}`,
          kind: 'consumer',
          name: `Customer ${key}`,
          email: `${key}@example.com`,
          timezone: 'Europe/Moscow',
          locale: 'en',
        });
      expect(res.status).toBe(201);
      ids[key] = res.body.id;
      for (const topic of consents) {
        const c = await t
          .as(integration)
          .post(`/v1/customers/${ids[key]}/consents`)
          .send({
            channel: 'email',
            topic,
            action: 'grant',
            source: 'web-form',
            confirmed: true,
            evidence: { ip: '203.0.113.9', wording: `Yes to ${topic}`, wordingVersion: 'v1' },
          });
        expect(c.status).toBe(201);
      }
    };
    const event = async (key: string, body: Record<string, unknown>) => {
      const res = await t
        .as(integration)
        .post('/v1/events')
        .send({ externalId: `ex-${key}`, ...body });
      expect(res.status).toBe(201);
    };
    const deliveredTo = async (goal: string) =>
      (
        await t.db.query(
          `SELECT customer_id FROM deliveries WHERE campaign_id = $1 ORDER BY customer_id`,
          [byGoal(goal).id],
        )
      ).map((r: { customer_id: string }) => r.customer_id);
    const tickAt = async (at: string) => {
      clock.current = new Date(at);
      await t.app.get(PlannerService).tick();
    };

    beforeAll(async () => {
      clock.current = NOW;
      await customer('reader', ['tips']); // one purchase 10 days ago: `new`, reads tips
      await event('reader', {
        type: 'purchase',
        amount: 4990,
        currency: 'RUB',
        occurredAt: new Date(NOW.getTime() - 10 * DAY).toISOString(),
      });
      await customer('newbie', ['offers']); // one purchase 5 days ago: `new`, takes offers
      await event('newbie', {
        type: 'purchase',
        amount: 4990,
        currency: 'RUB',
        occurredAt: new Date(NOW.getTime() - 5 * DAY).toISOString(),
      });
      await customer('gone', ['offers']); // last purchase 179 days ago: lapses tomorrow
      await event('gone', {
        type: 'purchase',
        amount: 4990,
        currency: 'RUB',
        occurredAt: new Date(NOW.getTime() - 179 * DAY).toISOString(),
      });
      await customer('buyer', []);
      await customer('happy', []);
      await customer('unhappy', []);
      // recorded_at is the database's now(), not the test clock: put these before the launch so
      // that trigger campaigns (which start from the events recorded after launch) ignore them
      await t.db.query(`UPDATE customer_events SET recorded_at = $1`, [
        new Date(NOW.getTime() - 3_600_000),
      ]);
    });

    it('launches every example (202), with the content check for the content one', async () => {
      for (const c of examples) {
        const res = await t.as(marketer).post(`/v1/campaigns/${c.id}/launch`).send({});
        expect(res.status).toBe(202);
        expect(res.body.campaign.status).toBe('scheduled');
        expect(res.body.campaign.templateVersion).toBeGreaterThanOrEqual(1);
      }
      const tips = await t.as(auditor).get(`/v1/campaigns/${byGoal('retention').id}`);
      expect(tips.body.contentCheck).toMatchObject({ level: expect.stringMatching(/ok|warn/) });
      expect(tips.body.reminderTemplateVersion).toBeNull();
      const review = await t.as(auditor).get(`/v1/campaigns/${byGoal('review').id}`);
      expect(review.body.reminderTemplateVersion).toBeGreaterThanOrEqual(1);
    });

    it('forecasts each example', async () => {
      for (const c of examples) {
        const res = await t.as(auditor).post(`/v1/campaigns/${c.id}/forecast`).send({});
        expect(res.status).toBe(200);
        expect(res.body.audience).toBeGreaterThanOrEqual(1);
        expect(res.body.send + res.body.defer + sum(res.body.skip)).toBe(res.body.audience);
      }
    });

    it('reaches the right customer for each goal', async () => {
      await event('buyer', { type: 'purchase', amount: 12000, currency: 'RUB' });
      await event('happy', { type: 'satisfaction', score: 5 });
      await event('unhappy', { type: 'satisfaction', score: 2 });
      await tickAt(NOW.toISOString()); // triggers: care and review planned ahead
      await tickAt('2026-11-24T10:01:00Z'); // the announcement
      await tickAt('2026-11-25T10:01:00Z'); // the offer, and the win-back of yesterday's lapse
      await tickAt('2026-12-01T07:01:00Z'); // the monthly tips, 10:00 in Moscow

      expect(await deliveredTo('retention')).toEqual([ids.reader]);
      expect(await deliveredTo('care')).toEqual([ids.buyer]);
      expect(await deliveredTo('review')).toEqual([ids.happy]);
      expect(await deliveredTo('winback')).toEqual([ids.gone]);
      expect(await deliveredTo('engagement')).toEqual([ids.newbie]);
      // the announcement reaches everyone not opted out of e-mail, consent or not; each customer
      // is decided once, with a reason
      const announced = await deliveredTo('announcement');
      expect(announced).toEqual(
        expect.arrayContaining([ids.reader, ids.newbie, ids.gone, ids.unhappy]),
      );
      const decided = await t.db.query(
        `SELECT count(DISTINCT customer_id)::int AS n FROM audit_events
          WHERE campaign_id = $1 AND type LIKE 'decision.%'`,
        [byGoal('announcement').id],
      );
      expect(decided[0].n).toBe(6);
      // the unhappy customer is never asked for a review
      const asked = await t.db.query(
        `SELECT 1 FROM deliveries WHERE customer_id = $1 AND goal = 'review'`,
        [ids.unhappy],
      );
      expect(asked).toEqual([]);

      for (const c of examples) {
        const p = await t.as(auditor).get(`/v1/campaigns/${c.id}/progress`);
        expect(p.status).toBe(200);
        expect(p.body.planned).toBeGreaterThanOrEqual(1);
      }
    });
  });
});

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, n) => a + n, 0);

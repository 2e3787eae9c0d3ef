import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { loadSettings } from '../../src/config/settings';
import { PlannerService } from '../../src/planning/planner.service';
import { cloneTestDatabase } from '../support/database';
import {
  DAY,
  ensureTopic,
  grantConsent,
  group,
  insertCampaign,
  insertCustomers,
  ManualClock,
} from './fixtures';

const NOW = new Date('2026-03-03T10:00:00Z');
const ROUNDS = 5;

/** Two independent service instances (own Nest app, own connection pool) on one database. */
describe('PlannerService: two instances on one database', () => {
  let drop: () => Promise<void>;
  let apps: TestingModule[];
  let a: PlannerService;
  let b: PlannerService;
  let db: DataSource;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    const database = await cloneTestDatabase();
    drop = database.drop;
    const settings = loadSettings({
      TACTFUL_ADMIN_KEY: 'test-admin-key-0123456789abcdef',
      TACTFUL_SECRET: 'test-secret-0123456789abcdef0123456789',
      TACTFUL_DATA_DIR: mkdtempSync(join(tmpdir(), 'tactful-data-')),
      TACTFUL_ROLES: 'scheduler',
      LOG_LEVEL: 'silent',
    });
    apps = [];
    for (let i = 0; i < 2; i++) {
      const ref = await Test.createTestingModule({
        imports: [AppModule.forRoot(settings, database.url, clock)],
      }).compile();
      ref.useLogger(false);
      await ref.init();
      apps.push(ref);
    }
    [a, b] = apps.map((ref) => ref.get(PlannerService));
    db = apps[0].get(DataSource);
    await ensureTopic(db, 'offers', 'promotional');
    await ensureTopic(db, 'deals', 'promotional');
    await ensureTopic(db, 'tips', 'content', 7);
  });
  afterAll(async () => {
    for (const ref of apps ?? []) await ref.close();
    await drop?.();
  });

  async function seedRound(r: number) {
    const name = `round-${r}`;
    const customers = await insertCustomers(
      db,
      Array.from({ length: 30 }, (_, i) => ({
        group: name,
        kind: i % 3 === 0 ? ('business' as const) : ('consumer' as const),
        phone: `+7916${String(r).padStart(2, '0')}${String(i).padStart(5, '0')}`,
      })),
    );
    for (const id of customers) {
      await grantConsent(db, id, 'email', '*');
      await grantConsent(db, id, 'sms', '*');
    }
    const make = (topic: string, priority: number, goal = 'retention') =>
      insertCampaign(db, {
        topic,
        goal,
        priority,
        channels: ['email', 'sms'],
        audience: group(name),
        launchedAt: NOW,
      });
    const campaigns = [
      await make('offers', 70),
      await make('deals', 40),
      await make('tips', 50, 'engagement'),
    ];
    return { customers, campaigns };
  }

  it(`overlapping campaigns planned at once never overbook a customer (${ROUNDS} rounds)`, async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const { customers, campaigns } = await seedRound(r);
      const [p1, p2, c1] = campaigns;
      // Small, different batch sizes so the two instances' batches interleave.
      await Promise.all([
        a.planStep(p1, 0, { batchSize: 4 }),
        b.planStep(p2, 0, { batchSize: 3 }),
        b.planStep(c1, 0, { batchSize: 5 }),
      ]);

      // Every customer decided exactly once per campaign.
      for (const c of campaigns) {
        const rows: { customer_id: string; n: number }[] = await db.query(
          `SELECT customer_id, count(*)::int AS n FROM audit_events
            WHERE campaign_id = $1 AND type LIKE 'decision.%' GROUP BY customer_id`,
          [c],
        );
        expect(rows).toHaveLength(customers.length);
        expect(rows.every((row) => row.n === 1)).toBe(true);
      }
      // No customer over a budget: one promotional message at most (the windows are 30 and
      // 180 days), and never two messages within a day.
      const over: unknown[] = await db.query(
        `SELECT d.customer_id, d.category, d.campaign_id, d.not_before
           FROM deliveries d
          WHERE d.customer_id = ANY($1::uuid[]) AND d.status NOT IN ('cancelled', 'failed')
            AND EXISTS (
              SELECT 1 FROM deliveries o
               WHERE o.customer_id = d.customer_id AND o.id <> d.id
                 AND o.status NOT IN ('cancelled', 'failed')
                 AND (abs(extract(epoch FROM o.not_before - d.not_before)) < 86400
                      OR (o.category = 'promotional' AND d.category = 'promotional')))`,
        [customers],
      );
      expect(over).toEqual([]);
      // Everyone was reachable and consenting: each got exactly one of the two promotions,
      // the higher-priority one whenever it won the race for the slot.
      const [{ promos }] = await db.query(
        `SELECT count(*)::int AS promos FROM deliveries
          WHERE customer_id = ANY($1::uuid[]) AND category = 'promotional'`,
        [customers],
      );
      expect(promos).toBe(customers.length);
    }
  });

  it('one instance at a time plans a campaign: the other finds it locked', async () => {
    const { customers, campaigns } = await seedRound(99);
    const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
    for (const c of campaigns) {
      const outcomes = [...ra.steps, ...rb.steps]
        .filter((s) => s.campaignId === c)
        .map((s) => s.outcome);
      // Planned by one; the other either found it locked or came after it was done.
      expect(outcomes.filter((o) => o === 'planned')).toHaveLength(1);
      const [{ n }] = await db.query(
        `SELECT count(DISTINCT customer_id)::int AS n FROM audit_events
          WHERE campaign_id = $1 AND type LIKE 'decision.%'`,
        [c],
      );
      expect(n).toBe(customers.length);
    }
    const [{ dup }] = await db.query(
      `SELECT count(*)::int AS dup FROM (SELECT campaign_id, customer_id FROM audit_events
         WHERE type LIKE 'decision.%' GROUP BY campaign_id, customer_id HAVING count(*) > 1) x`,
    );
    expect(dup).toBe(0);
    expect(clock.now().getTime() - NOW.getTime()).toBeLessThan(DAY);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOutcomeDemo, OUTCOME_CAMPAIGNS, simulateOutcomes } from '../../src/demo/demo-outcomes';
import { loadDemo, runDemo, DEMO_ACTOR } from '../../src/demo/sample-company';
import { createTestApp, type TestApp } from '../support/test-app';

describe('npm run demo: the measured campaigns', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        TACTFUL_ROLES: 'api',
        TACTFUL_DATA_DIR: mkdtempSync(join(tmpdir(), 'tactful-demo-outcomes-')),
      },
    });
  });
  afterAll(() => t.close());

  it('shows one campaign that helped and one with no measurable effect, with clicks and unsubscribes', async () => {
    const load = await loadDemo(t.app);
    await loadOutcomeDemo(t.app, DEMO_ACTOR);
    await runDemo(t.app, { waitUntil: load.waitUntil });
    await simulateOutcomes(t.app, DEMO_ACTOR);
    // A second run adds no purchase, click or shopper.
    await loadOutcomeDemo(t.app, DEMO_ACTOR);
    await simulateOutcomes(t.app, DEMO_ACTOR);
    const verdicts: Record<string, { verdict: string; clicked: number; unsubscribed: number }> = {};
    for (const c of OUTCOME_CAMPAIGNS) {
      const [{ id }] = await t.db.query(`SELECT id FROM campaigns WHERE name = $1`, [c.name]);
      const res = await t.admin.get(`/v1/campaigns/${id}/results`);
      expect(res.status).toBe(200);
      expect(res.body.holdout.customers).toBeGreaterThan(30);
      verdicts[c.group] = {
        verdict: res.body.verdict,
        clicked: res.body.treated.clicked,
        unsubscribed: res.body.annoyance.unsubscribed,
      };
      expect(res.body.treated.clicked).toBe(Math.round(res.body.treated.customers * c.clickShare));
    }
    expect(verdicts.helped).toMatchObject({ verdict: 'helped', unsubscribed: 1 });
    expect(verdicts['no-effect']).toMatchObject({
      verdict: 'no_measurable_effect',
      unsubscribed: 3,
    });
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM customers WHERE external_id LIKE 'sim-%'`,
    );
    expect(n).toBe(600);
  }, 240_000);
});

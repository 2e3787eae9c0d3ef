import { Client } from 'pg';
import { AuditWriter } from '../../src/audit-log/audit-writer';
import { aCampaignStep, aCustomer, aDelivery, sql } from '../support/builders';
import { createTestApp, createTopics, type TestApp } from '../support/test-app';
import { signInToConsole } from '../support/console-session';

interface ListedRow {
  id: string;
  percent: number | null;
  sent: number | null;
  audience: number | null;
}

/** The campaigns list: the same figures as the progress API, read set-wise for all rows. */
describe('console campaigns list', () => {
  let t: TestApp;
  let marketerKey: string;
  let cookie: string;

  const signIn = async (key: string) => (await signInToConsole(t, key)).cookie;

  const createCampaign = async (name: string): Promise<string> => {
    const made = await t
      .as(marketerKey)
      .post('/v1/campaigns')
      .send({
        name,
        topic: 'tips',
        goal: 'engagement',
        template: 'tips',
        channels: ['email'],
        audience: {},
        schedule: { type: 'now' },
      });
    expect(made.status).toBe(201);
    return made.body.id as string;
  };

  let customerSeq = 0;
  const addDeliveries = async (campaignId: string, fates: string[], notBefore = 'now()') => {
    for (const status of fates) {
      const customerId = await aCustomer(t.db, { externalId: `list-${customerSeq++}` });
      await aDelivery(t.db, {
        campaignId,
        customerId,
        goal: 'engagement',
        templateName: 'tips',
        status,
        notBefore: sql(notBefore),
      });
    }
  };

  const setStatus = (id: string, status: string) =>
    t.db.query(`UPDATE campaigns SET status = $2 WHERE id = $1`, [id, status]);
  const addStep = (id: string, step: number, audience: number | null) =>
    aCampaignStep(t.db, {
      campaignId: id,
      step,
      dueAt: sql('now()'),
      status: 'planned',
      audienceSize: audience,
    });

  /** Each row of the list page as shown: id, bar percent (sent of the audience), audience and sent. */
  const listed = async (): Promise<Map<string, ListedRow>> => {
    const res = await t.http.get('/console/campaigns').set('Cookie', cookie);
    expect(res.status).toBe(200);
    const rows = new Map<string, ListedRow>();
    for (const tr of res.text.split('<tr>').slice(2)) {
      const id = /href="\/console\/campaigns\/([0-9a-f-]{36})"/.exec(tr)?.[1];
      if (!id) continue;
      const bar = /aria-label="(\d+)% · /.exec(tr);
      const figures = /<small>(\d+) recipients?, (\d+) sent<\/small>/.exec(tr);
      rows.set(id, {
        id,
        percent: bar ? Number(bar[1]) : null,
        sent: figures ? Number(figures[2]) : null,
        audience: figures ? Number(figures[1]) : null,
      });
    }
    return rows;
  };

  /** The row the list should show, from the progress API. */
  const expectedFromApi = async (id: string): Promise<Omit<ListedRow, 'id'>> => {
    const res = await t.as(marketerKey).get(`/v1/campaigns/${id}/progress`);
    expect(res.status).toBe(200);
    const p = res.body as {
      audience: number;
      planned: number;
      sent: number;
      failed: number;
      unknown: number;
      cancelled: number;
      skipped: Record<string, number>;
    };
    // The bar shows sent against the audience (not planned, skipped or failed).
    const total = Math.max(p.audience, p.sent);
    return {
      percent: total ? Math.round((p.sent / total) * 100) : 0,
      sent: p.sent,
      audience: p.audience,
    };
  };

  beforeAll(async () => {
    // API only: a background sender or planner would move the seeded deliveries between the
    // list read and the progress read, and its queries would count against the list's.
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    await createTopics(t);
    marketerKey = await t.keyFor('marketer');
    cookie = await signIn(marketerKey);
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows the same figures as GET /v1/campaigns/:id/progress for campaigns in every state', async () => {
    const draft = await createCampaign('Draft');

    // Completed after a crash: sent, delivered, failed, bounced, unknown, cancelled, skips.
    const crashed = await createCampaign('Crashed');
    await setStatus(crashed, 'completed');
    await addStep(crashed, 0, 20);
    await addDeliveries(crashed, [
      'sent',
      'delivered',
      'complained',
      'failed',
      'bounced',
      'unknown',
      'unknown',
      'unknown',
      'cancelled',
    ]);
    await t.app.get(AuditWriter).record([
      { type: 'decision.skip', campaignId: crashed, reason: 'no_consent' },
      { type: 'decision.skip', campaignId: crashed, reason: 'no_consent' },
      { type: 'decision.skip', campaignId: crashed, reason: null },
      // another type with a reason is not a skip
      { type: 'decision.defer', campaignId: crashed, reason: 'quiet_hours' },
    ]);

    // Running over two steps, some deliveries deferred to later, some due now.
    const running = await createCampaign('Running');
    await setStatus(running, 'running');
    await addStep(running, 0, 7);
    await addStep(running, 1, 5);
    await addDeliveries(running, ['planned', 'planned'], `now() + interval '2 days'`);
    await addDeliveries(running, ['planned', 'sending', 'sent', 'failed']);

    // Scheduled before the planner sized any step: the audience as it stands now.
    const scheduled = await createCampaign('Scheduled');
    await setStatus(scheduled, 'scheduled');
    await addStep(scheduled, 0, null);

    // Only failures: 100%.
    const failed = await createCampaign('All failed');
    await setStatus(failed, 'completed');
    await addStep(failed, 0, 3);
    await addDeliveries(failed, ['failed', 'bounced', 'failed']);

    // Paused with nothing written yet, cancelled with everything cancelled.
    const paused = await createCampaign('Paused');
    await setStatus(paused, 'paused');
    await addStep(paused, 0, 4);
    const cancelled = await createCampaign('Cancelled');
    await setStatus(cancelled, 'cancelled');
    await addStep(cancelled, 0, 2);
    await addDeliveries(cancelled, ['cancelled', 'cancelled']);

    const rows = await listed();
    expect(rows.get(draft)).toEqual({
      id: draft,
      percent: null,
      sent: null,
      audience: null,
    });
    for (const id of [crashed, running, scheduled, failed, paused, cancelled]) {
      expect({ id, ...(await expectedFromApi(id)) }).toEqual(rows.get(id));
    }
    // The figures themselves, so that a shared mistake in both reads is caught too.
    expect(rows.get(crashed)).toMatchObject({ sent: 3, audience: 20, percent: 15 });
    expect(rows.get(running)).toMatchObject({ sent: 1, audience: 12, percent: 8 });
    expect(rows.get(failed)).toMatchObject({ sent: 0, audience: 3, percent: 0 });
    expect(rows.get(paused)).toMatchObject({ sent: 0, audience: 4, percent: 0 });
    expect(rows.get(cancelled)).toMatchObject({ sent: 0, audience: 2, percent: 0 });
    const customers = Number((await t.db.query(`SELECT count(*)::int AS n FROM customers`))[0].n);
    expect(rows.get(scheduled)).toMatchObject({ sent: 0, audience: customers });
  });

  it('reads the progress of 200 campaigns in as many statements as that of a few', async () => {
    const statements = async () => {
      // Warm the session so every request does the same work besides the list.
      await t.http.get('/console/campaigns').set('Cookie', cookie);
      const spy = jest.spyOn(Client.prototype, 'query');
      try {
        const res = await t.http.get('/console/campaigns').set('Cookie', cookie);
        expect(res.status).toBe(200);
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
      }
    };
    const few = await statements(); // the campaigns of the test above
    // Up to the list's 200: copies of a sized, running campaign with deliveries.
    const [template] = await t.db.query(`SELECT id FROM campaigns WHERE name = 'Running'`);
    const have = Number((await t.db.query(`SELECT count(*)::int AS n FROM campaigns`))[0].n);
    await t.db.query(
      `INSERT INTO campaigns
       SELECT (jsonb_populate_record(NULL::campaigns,
                 to_jsonb(c) || jsonb_build_object('id', gen_random_uuid(), 'name', 'Copy ' || g))).*
         FROM campaigns c, generate_series(1, $2::int) g WHERE c.id = $1`,
      [template.id, 200 - have],
    );
    await t.db.query(
      `INSERT INTO campaign_steps (campaign_id, step, due_at, status, audience_size)
       SELECT id, 0, now(), 'planned', 9 FROM campaigns WHERE name LIKE 'Copy %'`,
    );
    const many = await statements();
    console.log(`campaigns list statements: ${few} for ${have} campaigns, ${many} for 200`);
    expect(many).toBeLessThanOrEqual(few);
    const rows = await listed();
    expect(rows.size).toBe(200);
    const copy = [...rows.values()].find((r) => r.audience === 9);
    expect(copy).toMatchObject({ sent: 0, percent: 0 });
  });
});

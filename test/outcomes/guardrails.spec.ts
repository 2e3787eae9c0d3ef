import { GuardrailMonitor } from '../../src/outcomes/guardrail-monitor';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { aCampaign, aTopic } from '../support/builders';
import { createDeliveryApp, type DeliveryTestApp } from '../delivery/delivery-app';
import { signInToConsole } from '../support/console-session';

describe('guardrails', () => {
  let smtp: TestSmtpServer;
  let t: DeliveryTestApp;
  let monitor: GuardrailMonitor;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createDeliveryApp({ env: { SMTP_URL: smtp.url } });
    monitor = t.app.get(GuardrailMonitor);
    await aTopic(t.db, { key: 'tips', category: 'content', title: { en: 'Tips' } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  /** A running campaign with `n` consented customers and one delivery each, due now. */
  async function running(tag: string, n: number, guardrails: unknown): Promise<string> {
    const campaign = await aCampaign(t.db, {
      name: `guarded ${tag}`,
      templateName: 'spring',
      templateVersion: 1,
      launchedAt: t.clock.now(),
      guardrails,
    });
    await t.db.query(
      `WITH c AS (
         INSERT INTO customers (external_id, kind, name, email, locale, timezone)
         SELECT $2 || '-' || g, 'consumer', 'Customer ' || g, $2 || g || '@mail.example', 'en', 'UTC'
           FROM generate_series(1, $3::int) g RETURNING id
       ), e AS (
         INSERT INTO consent_events (customer_id, channel, topic, action, source, confirmed, occurred_at,
           wording, wording_version, actor)
         SELECT id, 'email', 'tips', 'grant', 'import', true, $4::timestamptz - interval '1 day', 'Yes', 'w', 'seed'
           FROM c RETURNING id, customer_id, occurred_at
       ), s AS (
         INSERT INTO consent_state (customer_id, channel, topic, status, since, last_event_id)
         SELECT customer_id, 'email', 'tips', 'confirmed', occurred_at, id FROM e
       )
       INSERT INTO deliveries (campaign_id, customer_id, channel, category, topic, goal, template_name,
         template_version, policy_version, consent_event_id, not_before)
       SELECT $1, customer_id, 'email', 'content', 'tips', 'retention', 'spring', 1, 1, id,
              $4::timestamptz - interval '1 minute'
         FROM e`,
      [campaign, tag, n, t.clock.now()],
    );
    return campaign;
  }

  const statusCounts = async (campaign: string) =>
    Object.fromEntries(
      (
        await t.db.query(
          `SELECT status, count(*)::int AS n FROM deliveries WHERE campaign_id = $1 GROUP BY status`,
          [campaign],
        )
      ).map((r: { status: string; n: number }) => [r.status, r.n]),
    );

  it('pauses a running campaign on a complaint spike before it finishes; nothing is sent after', async () => {
    const campaign = await running('spike', 300, { minDelivered: 100, maxComplaintRate: 0.01 });
    expect(await t.sender.runOnce(100)).toMatchObject({ sent: 100 });
    expect(await monitor.check()).toEqual([]);
    // Five complaints among the first hundred: 5%, over the campaign's 1%.
    await t.db.query(
      `UPDATE deliveries SET status = 'complained'
        WHERE id IN (SELECT id FROM deliveries WHERE campaign_id = $1 AND status = 'sent' LIMIT 5)`,
      [campaign],
    );
    expect(await monitor.check()).toEqual([campaign]);
    const [c] = await t.db.query(`SELECT status, paused_reason FROM campaigns WHERE id = $1`, [
      campaign,
    ]);
    expect(c.status).toBe('paused');
    expect(c.paused_reason).toBe(
      'guardrail: complaint rate 5.00% over the limit 1.00% after 100 delivered',
    );
    const [audit] = await t.db.query(
      `SELECT actor, data FROM audit_events WHERE campaign_id = $1 AND type = 'campaign.auto_paused'`,
      [campaign],
    );
    expect(audit.actor).toBe('system');
    expect(audit.data.figures).toMatchObject({
      delivered: 100,
      complained: 5,
      complaintRate: 0.05,
    });

    const mailsAtPause = smtp.messages.length;
    expect(await t.sender.tick()).toMatchObject({ sent: 0 });
    expect(smtp.messages.length).toBe(mailsAtPause);
    expect(await statusCounts(campaign)).toEqual({ sent: 95, complained: 5, planned: 200 });
    // A second check changes nothing: the campaign is no longer running.
    expect(await monitor.check()).toEqual([]);

    const refused = await t.admin.post(`/v1/campaigns/${campaign}/resume`).send({});
    expect(refused.status).toBe(400);
    expect(refused.body.message[0]).toMatch(
      /^acknowledge: the campaign paused itself \(guardrail: /,
    );
    const resumed = await t.admin
      .post(`/v1/campaigns/${campaign}/resume`)
      .send({ acknowledge: true });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ status: 'running', pausedReason: null });
    // The acknowledged figures do not pause it again at once: another 100 must be delivered.
    expect(await monitor.check()).toEqual([]);
    expect(resumed.body.guardrails).toMatchObject({
      minDelivered: 100,
      acknowledgedDelivered: 100,
    });
    expect((await t.admin.post(`/v1/campaigns/${campaign}/cancel`).send({})).status).toBe(200);
  });

  it('the console resumes a campaign that paused itself only with the acknowledgement box ticked', async () => {
    // The campaign page shows a paused campaign's forecast, which reads its template.
    const template = await t.admin.post('/v1/templates').send({
      name: 'spring',
      locales: { en: { subject: 'Spring', html: '<p>Spring tips</p>', text: 'Spring tips' } },
    });
    expect(template.status).toBe(201);
    const campaign = await running('console', 120, { minDelivered: 100, maxComplaintRate: 0.01 });
    expect(await t.sender.runOnce(100)).toMatchObject({ sent: 100 });
    await t.db.query(
      `UPDATE deliveries SET status = 'complained'
        WHERE id IN (SELECT id FROM deliveries WHERE campaign_id = $1 AND status = 'sent' LIMIT 3)`,
      [campaign],
    );
    expect(await monitor.check()).toEqual([campaign]);
    const { cookie, csrf } = await signInToConsole(t, await t.keyFor('marketer'));
    const confirm = await t.http
      .get(`/console/campaigns/${campaign}/confirm/resume`)
      .set('Cookie', cookie);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('The campaign paused itself: guardrail: complaint rate 3.00%');
    expect(confirm.text).toContain('name="acknowledge"');

    const unticked = await t.http
      .post(`/console/campaigns/${campaign}/resume`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf });
    expect(unticked.status).toBe(400);
    expect(unticked.text).toContain('acknowledge: the campaign paused itself');
    const ticked = await t.http
      .post(`/console/campaigns/${campaign}/resume`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, acknowledge: 'true' });
    expect(ticked.status).toBe(303);
    const [c] = await t.db.query(`SELECT status FROM campaigns WHERE id = $1`, [campaign]);
    expect(c.status).toBe('running');
    expect((await t.admin.post(`/v1/campaigns/${campaign}/cancel`).send({})).status).toBe(200);
  });

  it('hands over nothing more of a campaign paused while its batch is already claimed', async () => {
    const campaign = await running('midbatch', 40, null);
    const render = t.renderer.render.bind(t.renderer);
    let paused = false;
    t.renderer.render = async (...args) => {
      if (!paused) {
        paused = true;
        // The marketer (or the guardrail) pauses between the claim and the hand-over.
        await t.db.query(
          `UPDATE campaigns SET status = 'paused', paused_from = 'running' WHERE id = $1`,
          [campaign],
        );
      }
      return render(...args);
    };
    try {
      const before = smtp.messages.length;
      const r = await t.sender.runOnce(40);
      expect(r.claimed).toBe(40);
      expect(smtp.messages.length).toBe(before);
      expect(await statusCounts(campaign)).toEqual({ planned: 40 });
    } finally {
      t.renderer.render = render;
    }
  });

  it('waits for minDelivered before judging a rate', async () => {
    const campaign = await running('early', 60, null);
    expect(await t.sender.runOnce(60)).toMatchObject({ sent: 60 });
    await t.db.query(
      `UPDATE deliveries SET status = 'complained' WHERE campaign_id = $1 AND customer_id IN (
         SELECT customer_id FROM deliveries WHERE campaign_id = $1 LIMIT 10)`,
      [campaign],
    );
    // 10 of 60 complained, but the default minDelivered is 200.
    expect(await monitor.check()).toEqual([]);
  });
});

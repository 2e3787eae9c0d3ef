import { createHash } from 'node:crypto';
import { ConsentService } from '../../src/consent';
import { cancelPlanned } from '../../src/planned-deliveries/cancel-planned';
import type { Channel } from '../../src/policy/engine';
import { marketingConsentProblem } from '../../src/policy/engine/consent';
import { aCampaign, aDelivery } from '../support/builders';
import {
  insertRunningCampaign,
  plannerBatchInFlight,
  stillWaiting,
} from '../support/planner-batch';
import { createTestApp, TestApp, createTopics } from '../support/test-app';

describe('/v1/customers/:id/consents', () => {
  let t: TestApp;
  let integration: string;
  let marketer: string;
  let auditor: string;
  let integrationId: string;
  let id: string;

  const evidence = {
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
    wording: 'Да, присылайте мне полезные советы раз в месяц',
    wordingVersion: 'tips-2026-01',
  };
  const grant = { channel: 'email', topic: 'tips', action: 'grant', source: 'web-form', evidence };

  const newCustomer = async (externalId: string) => {
    const res = await t.admin.post('/v1/customers').send({
      externalId,
      kind: 'consumer',
      email: `${externalId}@example.ru`,
      phone: '+79161230000',
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const post = (customerId: string, body: object, key = integration) =>
    t.as(key).post(`/v1/customers/${customerId}/consents`).send(body);
  const ledgerCount = async () =>
    Number((await t.db.query('SELECT count(*)::int AS n FROM consent_events'))[0].n);

  beforeAll(async () => {
    // API only: no sender timer claims the deliveries these tests put in place.
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    [integration, marketer, auditor] = await Promise.all([
      t.keyFor('integration'),
      t.keyFor('marketer'),
      t.keyFor('auditor'),
    ]);
    [{ id: integrationId }] = await t.db.query(
      `SELECT id FROM api_keys WHERE role = 'integration'`,
    );
    await createTopics(t);
    id = await newCustomer('crm-consent');
  });
  afterAll(() => t.close());

  it('grants with evidence: 201, event with evidence, state granted, audited with the key id', async () => {
    const res = await post(id, grant);
    expect(res.status).toBe(201);
    expect(res.body.event).toMatchObject({
      id: expect.any(String),
      customerId: id,
      channel: 'email',
      topic: 'tips',
      action: 'grant',
      source: 'web-form',
      confirmed: false,
      evidence,
      actor: `key:${integrationId}`,
    });
    expect(res.body.state).toEqual([
      {
        channel: 'email',
        topic: 'tips',
        status: 'granted',
        since: res.body.event.occurredAt,
        lastEventId: res.body.event.id,
      },
    ]);
    const audit = await t.db.query(
      `SELECT type, customer_id, channel, actor, data FROM audit_events WHERE type LIKE 'consent.%'`,
    );
    expect(audit).toEqual([
      {
        type: 'consent.granted',
        customer_id: id,
        channel: 'email',
        actor: `key:${integrationId}`,
        data: expect.objectContaining({
          topic: 'tips',
          source: 'web-form',
          status: 'granted',
          consentEventId: res.body.event.id,
          wordingVersion: 'tips-2026-01',
        }),
      },
    ]);
  });

  it('confirms a pending grant (double opt-in done elsewhere), keeping the grant in the ledger', async () => {
    const res = await post(id, {
      channel: 'email',
      topic: 'tips',
      action: 'confirm',
      source: 'crm-confirmation',
      evidence: { ip: '198.51.100.1', userAgent: 'Mail client' },
    });
    expect(res.status).toBe(201);
    expect(res.body.state).toEqual([
      expect.objectContaining({
        topic: 'tips',
        status: 'confirmed',
        lastEventId: res.body.event.id,
      }),
    ]);
    const types = await t.db.query(
      `SELECT type FROM audit_events WHERE type LIKE 'consent.%' ORDER BY id`,
    );
    expect(types.map((r: { type: string }) => r.type)).toEqual([
      'consent.granted',
      'consent.confirmed',
    ]);
  });

  it('withdraws at once; repeating the withdrawal is harmless and keeps the first time', async () => {
    const first = await post(id, {
      channel: 'email',
      topic: 'tips',
      action: 'withdraw',
      source: 'api',
    });
    expect(first.status).toBe(201);
    const since = first.body.state[0].since;
    expect(first.body.state).toEqual([expect.objectContaining({ status: 'withdrawn', since })]);
    const again = await post(id, {
      channel: 'email',
      topic: 'tips',
      action: 'withdraw',
      source: 'api',
    });
    expect(again.status).toBe(201);
    expect(again.body.state).toEqual([expect.objectContaining({ status: 'withdrawn', since })]);
    const [audit] = await t.db.query(
      `SELECT data FROM audit_events WHERE type = 'consent.withdrawn' ORDER BY id LIMIT 1`,
    );
    // Promise 5 hook: nothing to cancel until deliveries exist.
    expect(audit.data).toMatchObject({ topic: 'tips', cancelledDeliveries: 0 });
  });

  it('refuses to confirm what is withdrawn or was never granted', async () => {
    const before = await ledgerCount();
    const res = await post(id, {
      channel: 'email',
      topic: 'tips',
      action: 'confirm',
      source: 'api',
    });
    expect(res.status).toBe(400);
    expect(res.body.message.join()).toMatch(/confirm needs a granted consent/);
    const never = await post(id, {
      channel: 'sms',
      topic: 'tips',
      action: 'confirm',
      source: 'api',
    });
    expect(never.status).toBe(400);
    expect(await ledgerCount()).toBe(before);
  });

  it("grants with confirmed:true straight to confirmed, and keeps '*' as its own scope", async () => {
    const c = await newCustomer('crm-star');
    const star = await post(c, { ...grant, topic: '*', channel: 'sms', confirmed: true });
    expect(star.status).toBe(201);
    expect(star.body.state).toEqual([
      expect.objectContaining({ channel: 'sms', topic: '*', status: 'confirmed' }),
    ]);
    await post(c, { ...grant, channel: 'sms', topic: 'offers' });
    // An unconfirmed grant never downgrades a confirmed consent.
    const re = await post(c, { ...grant, channel: 'sms', topic: '*' });
    expect(re.status).toBe(201);
    const res = await post(c, {
      channel: 'sms',
      topic: '*',
      action: 'withdraw',
      source: 'crm',
    });
    expect(res.body.state).toEqual([
      expect.objectContaining({ channel: 'sms', topic: '*', status: 'withdrawn' }),
      expect.objectContaining({ channel: 'sms', topic: 'offers', status: 'granted' }),
    ]);
    const got = await t.as(auditor).get(`/v1/customers/${c}/consents`);
    expect(got.status).toBe(200);
    expect(
      got.body.ledger.map((e: { topic: string; action: string }) => `${e.action}:${e.topic}`),
    ).toEqual(['grant:*', 'grant:offers', 'grant:*', 'withdraw:*']);
    expect(got.body.state).toEqual(res.body.state);
  });

  it("a topic granted again after a newer '*' withdrawal wins again (its since restarts)", async () => {
    const c = await newCustomer('crm-restart');
    await post(c, { ...grant, topic: 'tips', confirmed: true });
    await post(c, { channel: 'email', topic: '*', action: 'withdraw', source: 'crm' });
    const service = t.app.get(ConsentService);
    const entries = async () => (await service.stateFor([c])).get(c) ?? [];
    expect(marketingConsentProblem({ entries: await entries() }, 'email', 'tips')).toBe(
      'consent_withdrawn',
    );
    const re = await post(c, { ...grant, topic: 'tips' });
    expect(re.status).toBe(201);
    expect(re.body.state).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: 'email', topic: 'tips', status: 'confirmed' }),
      ]),
    );
    expect(
      marketingConsentProblem(
        { entries: await entries(), doubleOptIn: { email: true } },
        'email',
        'tips',
      ),
    ).toBeNull();
    // Other topics stay covered by the '*' withdrawal.
    expect(marketingConsentProblem({ entries: await entries() }, 'email', 'offers')).toBe(
      'consent_withdrawn',
    );
  });

  it('derives the state for many customers in one call (engine shape)', async () => {
    const service = t.app.get(ConsentService);
    const other = await newCustomer('crm-batch');
    const unknown = '00000000-0000-4000-8000-000000000000';
    const map = await service.stateFor([id, other, unknown]);
    expect(map.get(id)).toEqual([
      { channel: 'email', topic: 'tips', status: 'withdrawn', since: expect.any(Date) },
    ]);
    expect(map.get(other)).toEqual([]);
    expect(map.get(unknown)).toEqual([]);
  });

  it.each([
    [{ ...grant, evidence: { ...evidence, wording: undefined } }, /evidence\.wording is required/],
    [
      { ...grant, evidence: { ...evidence, wordingVersion: undefined } },
      /evidence\.wordingVersion is required/,
    ],
    [{ ...grant, evidence: undefined }, /evidence\.wording is required/],
    [{ ...grant, topic: 'unknown-topic' }, /topic unknown-topic is not a known topic/],
    [{ ...grant, topic: 'Bad Topic' }, /topic must be/],
    [{ ...grant, channel: 'fax' }, /channel must be one of/],
    [{ ...grant, action: 'maybe' }, /action must be one of/],
    [{ ...grant, source: '' }, /source must be/],
    [{ ...grant, evidence: { ...evidence, ip: 'not-an-ip' } }, /evidence\.ip must be/],
    [
      { ...grant, evidence: { ...evidence, extra: 1 } },
      /property evidence\.extra should not exist/,
    ],
    [{ ...grant, action: 'withdraw', confirmed: true }, /confirmed applies to action grant only/],
  ])('refuses bad payload %# with 400 naming the field, writing nothing', async (body, message) => {
    const before = await ledgerCount();
    const res = await post(id, body);
    expect(res.status).toBe(400);
    expect(res.body.message.join('\n')).toMatch(message);
    expect(await ledgerCount()).toBe(before);
  });

  it('allows a withdrawal without evidence, and from an archived topic', async () => {
    await t.admin
      .post('/v1/topics')
      .send({ key: 'gone', category: 'content', title: { en: 'Gone' } });
    const c = await newCustomer('crm-archived');
    expect((await post(c, { ...grant, topic: 'gone' })).status).toBe(201);
    expect((await t.admin.delete('/v1/topics/gone')).status).toBe(204);
    const regrant = await post(c, { ...grant, topic: 'gone' });
    expect(regrant.status).toBe(400);
    expect(regrant.body.message.join()).toMatch(/topic gone is archived/);
    const res = await post(c, {
      channel: 'email',
      topic: 'gone',
      action: 'withdraw',
      source: 'api',
    });
    expect(res.status).toBe(201);
  });

  it('stores HTML in the wording verbatim (escaping is the page’s job)', async () => {
    const wording = '<b>Да</b>, присылайте <script>alert("x")</script> & «советы»';
    const res = await post(id, { ...grant, evidence: { ...evidence, wording } });
    expect(res.status).toBe(201);
    const [row] = await t.db.query(
      `SELECT (SELECT w.wording FROM consent_wordings w WHERE w.hash = consent_events.wording_hash) AS wording FROM consent_events WHERE id = $1`,
      [res.body.event.id],
    );
    expect(row.wording).toBe(wording);
  });

  it('answers 404 for an unknown customer and 400 for a malformed id', async () => {
    const res = await post('00000000-0000-4000-8000-000000000000', grant);
    expect(res.status).toBe(404);
    expect(
      (await t.admin.get('/v1/customers/00000000-0000-4000-8000-000000000000/consents')).status,
    ).toBe(404);
    expect((await post('not-a-uuid', grant)).status).toBe(400);
  });

  it('lets marketers and auditors only read (403 on write)', async () => {
    expect((await post(id, { ...grant, channel: 'sms' }, integration)).status).toBe(201);
    const before = await ledgerCount();
    expect((await post(id, grant, marketer)).status).toBe(403);
    expect((await post(id, grant, auditor)).status).toBe(403);
    expect(await ledgerCount()).toBe(before);
    const read = await t.as(auditor).get(`/v1/customers/${id}/consents`);
    expect(read.status).toBe(200);
    expect(read.body.ledger.length).toBeGreaterThan(3);
    // The ledger keeps the wording's sha256; the text itself lives in consent_wordings.
    expect(read.body.ledger[0].evidence).toEqual({
      ...evidence,
      wordingHash: createHash('sha256').update(evidence.wording, 'utf8').digest('hex'),
    });
  });

  it('serialises concurrent changes of one customer: the state matches the last ledger event', async () => {
    const c = await newCustomer('crm-race');
    const bodies = Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0
        ? { ...grant, topic: 'offers' }
        : { channel: 'email', topic: 'offers', action: 'withdraw', source: 'api' },
    );
    const results = await Promise.all(bodies.map((b) => post(c, b)));
    expect(results.map((r) => r.status)).toEqual(bodies.map(() => 201));
    const [last] = await t.db.query(
      'SELECT id, action FROM consent_events WHERE customer_id = $1 ORDER BY id DESC LIMIT 1',
      [c],
    );
    const [state] = await t.db.query(
      'SELECT status, last_event_id FROM consent_state WHERE customer_id = $1',
      [c],
    );
    expect(state.last_event_id).toBe(last.id);
    expect(state.status).toBe(last.action === 'grant' ? 'granted' : 'withdrawn');
    const audits = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE customer_id = $1 AND type LIKE 'consent.%'`,
      [c],
    );
    expect(audits[0].n).toBe(12);
  });

  it('records in-process inside the caller’s transaction: a rollback leaves no trace', async () => {
    const service = t.app.get(ConsentService);
    const c = await newCustomer('crm-inprocess');
    await expect(
      t.db.transaction(async (m) => {
        const done = await service.record(
          {
            customerId: c,
            channel: 'email',
            topic: 'tips',
            action: 'grant',
            source: 'preference-page',
            evidence: { wording: 'Да', wordingVersion: 'v1' },
            actor: 'customer',
          },
          m,
        );
        expect(done.state).toEqual([expect.objectContaining({ status: 'granted' })]);
        throw new Error('caller rolls back');
      }),
    ).rejects.toThrow('caller rolls back');
    const ledger = await t.db.query('SELECT 1 FROM consent_events WHERE customer_id = $1', [c]);
    const audit = await t.db.query(
      `SELECT 1 FROM audit_events WHERE customer_id = $1 AND type LIKE 'consent.%'`,
      [c],
    );
    expect([ledger, audit]).toEqual([[], []]);
    const done = await service.withdraw({
      customerId: c,
      channel: 'email',
      topic: '*',
      source: 'sms-keyword',
      actor: 'sms:SM123',
    });
    expect(done).toMatchObject({
      event: { action: 'withdraw', actor: 'sms:SM123' },
      cancelledDeliveries: 0,
    });
  });

  it('a withdrawal cancels the planned deliveries of its scope in the same transaction (promise 5)', async () => {
    const c = await newCustomer('crm-pending');
    const campaignId = await aCampaign(t.db, {
      name: 'c',
      templateName: 't',
      channels: ['email', 'sms'],
    });
    const plan = async (step: number, channel: Channel, topic: string, status: string) => ({
      id: await aDelivery(t.db, {
        campaignId,
        step,
        customerId: c,
        channel,
        topic,
        templateName: 't',
        status,
      }),
    });
    const [emailTips, emailOffers, smsTips, sentTips] = await Promise.all([
      plan(0, 'email', 'tips', 'planned'),
      plan(1, 'email', 'offers', 'planned'),
      plan(2, 'sms', 'tips', 'planned'),
      plan(3, 'email', 'tips', 'sent'),
    ]);
    const statuses = async () =>
      Object.fromEntries(
        (await t.db.query('SELECT id, status FROM deliveries WHERE customer_id = $1', [c])).map(
          (r: { id: string; status: string }) => [r.id, r.status],
        ),
      );

    const res = await post(c, {
      channel: 'email',
      topic: 'tips',
      action: 'withdraw',
      source: 'api',
    });
    expect(res.status).toBe(201);
    expect(await statuses()).toEqual({
      [emailTips.id]: 'cancelled',
      [emailOffers.id]: 'planned',
      [smsTips.id]: 'planned',
      [sentTips.id]: 'sent',
    });
    const audit = await t.db.query(
      `SELECT delivery_id, reason, actor FROM audit_events WHERE type = 'delivery.cancelled' AND customer_id = $1`,
      [c],
    );
    expect(audit).toEqual([
      { delivery_id: emailTips.id, reason: 'consent_withdrawn', actor: `key:${integrationId}` },
    ]);

    // '*' opts out of the whole channel; a rolled-back withdrawal cancels nothing.
    const service = t.app.get(ConsentService);
    await expect(
      t.db.transaction(async (m) => {
        await service.withdraw(
          { customerId: c, channel: 'email', topic: '*', source: 'api', actor: 'system' },
          m,
        );
        throw new Error('caller rolls back');
      }),
    ).rejects.toThrow('caller rolls back');
    expect((await statuses())[emailOffers.id]).toBe('planned');
    const scope = {
      customerId: c,
      channel: 'email',
      topic: '*',
      reason: 'consent_withdrawn' as const,
    };
    expect(await t.db.transaction((m) => cancelPlanned(m, scope, 'system', new Date()))).toBe(1);
    expect((await statuses())[emailOffers.id]).toBe('cancelled');
  });

  it('a withdrawal waits for a planner batch in flight and cancels what it planned', async () => {
    const c = await newCustomer('crm-planner-race');
    await post(c, { ...grant, topic: 'tips', confirmed: true });
    const campaignId = await insertRunningCampaign(t.db);
    // The batch has decided on consent still granted and is about to write.
    const batch = await plannerBatchInFlight(t.db, c, campaignId);
    const withdrawal = Promise.resolve(
      post(c, { channel: 'email', topic: 'tips', action: 'withdraw', source: 'api' }),
    );
    expect(await stillWaiting(withdrawal)).toBe(true);
    await batch.plan();
    expect((await withdrawal).status).toBe(201);
    expect(await t.db.query('SELECT status FROM deliveries WHERE customer_id = $1', [c])).toEqual([
      { status: 'cancelled' },
    ]);
  });

  it('is listed in the OpenAPI document', async () => {
    const res = await t.http.get('/docs/openapi.json');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/customers/{id}/consents',
        '/v1/topics',
        '/v1/topics/{key}',
        '/v1/suppressions',
        '/v1/suppressions/check',
        '/v1/suppressions/{id}',
      ]),
    );
  });

  it('keeps the ledger append-only in the database itself', async () => {
    await expect(t.db.query(`UPDATE consent_events SET source = 'forged'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(t.db.query(`UPDATE consent_events SET ip = NULL`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`DELETE FROM consent_events`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`TRUNCATE consent_events CASCADE`)).rejects.toThrow(/append-only/);
    // Even with the erasure setting on, only ip/user_agent may be blanked, nothing else.
    await expect(
      t.db.transaction(async (m) => {
        await m.query(`SET LOCAL tactful.erasure = 'on'`);
        await m.query(`UPDATE consent_events SET ip = NULL, user_agent = NULL, wording = 'forged'`);
      }),
    ).rejects.toThrow(/append-only/);
    await expect(
      t.db.transaction(async (m) => {
        await m.query(`SET LOCAL tactful.erasure = 'on'`);
        await m.query(`DELETE FROM consent_events`);
      }),
    ).rejects.toThrow(/append-only/);
  });

  it('erasure blanks ip and user agent in the ledger but keeps its rows; then answers 410', async () => {
    const c = await newCustomer('crm-erase-consent');
    await post(c, grant);
    await post(c, {
      channel: 'email',
      topic: 'tips',
      action: 'withdraw',
      source: 'crm',
      evidence,
    });
    expect((await t.admin.delete(`/v1/customers/${c}`)).status).toBe(204);
    const rows = await t.db.query(
      `SELECT action, ip, user_agent, (SELECT w.wording FROM consent_wordings w WHERE w.hash = consent_events.wording_hash) AS wording, wording_version FROM consent_events WHERE customer_id = $1 ORDER BY id`,
      [c],
    );
    expect(rows).toEqual([
      {
        action: 'grant',
        ip: null,
        user_agent: null,
        wording: evidence.wording,
        wording_version: 'tips-2026-01',
      },
      {
        action: 'withdraw',
        ip: null,
        user_agent: null,
        wording: evidence.wording,
        wording_version: 'tips-2026-01',
      },
    ]);
    // Other customers' evidence is untouched.
    const [mine] = await t.db.query(
      `SELECT ip FROM consent_events WHERE customer_id = $1 AND ip IS NOT NULL LIMIT 1`,
      [id],
    );
    expect(mine.ip).toBe('203.0.113.7');
    const after = await post(c, grant);
    expect(after.status).toBe(410);
    const read = await t.as(auditor).get(`/v1/customers/${c}/consents`);
    expect(read.status).toBe(200);
    expect(read.body.ledger).toHaveLength(2);
  });
});

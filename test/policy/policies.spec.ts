import { DEFAULT_POLICIES } from '../../src/policy/engine';
import { createTestApp, TestApp } from '../support/test-app';

describe('GET/PUT /v1/policies/:kind', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const stored = async () =>
    (await t.db.query('SELECT kind, version FROM contact_policies ORDER BY version')) as unknown[];

  it('serves the built-in defaults as version 1 before anyone edits them', async () => {
    const res = await t.admin.get('/v1/policies/consumer');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...DEFAULT_POLICIES.consumer, version: 1, createdBy: null });
    expect(res.body.budgets.promotional).toEqual([{ max: 1, windowDays: 180 }]);
    expect(res.body.channels).not.toContain('voice');
    const business = await t.admin.get('/v1/policies/business');
    expect(business.body.voice.budgets).toEqual([{ max: 1, windowDays: 90 }]);
  });

  it('saves each change as a new version, keeps the old ones, and audits before and after', async () => {
    const marketer = await t.keyFor('marketer');
    const res = await t.admin.put('/v1/policies/consumer').send({
      budgets: {
        ...DEFAULT_POLICIES.consumer.budgets,
        promotional: [{ max: 1, windowDays: 365 }],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(2);
    expect(res.body.budgets.promotional).toEqual([{ max: 1, windowDays: 365 }]);
    // Fields left out keep their values.
    expect(res.body.quietHours).toEqual(DEFAULT_POLICIES.consumer.quietHours);

    const again = await t.admin
      .put('/v1/policies/consumer')
      .send({ quietHours: { start: '21:00', end: '10:00' } });
    expect(again.body.version).toBe(3);
    expect(again.body.budgets.promotional).toEqual([{ max: 1, windowDays: 365 }]);

    const current = await t.as(marketer).get('/v1/policies/consumer');
    expect(current.body.version).toBe(3);
    const versions = await t.as(marketer).get('/v1/policies/consumer/versions');
    expect(versions.body.items.map((p: { version: number }) => p.version)).toEqual([3, 2, 1]);

    const [admin] = await t.db.query(`SELECT id FROM api_keys WHERE role = 'admin'`);
    const audit = await t.db.query(
      `SELECT actor, policy_version, data FROM audit_events WHERE type = 'admin.policy_changed' ORDER BY id`,
    );
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ actor: `key:${admin.id}`, policy_version: 2 });
    expect(audit[0].data.before.budgets.promotional).toEqual([{ max: 1, windowDays: 180 }]);
    expect(audit[0].data.after.budgets.promotional).toEqual([{ max: 1, windowDays: 365 }]);
  });

  it.each([
    [
      { budgets: { ...DEFAULT_POLICIES.business.budgets, all: [{ max: 2, windowDays: -7 }] } },
      /budgets\.all\[0\]\.windowDays/,
    ],
    [
      { budgets: { ...DEFAULT_POLICIES.business.budgets, content: [{ max: -1, windowDays: 7 }] } },
      /budgets\.content\[0\]\.max/,
    ],
    [{ quietHours: { start: '00:00', end: '24:00' } }, /quietHours/],
    [{ quietHours: { start: '25:00', end: '09:00' } }, /quietHours\.start/],
    [
      { businessHours: { days: [1, 2], start: '18:00', end: '10:00' } },
      /businessHours\.start must be before/,
    ],
    [{ frequency: 'weekly' }, /property frequency should not exist/],
    [{ kind: 'consumer' }, /kind must be business/],
  ])('rejects %j naming the field and stores nothing', async (body, message) => {
    const before = await stored();
    const res = await t.admin.put('/v1/policies/business').send(body);
    expect(res.status).toBe(400);
    expect(res.body.message.join('\n')).toMatch(message);
    expect(await stored()).toEqual(before);
  });

  it('refuses voice for consumers', async () => {
    const res = await t.admin.put('/v1/policies/consumer').send({ channels: ['email', 'voice'] });
    expect(res.status).toBe(400);
    expect(res.body.message.join('\n')).toMatch(/voice/);
  });

  it('answers 400 for an unknown kind and 403 when a marketer tries to edit', async () => {
    expect((await t.admin.get('/v1/policies/robots')).status).toBe(400);
    const marketer = await t.keyFor('marketer');
    const res = await t.as(marketer).put('/v1/policies/consumer').send({ lapseDays: 200 });
    expect(res.status).toBe(403);
  });
});

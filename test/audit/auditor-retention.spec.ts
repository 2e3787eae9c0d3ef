import { ManualClock } from '../support/clock';
import { AuditContentWriter, contentHash } from '../../src/audit-log/audit-content';
import { AuditContentService } from '../../src/audit/audit-content.service';
import { AuditMaintenanceService } from '../../src/audit/audit-maintenance.service';
import { AuditSealerService } from '../../src/audit/audit-sealer.service';
import { createTestApp, createTopics, TestApp } from '../support/test-app';
import { createCampaign, createCustomer, createDelivery, record } from './fixtures';

const DAY = 86_400_000;

describe('role auditor and content retention', () => {
  let t: TestApp;
  let auditor: string;
  let customer: string;
  let campaign: string;
  const clock = new ManualClock(new Date('2026-11-23T10:00:00Z'));

  beforeAll(async () => {
    t = await createTestApp({ clock, env: { TACTFUL_ROLES: 'api' } });
    auditor = await t.keyFor('auditor');
    await createTopics(t);
    customer = await createCustomer(t, { externalId: 'r-1' });
    campaign = await createCampaign(t, { name: 'C', topic: 'tips' });
  });
  afterAll(() => t.close());

  it('reads every audit route', async () => {
    const delivery = await createDelivery(t, {
      campaignId: campaign,
      customerId: customer,
      topic: 'tips',
    });
    await record(t, {
      type: 'delivery.sent',
      customerId: customer,
      deliveryId: delivery,
      actor: 'system',
    });
    for (const path of [
      '/v1/audit',
      '/v1/audit/export?format=csv',
      '/v1/audit/export?format=ndjson',
      '/v1/audit/verify',
      `/v1/customers/${customer}/timeline`,
      `/v1/customers/${customer}/evidence`,
      `/v1/customers/${customer}/evidence?format=html`,
      `/v1/campaigns/${campaign}/report`,
      `/v1/customers/${customer}/consents`,
    ]) {
      const res = await t.as(auditor).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
    // Reading seals nothing (an auditor changes nothing); the scheduler's tick does.
    const verify = await t.as(auditor).get('/v1/audit/verify');
    expect(verify.body).toMatchObject({ ok: true, seals: 0 });
    expect(verify.body.unsealedRows).toBeGreaterThan(0);
    expect(await t.db.query(`SELECT * FROM audit_seals`)).toEqual([]);
  });

  it('changes nothing: every write route answers 403 and leaves the database as it was', async () => {
    const count = async () =>
      (
        await t.db.query(
          `SELECT (SELECT count(*) FROM audit_events)::int AS audit, (SELECT count(*) FROM customers)::int AS customers,
                  (SELECT count(*) FROM consent_events)::int AS consents, (SELECT count(*) FROM topics)::int AS topics,
                  (SELECT count(*) FROM api_keys)::int AS keys, (SELECT count(*) FROM campaigns)::int AS campaigns`,
        )
      )[0];
    const before = await count();
    const as = t.as(auditor);
    const writes = [
      as.post('/v1/customers').send({ externalId: 'x', kind: 'consumer' }),
      as.patch(`/v1/customers/${customer}`).send({ name: 'X' }),
      as.delete(`/v1/customers/${customer}`),
      as.post('/v1/customers/import').set('Content-Type', 'application/x-ndjson').send('{}'),
      as
        .post(`/v1/customers/${customer}/consents`)
        .send({ channel: 'email', topic: 'tips', action: 'withdraw', source: 'api' }),
      as.post('/v1/events').send({ type: 'purchase', customerId: customer }),
      as.post('/v1/topics').send({ key: 'x1', category: 'content' }),
      as.put('/v1/policies/consumer').send({}),
      as.post('/v1/api-keys').send({ role: 'admin', name: 'escalate' }),
      as.delete('/v1/api-keys/7d444840-9dc0-11d1-b245-5ffdce74fad2'),
      as.post('/v1/suppressions').send({}),
      as.post('/v1/campaigns').send({}),
      as.patch(`/v1/campaigns/${campaign}`).send({}),
      as.post(`/v1/campaigns/${campaign}/launch`),
      as.post(`/v1/campaigns/${campaign}/pause`),
      as.post(`/v1/campaigns/${campaign}/cancel`),
      as.post('/v1/templates').send({}),
    ];
    // Requests run one by one, when awaited; each is labelled by its position.
    for (const [n, w] of writes.entries()) {
      const res = await w;
      expect({ n, status: res.status }).toEqual({ n, status: 403 });
    }
    expect(await count()).toEqual(before);
  });

  it('keeps rendered content for the retention period, then only its hash; the chain still holds', async () => {
    const content = t.app.get(AuditContentService);
    const writer = t.app.get(AuditContentWriter);
    const d1 = await createDelivery(t, {
      campaignId: campaign,
      customerId: customer,
      topic: 'tips',
      step: 1,
    });
    const rendered = {
      channel: 'email',
      subject: 'Советы',
      html: '<p>Анна, …</p>',
      text: 'Анна, …',
    };
    const hash = await writer.store({ id: d1, customerId: customer }, rendered);
    expect(hash).toBe(
      contentHash({ text: 'Анна, …', subject: 'Советы', html: '<p>Анна, …</p>', channel: 'email' }),
    );
    await record(t, {
      type: 'delivery.sent',
      customerId: customer,
      deliveryId: d1,
      actor: 'system',
      data: { contentHash: hash },
    });
    await t.app.get(AuditSealerService).sealNow();

    expect(t.settings.auditContentRetentionDays).toBe(90);
    clock.current = new Date(clock.current.getTime() + 89 * DAY);
    expect(await content.purge()).toBe(0);
    expect((await content.get(d1))?.content).toEqual(rendered);
    const evidence = await t.as(auditor).get(`/v1/customers/${customer}/evidence`);
    expect(
      evidence.body.messages.find((m: { deliveryId: string }) => m.deliveryId === d1)
        .contentRetained,
    ).toBe(true);

    clock.current = new Date(clock.current.getTime() + 2 * DAY);
    await t.app.get(AuditMaintenanceService).housekeeping();
    const after = await content.get(d1);
    expect(after).toMatchObject({ content: null, contentHash: hash, purgedAt: clock.current });
    expect((await t.as(auditor).get('/v1/audit/verify')).body.ok).toBe(true);
  });

  it('drops the content of an erased customer at once', async () => {
    const other = await createCustomer(t, { externalId: 'r-2' });
    const d = await createDelivery(t, { campaignId: campaign, customerId: other, topic: 'tips' });
    const content = t.app.get(AuditContentService);
    const writer = t.app.get(AuditContentWriter);
    await writer.store({ id: d, customerId: other }, { channel: 'sms', body: 'Привет' });
    expect((await t.admin.delete(`/v1/customers/${other}`)).status).toBe(204);
    // Erasure blanks it in its own transaction…
    expect((await content.get(d))?.content).toBeNull();
    // …and the purge tick is the safety net for content that arrives for an erased customer.
    await writer.store({ id: d, customerId: other }, { channel: 'sms', body: 'Привет' });
    expect(await content.purge()).toBe(1);
    expect((await content.get(d))?.content).toBeNull();
  });

  it('creates partitions ahead on the housekeeping tick', async () => {
    await t.app.get(AuditMaintenanceService).ensurePartitions(new Date('2031-02-10T00:00:00Z'), 2);
    const rows: { name: string }[] = await t.db.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'audit_events'::regclass AND c.relname LIKE 'audit_events_y2031%' ORDER BY 1`,
    );
    expect(rows.map((r) => r.name)).toEqual([
      'audit_events_y2031m02',
      'audit_events_y2031m03',
      'audit_events_y2031m04',
    ]);
  });
});

import { ConsentService } from '../../src/consent';
import { FLOW_SOURCE_LIST } from '../../src/consent/consent-sources';
import { createTestApp, createTopics, type TestApp } from '../support/test-app';

type Role = 'admin' | 'integration' | 'marketer' | 'auditor';
const ROLES: Role[] = ['admin', 'integration', 'marketer', 'auditor'];

/** Who may record consent through the API, and which sources a key may claim. */
describe('consent API: roles and reserved sources', () => {
  let t: TestApp;
  const keys = {} as Record<Role, string>;
  let customer: string;

  const evidence = {
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0',
    wording: 'Да, присылайте мне полезные советы',
    wordingVersion: 'tips-2026-01',
  };
  const grant = { channel: 'email', topic: 'tips', action: 'grant', source: 'web-form', evidence };
  const ledger = async () =>
    (await t.db.query(`SELECT count(*)::int AS n FROM consent_events`))[0].n as number;
  const audits = async () =>
    (await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE type LIKE 'consent.%'`))[0]
      .n as number;

  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    for (const role of ROLES) keys[role] = role === 'admin' ? '' : await t.keyFor(role);
    keys.admin = 'test-admin-key-0123456789abcdef';
    await createTopics(t);
    const res = await t.admin
      .post('/v1/customers')
      .send({ externalId: 'roles-consent', kind: 'consumer', email: 'rc@example.ru' });
    customer = res.body.id;
  });
  afterAll(() => t.close());

  const table: { route: string; role: Role; status: number }[] = [
    { route: 'POST', role: 'admin', status: 201 },
    { route: 'POST', role: 'integration', status: 201 },
    { route: 'POST', role: 'marketer', status: 403 },
    { route: 'POST', role: 'auditor', status: 403 },
    { route: 'GET', role: 'admin', status: 200 },
    { route: 'GET', role: 'integration', status: 200 },
    { route: 'GET', role: 'marketer', status: 200 },
    { route: 'GET', role: 'auditor', status: 200 },
  ];

  it.each(table)('$route /v1/customers/:id/consents as $role → $status', async (row) => {
    const before = await ledger();
    const as = t.as(keys[row.role]);
    const res =
      row.route === 'POST'
        ? await as.post(`/v1/customers/${customer}/consents`).send({ ...grant, confirmed: true })
        : await as.get(`/v1/customers/${customer}/consents`);
    expect(res.status).toBe(row.status);
    expect(await ledger()).toBe(before + (row.route === 'POST' && row.status === 201 ? 1 : 0));
  });

  it('refuses a marketer every consent action, with nothing written', async () => {
    const before = [await ledger(), await audits()];
    for (const body of [
      { ...grant, confirmed: true, source: 'double-opt-in' },
      { ...grant, confirmed: true },
      { channel: 'email', topic: 'tips', action: 'confirm', source: 'web-form', evidence },
      { channel: 'email', topic: '*', action: 'withdraw', source: 'api' },
    ]) {
      const res = await t.as(keys.marketer).post(`/v1/customers/${customer}/consents`).send(body);
      expect({ body, status: res.status }).toEqual({ body, status: 403 });
    }
    expect([await ledger(), await audits()]).toEqual(before);
  });

  // The flows' sources as the flows write them, and look-alikes of them.
  const forged = [
    'double-opt-in',
    'preference-page',
    'sms-keyword',
    'one-click',
    'mailto-unsubscribe',
    'provider-optout',
    'complaint',
    'unsubscribe-undo',
    'double_opt_in',
    'doubleoptin',
    'one-click-v2',
    'preference_page',
  ];

  it('the reserved list is the one the flows use', () => {
    for (const s of FLOW_SOURCE_LIST) expect(forged).toContain(s);
  });

  it.each(
    forged.flatMap((source) =>
      (['admin', 'integration'] as const).flatMap((role) =>
        ['grant', 'confirm', 'withdraw'].map((action) => ({ source, role, action })),
      ),
    ),
  )('refuses source $source from $role ($action): 400 naming source', async (c) => {
    const before = [await ledger(), await audits()];
    const body =
      c.action === 'grant'
        ? { ...grant, source: c.source, confirmed: true }
        : { channel: 'email', topic: 'tips', action: c.action, source: c.source, evidence };
    const res = await t.as(keys[c.role]).post(`/v1/customers/${customer}/consents`).send(body);
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual([expect.stringMatching(/^source must not claim/)]);
    expect([await ledger(), await audits()]).toEqual(before);
  });

  it('refuses malformed sources (NUL byte, upper case, huge) with 400 naming source', async () => {
    for (const source of ['web\u0000form', 'Double-Opt-In', 'x'.repeat(100_000), '', 42, null]) {
      const res = await t
        .as(keys.integration)
        .post(`/v1/customers/${customer}/consents`)
        .send({ ...grant, source });
      expect(res.status).toBe(400);
      expect(res.body.message.join(' ')).toMatch(/source/);
    }
  });

  it('accepts the company-side sources, confirmed elsewhere included, with the key as actor', async () => {
    for (const source of ['web-form', 'api', 'import', 'checkout', 'crm-double-opt-in']) {
      const res = await t
        .as(keys.integration)
        .post(`/v1/customers/${customer}/consents`)
        .send({ ...grant, source, confirmed: true });
      expect({ source, status: res.status }).toEqual({ source, status: 201 });
      expect(res.body.event.actor).toMatch(/^key:/);
    }
  });

  it('in-process flows still write their sources; a key actor in-process cannot', async () => {
    const service = t.app.get(ConsentService);
    const done = await service.withdraw({
      customerId: customer,
      channel: 'email',
      topic: 'tips',
      source: 'one-click',
      actor: 'customer',
    });
    expect(done.event.source).toBe('one-click');
    await expect(
      service.withdraw({
        customerId: customer,
        channel: 'email',
        topic: 'tips',
        source: 'one-click',
        actor: 'key:00000000-0000-4000-8000-000000000000',
      }),
    ).rejects.toMatchObject({
      kind: 'invalid',
      messages: [expect.stringMatching(/^source must not/)],
    });
  });
});

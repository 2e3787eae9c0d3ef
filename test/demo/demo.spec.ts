import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoSummary, formatSummary } from '../../src/demo/demo-summary';
import { demoCampaignNames, loadDemo, runDemo } from '../../src/demo/sample-company';
import { DEMO_CUSTOMERS } from '../../src/demo/sample-data';
import { createTestApp, type TestApp } from '../support/test-app';

describe('npm run demo: the sample company', () => {
  let t: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tactful-demo-'));
    // Worker and scheduler timers off: the demo ticks the planner and the sender itself.
    t = await createTestApp({ env: { TACTFUL_DATA_DIR: dataDir, TACTFUL_ROLES: 'api' } });
  });
  afterAll(() => t?.close());

  const count = async (sql: string, params: unknown[] = []): Promise<number> => {
    const [{ n }]: { n: number }[] = await t.db.query(sql, params);
    return n;
  };

  it('loads customers, consents with evidence and campaigns, and sends and skips with reasons', async () => {
    const load = await loadDemo(t.app);
    expect(load.alreadyLoaded).toBe(false);
    expect(load.launchErrors).toEqual([]);
    const run = await runDemo(t.app, { waitUntil: load.waitUntil });
    expect(run.sent).toBeGreaterThan(0);

    // Customers: Russian and English, consumers and business contacts with account managers.
    const customers: {
      kind: string;
      locale: string;
      company: string | null;
      account_manager_phone: string | null;
    }[] = await t.db.query(
      `SELECT kind, locale, company, account_manager_phone FROM customers WHERE external_id LIKE 'demo-%'`,
    );
    expect(customers).toHaveLength(DEMO_CUSTOMERS.length);
    expect(new Set(customers.map((c) => c.locale))).toEqual(new Set(['ru', 'en']));
    const business = customers.filter((c) => c.kind === 'business');
    expect(business.length).toBeGreaterThan(0);
    for (const b of business) {
      expect(b.company).toBeTruthy();
      expect(b.account_manager_phone).toMatch(/^\+\d+$/);
    }
    expect(customers.some((c) => c.kind === 'consumer')).toBe(true);

    // Consents: every grant carries its wording, version, source, IP and user agent.
    const grants: {
      source: string;
      ip: string | null;
      user_agent: string | null;
      wording: string | null;
      wording_version: string | null;
    }[] = await t.db.query(
      `SELECT e.source, e.ip, e.user_agent, w.wording, e.wording_version FROM consent_events e
         LEFT JOIN consent_wordings w ON w.hash = e.wording_hash
         JOIN customers c ON c.id = e.customer_id
        WHERE c.external_id LIKE 'demo-%' AND e.action = 'grant'`,
    );
    expect(grants.length).toBeGreaterThan(10);
    for (const g of grants) {
      expect(g.source).toMatch(/^[a-z-]+$/);
      expect(g.ip).toBeTruthy();
      expect(g.user_agent).toBeTruthy();
      expect(g.wording).toBeTruthy();
      expect(g.wording_version).toBeTruthy();
    }
    const states: { status: string }[] = await t.db.query(
      `SELECT DISTINCT s.status FROM consent_state s JOIN customers c ON c.id = s.customer_id
        WHERE c.external_id LIKE 'demo-%'`,
    );
    expect(new Set(states.map((s) => s.status))).toEqual(
      new Set(['confirmed', 'granted', 'withdrawn']),
    );
    expect(
      await count(
        `SELECT count(*)::int AS n FROM customers c WHERE c.external_id LIKE 'demo-%'
            AND NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.customer_id = c.id)`,
      ),
    ).toBeGreaterThan(0);

    // Campaigns: the examples and the demo's own, all launched (none left as a draft).
    const names = demoCampaignNames(new Date());
    const campaigns: { name: string; status: string }[] = await t.db.query(
      `SELECT name, status FROM campaigns WHERE name = ANY($1::text[])`,
      [names],
    );
    expect(campaigns.map((c) => c.name).sort()).toEqual([...names].sort());
    for (const c of campaigns) expect(c.status).not.toBe('draft');

    // The outbox: e-mails with RFC 8058 one-click unsubscribe headers.
    const outbox = join(dataDir, 'outbox');
    const emls = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    expect(emls.length).toBeGreaterThan(0);
    for (const f of emls) {
      const headers = readFileSync(join(outbox, f), 'utf8').split('\r\n\r\n')[0];
      expect(headers).toMatch(/^List-Unsubscribe: *\r?\n? *<http:\/\/tactful\.test\/u\//m);
      expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    }

    // The audit: sends, and skips each with a reason (customers without consent among them).
    const decisions: { type: string; reason: string | null; n: number }[] = await t.db.query(
      `SELECT a.type, a.reason, count(*)::int AS n FROM audit_events a
         JOIN campaigns c ON c.id = a.campaign_id
        WHERE c.name = ANY($1::text[]) AND a.type IN ('decision.send', 'decision.skip')
        GROUP BY a.type, a.reason`,
      [names],
    );
    expect(decisions.some((d) => d.type === 'decision.send')).toBe(true);
    const skips = decisions.filter((d) => d.type === 'decision.skip');
    for (const s of skips) expect(s.reason).toBeTruthy();
    expect(skips.map((s) => s.reason)).toEqual(
      expect.arrayContaining(['no_consent', 'consent_unconfirmed', 'consent_withdrawn']),
    );
    expect(
      await count(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'delivery.sent'`),
    ).toBe(await count(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'`));

    // The summary reads the same back.
    const summary = await demoSummary(t.app);
    expect(summary.customers.total).toBe(DEMO_CUSTOMERS.length);
    expect(summary.outbox.eml).toBe(emls.length);
    expect(summary.skipsByReason.no_consent).toBeGreaterThan(0);
    const text = formatSummary(summary, { settings: t.settings, load, run, adminKeyHint: 'key' });
    expect(text).toContain(outbox);
    expect(text).toContain('no_consent');
  });

  it('runs a second time without duplicating customers, consents, events or campaigns', async () => {
    const totals = () =>
      Promise.all([
        count(`SELECT count(*)::int AS n FROM customers`),
        count(`SELECT count(*)::int AS n FROM consent_events`),
        count(`SELECT count(*)::int AS n FROM customer_events`),
        count(`SELECT count(*)::int AS n FROM campaigns`),
        count(`SELECT count(*)::int AS n FROM suppressions`),
        count(`SELECT count(*)::int AS n FROM deliveries`),
      ]);
    const before = await totals();
    const load = await loadDemo(t.app);
    expect(load.alreadyLoaded).toBe(true);
    expect(load.launched).toEqual([]);
    await runDemo(t.app);
    expect(await totals()).toEqual(before);
    const summary = await demoSummary(t.app);
    expect(summary.customers.total).toBe(DEMO_CUSTOMERS.length);
    expect(formatSummary(summary, { settings: t.settings, load, adminKeyHint: 'key' })).toContain(
      'already loaded',
    );
  });
});

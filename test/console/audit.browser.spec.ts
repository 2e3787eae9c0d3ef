import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { aCampaign, aCampaignStep } from '../support/builders';
import { freePort, launchBrowser } from '../support/browser';
import { ADMIN_KEY, createTestApp, createTopics, type TestApp } from '../support/test-app';

const SCREENSHOTS = join(__dirname, '..', '..', 'var', 'screenshots', 'console');

/**
 * The audit page in Chromium: compact rows at 1280 px, no page overflow at 390 px; at 390 px
 * also the campaigns table's status and progress, and the dashboard chart's labels.
 */
describe('the audit page in real headless Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  const ids: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp({ env: { PUBLIC_URL: base, TACTFUL_ROLES: 'api' } });
    await t.app.listen(port, '127.0.0.1');
    // 30 customers: each creation is an audit event naming its customer; one is then erased.
    for (let n = 0; n < 30; n++) {
      const res = await t.admin.post('/v1/customers').send({
        externalId: `audit-${n}`,
        kind: 'consumer',
        name: `Customer ${n}`,
        email: `audit-${n}@mail.example`,
      });
      expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 201 });
      ids.push(res.body.id as string);
    }
    const integration = await t.keyFor('integration');
    const erased = await t.http
      .delete(`/v1/customers/${ids[0]}`)
      .set('Authorization', `Bearer ${integration}`);
    expect(erased.status).toBe(204);
    await createTopics(t);
    const campaign = await aCampaign(t.db, {
      name: 'A campaign with a rather long name for a phone',
      status: 'running',
    });
    await aCampaignStep(t.db, {
      campaignId: campaign,
      step: 0,
      dueAt: new Date(),
      audienceSize: 27,
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const signedIn = async (viewport: { width: number; height: number }) => {
    const context: BrowserContext = await browser.newContext({ viewport, locale: 'en-GB' });
    await context.addCookies([{ name: 'tactful_console_lang', value: 'en', url: base }]);
    const page: Page = await context.newPage();
    await page.goto(`${base}/console/login`);
    await page.locator('#key').fill(ADMIN_KEY);
    await page.locator('#key').press('Enter');
    await page.waitForURL(`${base}/console`);
    const res = await page.goto(`${base}/console/audit`);
    expect(res?.status()).toBe(200);
    return { context, page };
  };

  it('at 1280 px: 25 compact rows fit about one screen; names link to customers', async () => {
    const viewport = { width: 1280, height: 900 };
    const { context, page } = await signedIn(viewport);
    const rows = page.locator('#audit-events tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(25);
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-1280.png'), fullPage: true });
    const box = await rows.nth(24).boundingBox();
    expect(box).not.toBeNull();
    expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(viewport.height * 1.3);
    // A customer as a name linking to their page, the id on hover.
    const link = page.locator(`#audit-events a[href="/console/customers/${ids[5]}"]`).first();
    expect(await link.textContent()).toBe('Customer 5');
    expect(await link.getAttribute('title')).toBe(ids[5]);
    // The erased customer is "erased", not a link; the data a key-value list, not JSON.
    expect(await page.locator(`#audit-events a[href="/console/customers/${ids[0]}"]`).count()).toBe(
      0,
    );
    expect(await page.locator(`#audit-events .erased[title="${ids[0]}"]`).count()).toBeGreaterThan(
      0,
    );
    expect(await page.locator('#audit-events dl.kv-inline').count()).toBeGreaterThan(0);
    expect(await page.locator('#audit-events').innerText()).not.toContain('{"');
    await context.close();
  }, 60_000);

  it('at 390 px: the page body does not overflow sideways', async () => {
    const { context, page } = await signedIn({ width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(
      true,
    );
    expect(await page.evaluate('document.body.scrollWidth <= window.innerWidth')).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-390.png'), fullPage: true });
    await context.close();
  }, 60_000);

  it('at 390 px: campaigns keep status and progress in view; chart labels legible', async () => {
    const { context, page } = await signedIn({ width: 390, height: 844 });
    await page.goto(`${base}/console/campaigns`);
    for (const sel of ['table.campaigns .badge', 'table.campaigns .bar']) {
      const box = await page.locator(sel).first().boundingBox();
      expect({ sel, right: Math.round((box?.x ?? 999) + (box?.width ?? 0)) <= 390 }).toEqual({
        sel,
        right: true,
      });
    }
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBe(390);
    await page.screenshot({ path: join(SCREENSHOTS, 'campaigns-390.png'), fullPage: true });
    await page.goto(`${base}/console`);
    const heights = (await page.evaluate(
      "[...document.querySelectorAll('svg.chart text')].map((e) => e.getBoundingClientRect().height)",
    )) as number[];
    expect(heights.length).toBeGreaterThan(0);
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(10);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBe(390);
    await context.close();
  }, 60_000);
});

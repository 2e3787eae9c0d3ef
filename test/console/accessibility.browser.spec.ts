import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LinkTokenService } from '../../src/tokens/link-token.service';
import { aCampaign, aCampaignStep, aCustomer, aDelivery } from '../support/builders';
import { freePort, launchBrowser } from '../support/browser';
import { grantConfirmed } from '../support/consent-steps';
import { ADMIN_KEY, createTestApp, createTopics, type TestApp } from '../support/test-app';

const SCREENSHOTS = join(__dirname, '..', '..', 'var', 'screenshots', 'a11y');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [
  { name: 'desktop', viewport: { width: 1280, height: 900 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
] as const;
const LANGS = ['ru', 'en'] as const;

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core over every console and public page, at 1280 and 390 px, in Russian and English: no
 * critical or serious violation anywhere. One browser for the file; one context per width and
 * language, its pages reused. Screenshots land under var/screenshots/a11y/.
 */
describe('accessibility: axe-core on every console and public page', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  const found: string[] = [];
  const paths: { console: string[]; public: string[] } = { console: [], public: [] };

  /** Runs axe on the page as it stands; records critical and serious violations. */
  const audit = async (page: Page, label: string) => {
    await page.addScriptTag({ content: AXE });
    const violations = (await page.evaluate(
      "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)",
    )) as Violation[];
    for (const v of violations.filter((x) => x.impact === 'critical' || x.impact === 'serious'))
      found.push(
        `${label}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      );
    await page.screenshot({
      path: join(SCREENSHOTS, `${label.replace(/[^a-z0-9-]+/gi, '_')}.png`),
      fullPage: true,
    });
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp({
      env: {
        PUBLIC_URL: base,
        TACTFUL_ROLES: 'api',
        COMPANY_NAME: 'Ромашка',
        PUBLIC_RATE_LIMIT: '1000',
      },
    });
    await t.app.listen(port, '127.0.0.1');
    await createTopics(t, {
      tips: { ru: 'Полезные советы', en: 'Useful tips' },
      offers: { ru: 'Акции', en: 'Offers' },
    });
    const customer = await aCustomer(t.db, {
      externalId: 'a11y-1',
      name: 'Анна Петрова',
      email: 'anna@mail.example',
      phone: '+79160000123',
      locale: 'ru',
    });
    await grantConfirmed(t, customer, 'email', 'tips');
    await grantConfirmed(t, customer, 'email', 'offers');
    const campaign = await aCampaign(t.db, {
      name: 'Весенние советы',
      status: 'running',
      schedule: { type: 'cron', cron: '0 10 * * 1', timezone: 'Europe/Moscow' },
    });
    await aCampaignStep(t.db, {
      campaignId: campaign,
      step: 0,
      dueAt: new Date(),
      audienceSize: 27,
    });
    await aDelivery(t.db, { campaignId: campaign, customerId: customer, status: 'sent' });
    const tokens = t.app.get(LinkTokenService);
    const link = (purpose: 'preferences' | 'unsubscribe', topic = '*') =>
      tokens.issue({ purpose, customerId: customer, channel: 'email', topic });
    const expired = tokens.issue(
      { purpose: 'preferences', customerId: customer, channel: 'email', topic: '*' },
      { ttlMs: -1000 },
    );
    paths.public = [
      `/p/${expired}`,
      `/p/${link('preferences')}`,
      `/u/${link('unsubscribe', 'offers')}`,
    ];
    paths.console = [
      '/console',
      '/console/campaigns',
      `/console/campaigns/${campaign}`,
      '/console/campaigns/new',
      `/console/campaigns/${campaign}/confirm/pause`,
      '/console/customers',
      `/console/customers/${customer}`,
      `/console/customers/${customer}/evidence`,
      '/console/templates',
      '/console/templates/tips',
      '/console/audit',
      '/console/policies',
      '/console/policies/consumer',
      '/console/keys',
    ];
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it.each(LANGS.flatMap((lang) => WIDTHS.map((width) => [lang, width.name, width] as const)))(
    'finds no critical or serious violation in %s at %s width',
    async (lang, _name, width) => {
      const before = found.length;
      // bypassCSP: axe is injected as an inline script, which the pages' CSP rightly refuses.
      const context: BrowserContext = await browser.newContext({
        viewport: width.viewport,
        bypassCSP: true,
        locale: lang === 'ru' ? 'ru-RU' : 'en-GB',
        extraHTTPHeaders: { 'Accept-Language': lang === 'ru' ? 'ru-RU,ru' : 'en-GB,en' },
      });
      await context.addCookies([{ name: 'tactful_console_lang', value: lang, url: base }]);
      const page = await context.newPage();
      const tag = `${lang}-${width.name}`;
      const names = ['link-not-valid', 'preferences', 'unsubscribe'];
      for (const [i, path] of paths.public.entries()) {
        await page.goto(`${base}${path}`);
        await audit(page, `${tag}-public-${names[i]}`);
      }
      // The unsubscribed page with its undo, then the link-not-valid form answered.
      await page.goto(`${base}${paths.public[2]}`);
      await page.locator('button[type=submit]').click();
      await page.waitForLoadState();
      await audit(page, `${tag}-public-unsubscribed`);
      await page.goto(`${base}${paths.public[0]}`);
      await page.locator('#email').fill('nobody@mail.example');
      await page.locator('button[type=submit]').click();
      await page.waitForLoadState();
      await audit(page, `${tag}-public-fresh-link-sent`);

      await page.goto(`${base}/console/login`);
      await audit(page, `${tag}-console-login`);
      await page.locator('#key').fill(ADMIN_KEY);
      await page.locator('#key').press('Enter');
      await page.waitForURL(`${base}/console`);
      for (const path of paths.console) {
        const res = await page.goto(`${base}${path}`);
        expect(res?.status()).toBe(200);
        await audit(page, `${tag}-console${path.replace(/\/console|[0-9a-f-]{36}/g, '')}`);
        // At 390 px nothing but tables (in their own scrolling wrappers) may be wider than the screen.
        if (width.name === 'phone' && /evidence|campaigns$/.test(path))
          expect({
            path,
            width: await page.evaluate('document.documentElement.scrollWidth'),
          }).toEqual({ path, width: 390 });
      }
      await context.close();
      expect(found.slice(before)).toEqual([]);
    },
    180_000,
  );
});

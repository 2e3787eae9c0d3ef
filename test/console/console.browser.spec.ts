import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SenderService } from '../../src/delivery/sender.service';
import { PlannerService } from '../../src/planning/planner.service';
import { middayZone } from '../delivery/seed';
import { freePort, launchBrowser } from '../support/browser';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { ADMIN_KEY, createTestApp, createTopics, type TestApp } from '../support/test-app';

const SCREENSHOTS = join(__dirname, '..', '..', 'var', 'screenshots', 'console');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

describe('the console in real headless Chromium', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let base: string;
  let marketerKey: string;
  let auditorKey: string;
  const ids: Record<string, string> = {};

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const focusedText = async (page: Page) =>
    String(
      await page.evaluate("document.activeElement ? document.activeElement.textContent : ''"),
    ).trim();
  const noHorizontalScroll = async (page: Page) =>
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(
      true,
    );

  /** Script errors on any page fail the test at the end. */
  const pageErrors: string[] = [];

  const signIn = async (
    context: BrowserContext,
    key: string,
    words = { label: 'API key', button: 'Sign in' },
  ): Promise<Page> => {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/console`);
    expect(page.url()).toContain('/console/login');
    await page.getByLabel(words.label).fill(key);
    await page.getByRole('button', { name: words.button }).click();
    await page.waitForURL(`${base}/console`);
    return page;
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    smtp = await startSmtpServer();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // API only: the test ticks the planner and the sender itself.
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: base,
        TACTFUL_ROLES: 'api',
        MAIL_FROM: 'Shop <news@shop.example>',
        COMPANY_NAME: 'Shop Example',
      },
    });
    await t.app.listen(port, '127.0.0.1');
    await createTopics(t);
    const tpl = await t.admin.post('/v1/templates').send({
      name: 'spring',
      locales: {
        en: {
          subject: 'Spring tips, {{customer.name}}',
          html: '<p>Hello {{customer.name}}, three ways to care for leather shoes in spring.</p>',
          text: 'Hello {{customer.name}}, three ways to care for leather shoes in spring.',
        },
        ru: {
          subject: 'Весенние советы, {{customer.name}}',
          html: '<p>Здравствуйте, {{customer.name}}! Три способа ухода за обувью весной.</p>',
          text: 'Здравствуйте, {{customer.name}}! Три способа ухода за обувью весной.',
          sms: 'Здравствуйте, {{customer.name}}! Весенние советы в письме.',
        },
      },
    });
    expect(tpl.status).toBe(201);
    const zone = middayZone();
    for (const [key, consent] of [
      ['anna', true],
      ['boris', true],
      ['clara', false],
    ] as const) {
      const res = await t.admin.post('/v1/customers').send({
        externalId: `crm-${key}`,
        kind: 'consumer',
        name: key[0].toUpperCase() + key.slice(1),
        email: `${key}@mail.example`,
        locale: 'en',
        timezone: zone,
        attributes: { segment: 'spring' },
      });
      expect(res.status).toBe(201);
      ids[key] = res.body.id;
      if (consent) {
        const c = await t.admin.post(`/v1/customers/${ids[key]}/consents`).send({
          channel: 'email',
          topic: 'tips',
          action: 'grant',
          source: 'web-form',
          confirmed: true,
          evidence: { wording: 'Yes, send me tips', wordingVersion: 'tips-1' },
        });
        expect(c.status).toBe(201);
      }
    }
    // Someone outside the audience.
    await t.admin
      .post('/v1/customers')
      .send({ externalId: 'crm-other', kind: 'consumer', email: 'other@mail.example' });
    marketerKey = await t.keyFor('marketer');
    auditorKey = await t.keyFor('auditor');
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.close();
  });

  it('a marketer builds a campaign from nothing, forecasts, launches and follows it; a skipped customer’s timeline says why', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const page = await signIn(context, marketerKey);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Dashboard');

    // Keyboard: the first Tab reaches the skip link, the next ones the main navigation.
    await page.keyboard.press('Tab');
    expect(await focusedText(page)).toBe('Skip to content');
    const focused: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      focused.push(await focusedText(page));
    }
    expect(focused).toContain('Campaigns');
    // Enter on the focused Campaigns link navigates.
    while ((await focusedText(page)) !== 'Campaigns') await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/console/campaigns`);
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.waitForURL(`${base}/console/campaigns/new`);

    // Bad input first: messages next to the fields.
    await page.getByLabel('Priority').fill('lots');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await expect(page.locator('#name-error').textContent()).resolves.toContain('name');
    await expect(page.locator('#priority-error').textContent()).resolves.toContain(
      'priority must be a whole number',
    );
    expect(await page.getByLabel('Priority').getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'campaign-form-errors');

    await page.getByLabel('Name').fill('Spring tips');
    await page.getByLabel('Topic').selectOption('tips');
    await page.getByLabel('Goal').selectOption('engagement');
    await page.getByLabel('Template').selectOption('spring');
    await page.getByLabel('Priority').fill('60');
    await page.getByLabel('Field 1').fill('attributes.segment');
    await page.getByLabel('Operator 1').selectOption('eq');
    await page.getByLabel('Value 1').fill('spring');
    // The live count (a small fetch; the page is not reloaded).
    await page.evaluate("document.body.setAttribute('data-before-count', 'yes')");
    await page.getByRole('button', { name: 'Count' }).click();
    await page.locator('#audience-count strong').waitFor();
    await expect(page.locator('#audience-count').textContent()).resolves.toContain('3');
    expect(await page.getAttribute('body', 'data-before-count')).toBe('yes');
    await shot(page, 'campaign-form');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(/\/console\/campaigns\/[0-9a-f-]{36}$/);
    const campaignUrl = page.url();

    // The forecast: two sends, one skip for want of consent.
    const forecast = page.locator('#forecast');
    await expect(forecast.textContent()).resolves.toContain('will be sent');
    const bars = await forecast.locator('.bars li').allTextContents();
    expect(bars.map((b) => b.replace(/\s+/g, ' ').trim())).toEqual(
      expect.arrayContaining(['will be sent2', 'skipped: no consent1']),
    );
    await shot(page, 'campaign-forecast');

    // Launch, with its confirmation step.
    await page.getByRole('link', { name: 'Launch' }).click();
    await expect(page.getByText('Launch this campaign?')).toBeTruthy();
    await shot(page, 'campaign-confirm');
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.waitForURL(campaignUrl);
    expect(await page.locator('#campaign-status').textContent()).toMatch(/scheduled|running/);
    // No reload while active (WCAG 2.2.1): a script polls the live figures instead.
    expect(await page.locator('meta[http-equiv=refresh]').count()).toBe(0);
    expect(await page.locator('#live-note noscript').innerHTML()).toContain(
      campaignUrl.slice(base.length),
    );
    await page.evaluate("document.body.setAttribute('data-not-reloaded', 'yes')");
    const reportLink = page.getByRole('link', { name: 'Audit of this campaign' });
    await reportLink.focus();

    // The planner and the sender do their work; the page's script shows it.
    const planner = t.app.get(PlannerService);
    const sender = t.app.get(SenderService);
    await planner.tick();
    await sender.tick();
    await smtp.waitFor(2);
    await planner.tick();
    // No reload by the test nor by the page: the figures change in place.
    const deadline = Date.now() + 15_000;
    while ((await page.locator('#campaign-status').textContent()) !== 'completed') {
      expect(Date.now()).toBeLessThan(deadline);
      await page.waitForTimeout(250);
    }
    await expect(page.locator('#progress-sent').textContent()).resolves.toBe('2');
    expect(await page.getAttribute('body', 'data-not-reloaded')).toBe('yes');
    expect(await focusedText(page)).toBe('Audit of this campaign');
    expect(await page.locator('#live-announce').textContent()).toBe(
      'Status: completed. sent: 2 / 3.',
    );
    expect(await page.locator('#progress-bar').getAttribute('value')).toBe('2');
    expect(await page.locator('[data-move=pause]').isHidden()).toBe(true);
    expect(await page.locator('#live-note').isHidden()).toBe(true);
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual([
      'anna@mail.example',
      'boris@mail.example',
    ]);
    await shot(page, 'campaign-completed');

    // The dashboard counts the contacts and, after Boris unsubscribes, this week's withdrawal.
    const withdraw = await t.admin.post(`/v1/customers/${ids.boris}/consents`).send({
      channel: 'email',
      topic: 'tips',
      action: 'withdraw',
      source: 'web-form',
    });
    expect(withdraw.status).toBe(201);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const stats = await page.locator('#pressure .stat').allTextContents();
    expect(stats.slice(0, 3)).toEqual(['2', '2', '2']);
    const unsub = await page.locator('#unsubscribes svg desc').textContent();
    expect(unsub?.split('; ').pop()).toMatch(/: 1$/);
    await shot(page, 'dashboard');

    // Clara was skipped: her timeline says why.
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('Search by').selectOption('email');
    await page.getByLabel('Search', { exact: true }).fill('clara@mail.example');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'crm-clara' }).click();
    await page.waitForURL(`${base}/console/customers/${ids.clara}`);
    const timeline = await page.locator('#timeline').textContent();
    expect(timeline).toContain('Spring tips');
    expect(timeline).toMatch(/no consent to/);
    await shot(page, 'customer-timeline');

    // A POST without the CSRF token is refused.
    await page.goto(`${base}/console/campaigns/new`);
    await page.evaluate("document.querySelector('#campaign-form input[name=_csrf]').remove()");
    await page.getByLabel('Name').fill('No token');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Save draft' }).click(),
    ]);
    expect(response.status()).toBe(403);
    await context.close();
  }, 120_000);

  it('an auditor sees but cannot reach the edit forms', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const page = await signIn(context, auditorKey);
    await page.goto(`${base}/console/campaigns`);
    expect(await page.getByRole('link', { name: 'New campaign' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Spring tips' }).click();
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Cancel campaign' }).count()).toBe(0);
    const res = await page.goto(`${base}/console/campaigns/new`);
    expect(res?.status()).toBe(403);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Forbidden');
    await shot(page, 'auditor-forbidden');
    await context.close();
  }, 60_000);

  it('an admin sees the template preview, the audit and the policy editor', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const page = await signIn(context, ADMIN_KEY);
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('link', { name: 'spring', exact: true }).click();
    await page.locator('#preview-ru .sms-segments').waitFor();
    expect(await page.locator('#preview-ru .sms-segments').textContent()).toMatch(
      /SMS segments: \d+/,
    );
    expect(await page.frameLocator('#preview-en iframe').locator('body').textContent()).toContain(
      'three ways to care',
    );
    expect(await page.frameLocator('#preview-ru iframe').locator('body').textContent()).toContain(
      'Три способа',
    );
    await shot(page, 'template-preview');
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.getByLabel('Type').fill('decision.*');
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(await page.locator('#audit-events tbody tr').count()).toBeGreaterThanOrEqual(3);
    const download = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download[0].suggestedFilename()).toBe('audit.csv');
    await shot(page, 'audit');
    await page.getByRole('link', { name: 'Policies' }).click();
    await page.getByLabel('Policy (JSON)').fill('{"lapseDays": "soon"}');
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await page.locator('#policy-error').textContent()).toContain('lapseDays');
    await shot(page, 'policy-error');
    await context.close();
  }, 60_000);

  it('is usable at 390 px: no horizontal scroll on the main pages, in Russian too', async () => {
    const context = await browser.newContext({ viewport: PHONE, locale: 'ru-RU' });
    // The sign-in page is in Russian for a Russian browser.
    const page = await signIn(context, marketerKey, { label: 'API-ключ', button: 'Войти' });
    const [campaign] = (await t.db.query(`SELECT id FROM campaigns LIMIT 1`)) as { id: string }[];
    for (const [name, path] of [
      ['dashboard', '/console'],
      ['campaigns', '/console/campaigns'],
      ['campaign-form', '/console/campaigns/new'],
      ['campaign', `/console/campaigns/${campaign.id}`],
      ['customers', '/console/customers?by=email&q=anna%40mail.example'],
      ['customer', `/console/customers/${ids.anna}`],
      ['templates', '/console/templates'],
      ['template', '/console/templates/spring'],
      ['policies', '/console/policies/consumer'],
    ]) {
      const res = await page.goto(`${base}${path}`);
      expect(res?.status()).toBe(200);
      expect(await page.getAttribute('html', 'lang')).toBe('ru');
      await noHorizontalScroll(page);
      await shot(page, `phone-${name}`);
    }
    await context.close();
    // The audit is the auditor's (a marketer's key may not read it, in the API or here).
    const auditorContext = await browser.newContext({ viewport: PHONE, locale: 'ru-RU' });
    const auditorPage = await signIn(auditorContext, auditorKey, {
      label: 'API-ключ',
      button: 'Войти',
    });
    const audit = await auditorPage.goto(`${base}/console/audit`);
    expect(audit?.status()).toBe(200);
    await noHorizontalScroll(auditorPage);
    await shot(auditorPage, 'phone-audit');
    await auditorContext.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});

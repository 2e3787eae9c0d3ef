import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SubscribeService } from '../../src/subscribe/subscribe.service';
import { freePort, launchBrowser } from '../support/browser';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { createTestApp, createTopics, type TestApp } from '../support/test-app';
import { consentStates } from '../support/consent-steps';

const SCREENSHOTS = join(__dirname, '..', '..', 'var', 'screenshots');
const PHONE = { width: 390, height: 844 };

/** A date `days` ahead as YYYY-MM-DD (the pause field's format). */
const daysAhead = (days: number) =>
  new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('double opt-in and the preference page in real headless Chromium', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let publicUrl: string;

  const customerByEmail = async (email: string) =>
    ((await t.db.query(`SELECT id FROM customers WHERE email = $1`, [email]))[0] as { id: string })
      .id;
  const state = (id: string) => consentStates(t.db, id);

  /** Subscribes through the public API and returns the link from the e-mail that arrives. */
  const subscribeAndReadLink = async (email: string, locale: 'ru' | 'en') => {
    const before = smtp.messages.length;
    const res = await t.http.post('/v1/subscribe').send({
      email,
      topics: ['tips', 'offers'],
      locale,
      wordingVersion: 'newsletter-form-2026-01',
    });
    expect(res.status).toBe(202);
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail.to).toEqual([email]);
    const link = new RegExp(`${publicUrl.replace(/[.]/g, '\\.')}/confirm/[A-Za-z0-9_.-]+`).exec(
      mail.parsed.text ?? '',
    )?.[0];
    expect(link).toBeDefined();
    expect(mail.parsed.html).toContain(link);
    return link as string;
  };

  const noHorizontalScroll = async (page: Page) =>
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(
      true,
    );

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    smtp = await startSmtpServer();
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    t = await createTestApp({
      env: { SMTP_URL: smtp.url, PUBLIC_URL: publicUrl, COMPANY_NAME: 'Ромашка' },
    });
    await t.app.listen(port, '127.0.0.1');
    await createTopics(t, {
      tips: { ru: 'Полезные советы', en: 'Useful tips' },
      offers: { ru: 'Скидки <и акции>', en: 'Offers <and deals>' },
    });
    await t.admin
      .patch('/v1/topics/tips')
      .send({
        cadenceDays: 30,
        description: {
          ru: 'Как ухаживать за покупками, раз в месяц.',
          en: 'How to care for what you bought, once a month.',
        },
      })
      .expect(200);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.close();
  });

  describe('in Russian on a phone, with JavaScript on', () => {
    let context: BrowserContext;
    let page: Page;
    let customerId: string;
    beforeAll(async () => {
      context = await browser.newContext({ viewport: PHONE, locale: 'ru-RU' });
      page = await context.newPage();
    });
    afterAll(() => context.close());

    it('follows the e-mailed link, sees one button, confirms with it and opens the preference page', async () => {
      const link = await subscribeAndReadLink('browser.ru@example.ru', 'ru');
      await t.app.get(SubscribeService).drain();
      // Nothing a campaign could reach exists before the confirmation.
      expect(
        await t.db.query(`SELECT 1 FROM customers WHERE email = 'browser.ru@example.ru'`),
      ).toEqual([]);

      await page.goto(link);
      await expect(page.locator('h1').textContent()).resolves.toBe('Подтвердите подписку');
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('ru');
      expect(await page.locator('button').count()).toBe(1);
      expect(await page.locator('li').allTextContents()).toEqual([
        'Скидки <и акции>',
        'Полезные советы',
      ]);
      await page.screenshot({ path: join(SCREENSHOTS, 'confirm-ru.png') });
      await noHorizontalScroll(page);
      // Opening (and reloading) the page confirmed nothing.
      await page.reload();
      expect(
        await t.db.query(`SELECT 1 FROM customers WHERE email = 'browser.ru@example.ru'`),
      ).toEqual([]);

      await page.click('#confirm-button');
      await page.locator('h1', { hasText: 'Спасибо, подписка подтверждена' }).waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'confirmed-ru.png') });
      customerId = await customerByEmail('browser.ru@example.ru');
      expect(await state(customerId)).toEqual({
        'email:tips': 'confirmed',
        'email:offers': 'confirmed',
      });
      const [confirm] = await t.db.query(
        `SELECT user_agent, host(ip) AS ip FROM consent_events WHERE customer_id = $1 AND action = 'confirm' LIMIT 1`,
        [customerId],
      );
      expect(confirm.user_agent).toContain('Chrome');
      expect(confirm.ip).toMatch(/127\.0\.0\.1$/);

      await page.click('#preferences-link');
      await page.waitForURL(/\/p\//);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('ru');
      await expect(page.locator('h1').textContent()).resolves.toBe('Настройки рассылки');
      expect(await page.locator('#topic-offers legend').textContent()).toBe('Скидки <и акции>');
      expect(await page.isChecked('#topic-tips-email')).toBe(true);
      expect(await page.isChecked('#topic-offers-email')).toBe(true);
      expect(await page.isChecked('#frequency-none')).toBe(true);
      // Every control is reachable by its label, as a screen reader would find it.
      expect(await page.getByLabel('Ничего не присылать до (дата)').count()).toBe(1);
      expect(await page.getByLabel('раз в квартал').count()).toBe(1);
      await noHorizontalScroll(page);
    });

    it('switches a topic off, pauses, limits the frequency and saves', async () => {
      const until = daysAhead(30);
      await page.uncheck('#topic-tips-email');
      await page.check('#frequency-quarter');
      await page.fill('#pausedUntil', until);
      await Promise.all([page.waitForURL(/\/p\//), page.click('#save')]);
      const saved = await page.locator('#saved').textContent();
      expect(saved).toContain('Сохранено. Что изменилось:');
      expect(saved).toContain('«Полезные советы», электронная почта: выключено');
      expect(saved).toContain('Не чаще, чем: раз в квартал');
      await page.screenshot({
        path: join(SCREENSHOTS, 'preferences-ru-saved.png'),
        fullPage: true,
      });
      expect(await page.isChecked('#topic-tips-email')).toBe(false);
      expect(await page.inputValue('#pausedUntil')).toBe(until);
      await noHorizontalScroll(page);

      expect(await state(customerId)).toEqual({
        'email:tips': 'withdrawn',
        'email:offers': 'confirmed',
      });
      const [withdrawal] = await t.db.query(
        `SELECT source, user_agent, (SELECT w.wording FROM consent_wordings w WHERE w.hash = consent_events.wording_hash) AS wording FROM consent_events
         WHERE customer_id = $1 AND action = 'withdraw' ORDER BY id DESC LIMIT 1`,
        [customerId],
      );
      expect(withdrawal).toMatchObject({
        source: 'preference-page',
        wording: 'Полезные советы: Электронная почта',
        user_agent: expect.stringContaining('Chrome'),
      });
      const [prefs] = await t.db.query(
        `SELECT max_frequency, to_char(paused_until AT TIME ZONE 'Europe/Moscow', 'YYYY-MM-DD') AS until
         FROM customer_preferences WHERE customer_id = $1`,
        [customerId],
      );
      expect(prefs).toEqual({ max_frequency: 'quarter', until });
    });

    it('"unsubscribe from everything" withdraws it all', async () => {
      await Promise.all([page.waitForURL(/\/p\//), page.click('#unsubscribe-all-button')]);
      expect(await page.locator('#saved').textContent()).toContain('Вы отписаны от всего');
      expect(await page.locator('input[type=checkbox][name^="topic:"]:checked').count()).toBe(0);
      expect((await state(customerId))['email:*']).toBe('withdrawn');
      const types = await t.db.query(
        `SELECT type FROM audit_events WHERE customer_id = $1 AND type = 'preferences.changed'`,
        [customerId],
      );
      expect(types).toHaveLength(2);
    });
  });

  describe('in English with JavaScript disabled', () => {
    let context: BrowserContext;
    beforeAll(async () => {
      context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    });
    afterAll(() => context.close());

    it('confirms, saves and unsubscribes with plain HTML forms', async () => {
      const page = await context.newPage();
      const link = await subscribeAndReadLink('browser.en@example.com', 'en');
      await page.goto(link);
      expect(await page.locator('h1').textContent()).toBe('Please confirm your subscription');
      await page.click('#confirm-button');
      await page.locator('h1', { hasText: 'Thank you, your subscription is confirmed' }).waitFor();
      const customerId = await customerByEmail('browser.en@example.com');
      await Promise.all([page.waitForURL(/\/p\//), page.click('#preferences-link')]);
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      expect(await page.locator('h1').textContent()).toBe('Your subscription settings');
      expect(await page.locator('#topic-tips .cadence').textContent()).toBe('monthly');
      expect(await page.locator('#topic-tips .desc').textContent()).toBe(
        'How to care for what you bought, once a month.',
      );
      expect(await page.locator('#topic-offers legend').textContent()).toBe('Offers <and deals>');
      await page.screenshot({ path: join(SCREENSHOTS, 'preferences-en-nojs.png'), fullPage: true });

      await page.uncheck('#topic-offers-email');
      await page.check('#frequency-year');
      await Promise.all([page.waitForURL(/\/p\//), page.click('#save')]);
      const saved = await page.locator('#saved').textContent();
      expect(saved).toContain('“Offers <and deals>”, e-mail: off');
      expect(saved).toContain('At most: once a year');
      expect(await state(customerId)).toEqual({
        'email:tips': 'confirmed',
        'email:offers': 'withdrawn',
      });

      // A bad date is explained on the page, naming the field.
      await page.fill('#pausedUntil', '2020-01-01');
      await Promise.all([page.waitForURL(/\/p\//), page.click('#save')]);
      expect(await page.locator('#errors').textContent()).toContain(
        'Pause until (pausedUntil): the date must be in the future.',
      );

      await Promise.all([page.waitForURL(/\/p\//), page.click('#unsubscribe-all-button')]);
      expect(await page.locator('#saved').textContent()).toContain(
        'You are unsubscribed from everything',
      );
      expect((await state(customerId))['email:*']).toBe('withdrawn');
    });
  });
});

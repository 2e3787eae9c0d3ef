import twilio from 'twilio';
import type { Browser, Page } from 'playwright-core';
import { ConsentService } from '../../src/consent';
import { PlannerService } from '../../src/planning/planner.service';
import { marketingConsentProblem } from '../../src/policy/engine/consent';
import { SubscribeService } from '../../src/subscribe/subscribe.service';
import { LinkTokenService } from '../../src/tokens/link-token.service';
import { freePort, launchBrowser } from '../support/browser';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { createTestApp, createTopics, type TestApp } from '../support/test-app';
import { startTwilioServer, type TwilioTestServer } from '../support/twilio-server';
import { grantConfirmed } from '../support/consent-steps';

const FROM = '+15005550006';
const csrfOf = (html: string) => /name='csrf' value='([^']+)'/.exec(html)?.[1] ?? '';

/**
 * A preference link can be forwarded: a grant on another channel than the link's own stays
 * pending until that channel confirms it (SMS: a YES reply; e-mail: the double opt-in).
 */
describe('preference page: grants on another channel than the link’s are pending', () => {
  let t: TestApp;
  let tw: TwilioTestServer;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let publicUrl: string;
  let tokens: LinkTokenService;
  let marketer: string;
  let n = 0;
  let sid = 0;

  const customer = async (phone: string, locale = 'ru') => {
    const res = await t.admin.post('/v1/customers').send({
      externalId: `cross-${++n}`,
      kind: 'consumer',
      email: `cross-${n}@example.ru`,
      phone,
      locale,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const grant = (id: string, channel: string, topic: string) =>
    grantConfirmed(t, id, channel, topic);
  const link = (customerId: string, channel: 'email' | 'sms') =>
    `/p/${tokens.issue({ purpose: 'preferences', customerId, channel, topic: '*' })}`;
  const stateOf = async (id: string) =>
    Object.fromEntries(
      (
        (await t.db.query(
          `SELECT channel || ':' || topic AS k, status, needs_confirmation FROM consent_state
           WHERE customer_id = $1`,
          [id],
        )) as { k: string; status: string; needs_confirmation: boolean }[]
      ).map((r) => [r.k, `${r.status}${r.needs_confirmation ? ' (pending)' : ''}`]),
    );
  const problem = async (id: string, channel: 'sms' | 'email', topic: string) => {
    const entries = (await t.app.get(ConsentService).stateFor([id])).get(id) ?? [];
    // SMS needs no double opt-in by default: only the pending flag can hold it back.
    return marketingConsentProblem({ entries }, channel, topic);
  };
  const inbound = (from: string, body: string) => {
    const params = {
      AccountSid: tw.accountSid,
      MessageSid: `SM${(++sid).toString(16).padStart(32, '0')}`,
      From: from,
      To: FROM,
      Body: body,
    };
    const url = `${publicUrl}/webhooks/twilio/inbound`;
    return t.http
      .post('/webhooks/twilio/inbound')
      .type('form')
      .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(tw.authToken, url, params))
      .send(params);
  };
  const smsCampaign = async (name: string) => {
    const res = await t
      .as(marketer)
      .post('/v1/campaigns')
      .send({
        name,
        topic: 'tips',
        goal: 'retention',
        template: 'tips',
        channels: ['sms'],
        priority: 50,
        audience: {},
        schedule: { type: 'now' },
      });
    expect(res.status).toBe(201);
    await t.as(marketer).post(`/v1/campaigns/${res.body.id}/launch`).send({}).expect(202);
    await t.app.get(PlannerService).tick();
    return res.body.id as string;
  };
  const plannedFor = async (campaignId: string, customerId: string) =>
    (
      await t.db.query(
        `SELECT status FROM deliveries WHERE campaign_id = $1 AND customer_id = $2`,
        [campaignId, customerId],
      )
    ).map((r: { status: string }) => r.status);

  beforeAll(async () => {
    tw = await startTwilioServer();
    smtp = await startSmtpServer();
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: publicUrl,
        COMPANY_NAME: 'Ромашка',
        TWILIO_ACCOUNT_SID: tw.accountSid,
        TWILIO_AUTH_TOKEN: tw.authToken,
        TWILIO_FROM: FROM,
        TWILIO_API_URL: tw.url,
        TACTFUL_ROLES: 'api',
        PUBLIC_RATE_LIMIT: '100000',
      },
    });
    await t.app.listen(port, '127.0.0.1');
    tokens = t.app.get(LinkTokenService);
    marketer = await t.keyFor('marketer');
    await createTopics(t, {
      tips: { ru: 'Полезные советы', en: 'Useful tips' },
      offers: { ru: 'Скидки', en: 'Offers' },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.close();
    await tw?.close();
  });

  describe('an e-mail link switching on SMS, in Chromium', () => {
    const phone = '+79161234501';
    let id: string;
    let page: Page;
    beforeAll(async () => {
      id = await customer(phone);
      await grant(id, 'email', 'tips');
      page = await (await browser.newContext({ locale: 'ru-RU' })).newPage();
    });

    it('records the grant as pending, texts the phone for a YES and shows it pending', async () => {
      await page.goto(publicUrl + link(id, 'email'));
      expect(await page.isChecked('#topic-tips-sms')).toBe(false);
      await page.check('#topic-tips-sms');
      await Promise.all([page.waitForURL(/\/p\//), page.click('#save')]);

      expect(await stateOf(id)).toEqual({
        'email:tips': 'confirmed',
        'sms:tips': 'granted (pending)',
      });
      const [grant] = await t.db.query(
        `SELECT source, confirmed, data FROM consent_events
         WHERE customer_id = $1 AND channel = 'sms' ORDER BY id DESC LIMIT 1`,
        [id],
      );
      expect(grant).toMatchObject({
        source: 'preference-page',
        confirmed: false,
        data: { needsConfirmation: true },
      });
      // The API shows it pending too.
      const api = await t.admin.get(`/v1/customers/${id}/consents`).expect(200);
      expect(JSON.stringify(api.body)).toContain('"needsConfirmation":true');
      const texts = tw.messagesTo(phone);
      expect(texts).toHaveLength(1);
      expect(texts[0].params.From).toBe(FROM);
      expect(texts[0].params.Body).toContain('ответьте ДА');
      expect(texts[0].params.Body).toContain('Полезные советы');

      expect(await page.isChecked('#topic-tips-sms')).toBe(true);
      const pending = page.locator('#topic-tips-sms-pending');
      expect(await pending.isVisible()).toBe(true);
      expect(await pending.textContent()).toContain('ждёт подтверждения');
      await page.reload();
      expect(await page.locator('#topic-tips-sms-pending').isVisible()).toBe(true);
      expect(await page.locator('#topic-tips-email-pending').count()).toBe(0);
    });

    it('sends no content SMS on it until the phone confirms', async () => {
      expect(await problem(id, 'sms', 'tips')).toBe('consent_unconfirmed');
      const campaign = await smsCampaign('tips by SMS, before YES');
      expect(await plannedFor(campaign, id)).toEqual([]);
    });

    it('a YES from that phone confirms it; the page then shows it plainly and SMS may go', async () => {
      const res = await inbound(phone, 'Да!');
      expect(res.status).toBe(200);
      expect(res.text).toContain('подписка на SMS подтверждена');
      expect(await stateOf(id)).toEqual({ 'email:tips': 'confirmed', 'sms:tips': 'confirmed' });
      const [confirm] = await t.db.query(
        `SELECT source, actor, (SELECT w.wording FROM consent_wordings w WHERE w.hash = consent_events.wording_hash) AS wording
         FROM consent_events
         WHERE customer_id = $1 AND channel = 'sms' AND action = 'confirm'`,
        [id],
      );
      expect(confirm).toMatchObject({ source: 'sms-keyword', wording: 'Да!' });
      expect(confirm.actor).toMatch(/^sms:SM/);
      await page.reload();
      expect(await page.locator('#topic-tips-sms-pending').count()).toBe(0);
      expect(await page.isChecked('#topic-tips-sms')).toBe(true);
      expect(await problem(id, 'sms', 'tips')).toBeNull();
      const campaign = await smsCampaign('tips by SMS, after YES');
      expect(await plannedFor(campaign, id)).toEqual(['planned']);
    });
  });

  it('a YES from another phone confirms nothing', async () => {
    const id = await customer('+79161234502');
    const path = link(id, 'email');
    const html = (await t.http.get(path)).text;
    await t.http
      .post(path)
      .type('form')
      .send({
        csrf: csrfOf(html),
        shown: ['topic:offers:sms'],
        'topic:offers:sms': 'on',
        'channel:email': 'on',
        'channel:sms': 'on',
      })
      .expect(200);
    expect((await stateOf(id))['sms:offers']).toBe('granted (pending)');
    await inbound('+79161234599', 'YES').expect(200);
    expect((await stateOf(id))['sms:offers']).toBe('granted (pending)');
  });

  it('switching SMS off and on again through a forwarded link texts the phone at most 3 times a day', async () => {
    const phone = '+79161234503';
    const id = await customer(phone);
    const path = link(id, 'email');
    const html = (await t.http.get(path)).text;
    for (let i = 0; i < 12; i++) {
      const on = i % 2 === 0;
      await t.http
        .post(path)
        .type('form')
        .send({
          csrf: csrfOf(html),
          shown: ['topic:offers:sms'],
          ...(on ? { 'topic:offers:sms': 'on' } : {}),
          'channel:email': 'on',
          'channel:sms': 'on',
        })
        .expect(200);
    }
    expect(tw.messagesTo(phone)).toHaveLength(3);
    expect((await stateOf(id))['sms:offers']).toBe('withdrawn');
  });

  it('an SMS link grants SMS at once (its own channel), without a confirmation text', async () => {
    const phone = '+79161234504';
    const id = await customer(phone);
    const path = link(id, 'sms');
    const html = (await t.http.get(path)).text;
    await t.http
      .post(path)
      .type('form')
      .send({
        csrf: csrfOf(html),
        shown: ['topic:tips:sms'],
        'topic:tips:sms': 'on',
        'channel:email': 'on',
        'channel:sms': 'on',
      })
      .expect(200);
    expect((await stateOf(id))['sms:tips']).toBe('confirmed');
    expect(tw.messagesTo(phone)).toHaveLength(0);
  });

  it('an SMS link switching on e-mail needs the e-mail double opt-in', async () => {
    const id = await customer('+79161234505');
    const path = link(id, 'sms');
    const html = (await t.http.get(path)).text;
    const before = smtp.messages.length;
    const saved = await t.http
      .post(path)
      .type('form')
      .send({
        csrf: csrfOf(html),
        shown: ['topic:offers:email'],
        'topic:offers:email': 'on',
        'channel:email': 'on',
        'channel:sms': 'on',
      });
    expect(saved.status).toBe(200);
    expect(saved.text).toContain("id='topic-offers-email-pending'");
    expect((await stateOf(id))['email:offers']).toBe('granted (pending)');
    expect(await problem(id, 'email', 'offers')).toBe('consent_unconfirmed');

    await t.app.get(SubscribeService).drain();
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail.to).toEqual([`cross-${n}@example.ru`]);
    const confirmPath = new RegExp(`${publicUrl}(/confirm/[A-Za-z0-9_.-]+)`).exec(
      mail.parsed.text ?? '',
    )?.[1];
    expect(confirmPath).toBeDefined();
    const page = await t.http.get(confirmPath!);
    await t.http
      .post(confirmPath!)
      .type('form')
      .send({ csrf: csrfOf(page.text) })
      .expect(200);
    expect((await stateOf(id))['email:offers']).toBe('confirmed');
    expect(await problem(id, 'email', 'offers')).toBeNull();
    const shown = (await t.http.get(path)).text;
    expect(shown).not.toContain("id='topic-offers-email-pending'");
  });
});

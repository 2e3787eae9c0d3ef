import { LinkTokenService } from '../../src/tokens/link-token.service';
import { createTestApp, createTopics, TestApp } from '../support/test-app';
import { createCampaign, createCustomer, createDelivery, record } from './fixtures';

const WORDING = 'Да, присылайте мне полезные советы раз в месяц';
const SMS_WORDING = 'Send me "tips" <b>by SMS</b> & <script>alert(1)</script>';

describe('customer timeline, evidence bundle and campaign report', () => {
  let t: TestApp;
  let auditor: string;
  let anna: string; // ru, Moscow
  let john: string; // en, New York
  let tipsCampaign: string;
  let saleCampaign: string;
  let consentEventId: string;
  let sent: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    auditor = await t.keyFor('auditor');
    await createTopics(t, {
      tips: { ru: 'Полезные советы', en: 'Useful tips' },
      offers: { ru: 'скидки', en: 'offers' },
    });
    anna = await createCustomer(t, { externalId: 'tl-anna', name: 'Анна <Петрова>' });
    john = await createCustomer(t, {
      externalId: 'tl-john',
      locale: 'en',
      timezone: 'America/New_York',
      name: 'John',
    });
    const grant = await t.admin.post(`/v1/customers/${anna}/consents`).send({
      channel: 'email',
      topic: 'tips',
      action: 'grant',
      source: 'web-form',
      confirmed: true,
      evidence: {
        ip: '203.0.113.7',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
        wording: WORDING,
        wordingVersion: 'tips-2026-01',
      },
    });
    expect(grant.status).toBe(201);
    consentEventId = grant.body.event.id;
    const sms = await t.admin.post(`/v1/customers/${anna}/consents`).send({
      channel: 'sms',
      topic: 'tips',
      action: 'grant',
      source: 'web-form',
      confirmed: true,
      evidence: {
        ip: '203.0.113.8',
        userAgent: 'UA',
        wording: SMS_WORDING,
        wordingVersion: 'sms-1',
      },
    });
    expect(sms.status).toBe(201);

    tipsCampaign = await createCampaign(t, { name: 'Весенние советы', topic: 'tips' });
    saleCampaign = await createCampaign(t, { name: 'Spring sale', topic: 'offers' });
    sent = await createDelivery(t, {
      campaignId: tipsCampaign,
      customerId: anna,
      topic: 'tips',
      category: 'content',
      status: 'delivered',
      consentEventId,
      contentHash: 'c0ffee',
    });
    const complained = await createDelivery(t, {
      campaignId: tipsCampaign,
      customerId: john,
      topic: 'tips',
      category: 'content',
      status: 'complained',
    });
    await createDelivery(t, {
      campaignId: tipsCampaign,
      customerId: john,
      topic: 'tips',
      category: 'content',
      status: 'planned',
      step: 1,
      sentAt: null,
    });
    const at = (s: string) => new Date(s);
    await record(t, [
      {
        type: 'decision.send',
        customerId: anna,
        campaignId: tipsCampaign,
        channel: 'email',
        policyVersion: 1,
        actor: 'system',
        at: at('2026-11-20T07:00:00Z'),
        data: { step: 0, notBefore: '2026-11-20T07:00:00Z' },
      },
      {
        type: 'delivery.sent',
        customerId: anna,
        campaignId: tipsCampaign,
        deliveryId: sent,
        channel: 'email',
        actor: 'system',
        at: at('2026-11-20T07:00:05Z'),
        data: { contentHash: 'c0ffee', templateVersion: 1 },
      },
      {
        type: 'decision.skip',
        customerId: anna,
        campaignId: saleCampaign,
        reason: 'budget_exhausted',
        policyVersion: 1,
        actor: 'system',
        at: at('2026-11-21T07:00:00Z'),
        data: { step: 0, nextEligibleAt: '2027-05-13T22:30:00Z' },
      },
      {
        type: 'decision.defer',
        customerId: anna,
        campaignId: tipsCampaign,
        channel: 'sms',
        reason: 'quiet_hours',
        policyVersion: 1,
        actor: 'system',
        at: at('2026-11-21T20:00:00Z'),
        data: { step: 1, until: '2026-12-01T06:00:00Z' },
      },
      {
        type: 'decision.skip',
        customerId: john,
        campaignId: saleCampaign,
        reason: 'budget_exhausted',
        policyVersion: 1,
        actor: 'system',
        at: at('2026-11-21T07:00:00Z'),
        data: { step: 0, nextEligibleAt: '2027-05-15T02:00:00Z' },
      },
      {
        type: 'decision.skip',
        customerId: john,
        campaignId: tipsCampaign,
        reason: 'no_consent',
        policyVersion: 1,
        actor: 'system',
        at: at('2026-11-21T07:00:01Z'),
        data: { step: 0 },
      },
      {
        type: 'decision.send',
        customerId: john,
        campaignId: tipsCampaign,
        channel: 'email',
        policyVersion: 1,
        actor: 'system',
        at: at('2026-11-21T07:00:02Z'),
      },
      {
        type: 'delivery.complained',
        customerId: john,
        campaignId: tipsCampaign,
        deliveryId: complained,
        channel: 'email',
        actor: 'system',
        at: at('2026-11-22T07:00:00Z'),
      },
    ]);
    // Anna unsubscribes through the one-click link of the message she got.
    const token = t.app.get(LinkTokenService).issue({
      purpose: 'unsubscribe',
      customerId: anna,
      channel: 'email',
      topic: 'tips',
      deliveryId: sent,
    });
    const u = await t.http
      .post(`/u/${token}`)
      .type('form')
      .set('User-Agent', 'Gmail-One-Click')
      .send('List-Unsubscribe=One-Click');
    expect(u.status).toBe(200);
  });
  afterAll(() => t.close());

  const timeline = (id: string, query = '') =>
    t.as(auditor).get(`/v1/customers/${id}/timeline${query}`);

  it('tells Anna’s history in Russian by default, dates in Moscow time', async () => {
    const res = await timeline(anna, '?order=asc');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ customerId: anna, locale: 'ru', timezone: 'Europe/Moscow' });
    const sentences = res.body.items.map((i: { sentence: string }) => i.sentence);
    expect(sentences).toEqual([
      'Клиент добавлен (поля: externalId, kind, name, email, timezone, locale)',
      'Согласие получено: «Полезные советы» по e-mail (источник: web-form, версия текста: tips-2026-01)',
      'Согласие получено: «Полезные советы» по SMS (источник: web-form, версия текста: sms-1)',
      'Запланировано: кампания «Весенние советы», по e-mail, не раньше 20 ноября 2026, 10:00',
      'Отправлено по e-mail, кампания «Весенние советы»',
      'Не отправлено: полугодовой лимит для «скидки» действует до 14 мая 2027 (кампания «Spring sale»)',
      'Отложено до 1 декабря 2026, 09:00: тихие часы клиента (кампания «Весенние советы»)',
      'Согласие отозвано: «Полезные советы» по e-mail (источник: one-click)',
    ]);
    const item = res.body.items[5];
    expect(item).toMatchObject({
      type: 'decision.skip',
      reason: 'budget_exhausted',
      campaignId: saleCampaign,
      campaignName: 'Spring sale',
      policyVersion: 1,
      data: { nextEligibleAt: '2027-05-13T22:30:00Z' },
    });
    // Newest first by default.
    const desc = await timeline(anna);
    expect(desc.body.items.map((i: { id: string }) => i.id)).toEqual(
      res.body.items.map((i: { id: string }) => i.id).reverse(),
    );
  });

  it('tells the same in English on request, and John’s in English with New York dates', async () => {
    const en = await timeline(anna, '?order=asc&locale=en');
    expect(en.body.locale).toBe('en');
    expect(en.body.items[0].sentence).toBe(
      'Customer record created (fields: externalId, kind, name, email, timezone, locale)',
    );
    expect(en.body.items[5].sentence).toBe(
      'Not sent: the six-month limit for offers runs until 14 May 2027 (campaign “Spring sale”)',
    );
    expect(en.body.items[7].sentence).toBe(
      'Consent withdrawn: Useful tips by e-mail (source: one-click)',
    );
    const johns = await timeline(john, '?order=asc');
    expect(johns.body.locale).toBe('en');
    expect(johns.body.items.map((i: { sentence: string }) => i.sentence)).toEqual([
      'Customer record created (fields: externalId, kind, name, email, timezone, locale)',
      // 02:00 UTC on 15 May is still 14 May in New York.
      'Not sent: the six-month limit for offers runs until 14 May 2027 (campaign “Spring sale”)',
      'Not sent: no consent to Useful tips (campaign “Весенние советы”)',
      'Planned: campaign “Весенние советы”, by e-mail',
      'The customer marked the message as spam (campaign “Весенние советы”, by e-mail); the address is suppressed',
    ]);
  });

  it('pages the timeline and answers 400/404 naming the problem', async () => {
    const first = await timeline(anna, '?limit=3');
    expect(first.body.items).toHaveLength(3);
    const second = await timeline(anna, `?limit=3&cursor=${first.body.nextCursor}`);
    expect(Number(second.body.items[0].id)).toBeLessThan(Number(first.body.items[2].id));
    const bad = await timeline(anna, '?locale=de');
    expect(bad.status).toBe(400);
    expect(bad.body.message.join(' ')).toContain('locale');
    const missing = await timeline('7d444840-9dc0-11d1-b245-5ffdce74fad2');
    expect(missing.status).toBe(404);
    expect((await timeline('nope')).status).toBe(400);
  });

  it('gives the evidence bundle as JSON with the exact wording and the consent each message relied on', async () => {
    const res = await t.as(auditor).get(`/v1/customers/${anna}/evidence`);
    expect(res.status).toBe(200);
    const b = res.body;
    expect(b.customer).toMatchObject({ id: anna, externalId: 'tl-anna', name: 'Анна <Петрова>' });
    expect(b.consents).toHaveLength(3);
    expect(b.consents[0]).toMatchObject({
      id: consentEventId,
      channel: 'email',
      topic: 'tips',
      action: 'grant',
      source: 'web-form',
      confirmed: true,
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
      wording: WORDING,
      wordingVersion: 'tips-2026-01',
      occurredAt: expect.any(String),
    });
    expect(b.withdrawals).toHaveLength(1);
    expect(b.withdrawals[0]).toMatchObject({
      action: 'withdraw',
      source: 'one-click',
      userAgent: 'Gmail-One-Click',
      data: { deliveryId: sent },
    });
    expect(b.messages).toHaveLength(1);
    expect(b.messages[0]).toMatchObject({
      deliveryId: sent,
      campaignName: 'Весенние советы',
      status: 'delivered',
      policyVersion: 1,
      templateName: 'tpl',
      templateVersion: 1,
      contentHash: 'c0ffee',
      contentRetained: false,
      consent: { id: consentEventId, wording: WORDING, wordingVersion: 'tips-2026-01' },
    });
  });

  it('prints the evidence as an escaped HTML page (Accept or ?format=html)', async () => {
    const res = await t
      .as(auditor)
      .get(`/v1/customers/${anna}/evidence`)
      .set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.text).toContain('<html lang="ru">');
    expect(res.text).toContain(`“${WORDING}”`);
    expect(res.text).toContain('tips-2026-01');
    expect(res.text).toContain('203.0.113.7');
    expect(res.text).toContain('Анна &lt;Петрова&gt;');
    expect(res.text).toContain(
      'Send me &quot;tips&quot; &lt;b&gt;by SMS&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;',
    );
    expect(res.text).not.toContain('<script>');
    expect(res.text).not.toContain('<b>by SMS');
    const en = await t.as(auditor).get(`/v1/customers/${anna}/evidence?format=html&locale=en`);
    expect(en.text).toContain('Consent evidence');
    expect(en.text).toContain(sent);
    const json = await t
      .as(auditor)
      .get(`/v1/customers/${anna}/evidence?format=json`)
      .set('Accept', 'text/html');
    expect(json.headers['content-type']).toMatch(/^application\/json/);
  });

  it('reports the campaign per channel with the unsubscribes and complaints it caused', async () => {
    const res = await t.as(auditor).get(`/v1/campaigns/${tipsCampaign}/report`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ campaignId: tipsCampaign, name: 'Весенние советы' });
    const email = res.body.channels.find((c: { channel: string }) => c.channel === 'email');
    expect(email).toEqual({
      channel: 'email',
      decisions: { send: 2, defer: 0, skip: 0, deferReasons: {}, skipReasons: {} },
      deliveries: { delivered: 1, complained: 1, planned: 1 },
      cancelledReasons: {},
      unsubscribes: 1,
      complaints: 1,
    });
    const sms = res.body.channels.find((c: { channel: string }) => c.channel === 'sms');
    expect(sms.decisions).toMatchObject({ defer: 1, deferReasons: { quiet_hours: 1 } });
    const none = res.body.channels.find((c: { channel: string }) => c.channel === 'none');
    expect(none.decisions).toMatchObject({ skip: 1, skipReasons: { no_consent: 1 } });
    expect(res.body.totals).toMatchObject({
      decisions: { send: 2, defer: 1, skip: 1 },
      unsubscribes: 1,
      complaints: 1,
    });
    const sale = await t.as(auditor).get(`/v1/campaigns/${saleCampaign}/report`);
    expect(sale.body.totals.decisions.skipReasons).toEqual({ budget_exhausted: 2 });
    expect(sale.body.totals.unsubscribes).toBe(0);
    expect(
      (await t.as(auditor).get(`/v1/campaigns/7d444840-9dc0-11d1-b245-5ffdce74fad2/report`)).status,
    ).toBe(404);
  });

  it('keeps the audit pseudonymous and intact when the customer is erased', async () => {
    const before = await t.db.query(
      `SELECT * FROM audit_events WHERE customer_id = $1 ORDER BY id`,
      [john],
    );
    expect((await t.admin.delete(`/v1/customers/${john}`)).status).toBe(204);
    const after = await t.db.query(
      `SELECT * FROM audit_events WHERE customer_id = $1 ORDER BY id`,
      [john],
    );
    expect(after.slice(0, before.length)).toEqual(before);
    // Ids only: no name, address or phone of the customer anywhere in the audit.
    const text = JSON.stringify(await t.db.query(`SELECT * FROM audit_events`));
    for (const personal of [
      'John',
      'tl-john@example.ru',
      'Анна',
      'tl-anna@example.ru',
      '203.0.113.7',
    ])
      expect(text).not.toContain(personal);
    const res = await timeline(john, '?order=asc');
    expect(res.status).toBe(200);
    expect(res.body.items.at(-1).sentence).toBe(
      'Personal data erased; the history stays, pseudonymous',
    );
  });
});

import twilio from 'twilio';
import { ConsentService } from '../../src/consent';
import type { Channel } from '../../src/policy/engine';
import { marketingConsentProblem } from '../../src/policy/engine/consent';
import { aCampaign, aDelivery } from '../support/builders';
import { createTestApp, ADMIN_KEY, TestApp, createTopics } from '../support/test-app';

const AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
const PUBLIC_URL = 'https://tactful.example.ru';
const URL = `${PUBLIC_URL}/webhooks/twilio/inbound`;
const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

describe('POST /webhooks/twilio/inbound (SMS keywords)', () => {
  let t: TestApp;
  let sidCounter = 0;

  const nextSid = () => `SM${(++sidCounter).toString(16).padStart(32, '0')}`;
  const inbound = (from: string, body: string, extra: Record<string, string> = {}) => ({
    AccountSid: `AC${'a'.repeat(32)}`,
    MessageSid: nextSid(),
    From: from,
    To: '+15005550006',
    Body: body,
    NumMedia: '0',
    ...extra,
  });
  const send = (
    params: Record<string, string>,
    signature: string | null = twilio.getExpectedTwilioSignature(AUTH_TOKEN, URL, params),
  ) => {
    const req = t.http.post('/webhooks/twilio/inbound').type('form');
    return (signature === null ? req : req.set('X-Twilio-Signature', signature)).send(params);
  };
  const count = async (table: string) =>
    Number((await t.db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);
  const written = async () => ({
    ledger: await count('consent_events'),
    audit: await count('audit_events'),
  });
  const state = async (id: string, channel = 'sms') =>
    Object.fromEntries(
      (
        await t.db.query(
          `SELECT topic, status FROM consent_state WHERE customer_id = $1 AND channel = $2`,
          [id, channel],
        )
      ).map((r: { topic: string; status: string }) => [r.topic, r.status]),
    );
  let n = 0;
  const customer = async (phone: string, locale = 'ru') => {
    const res = await t.admin.post('/v1/customers').send({
      externalId: `crm-sms-${++n}`,
      kind: 'consumer',
      email: `sms-${n}@example.ru`,
      phone,
      locale,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const consent = async (id: string, body: object) => {
    const res = await t.admin.post(`/v1/customers/${id}/consents`).send({
      source: 'web-form',
      evidence: { wording: 'Да, присылайте SMS', wordingVersion: 'sms-2026-01' },
      ...body,
    });
    expect(res.status).toBe(201);
  };
  /** tips confirmed and offers granted on SMS, tips granted on e-mail. */
  const subscribed = async (phone: string, locale = 'ru') => {
    const id = await customer(phone, locale);
    await consent(id, { channel: 'sms', topic: 'tips', action: 'grant', confirmed: true });
    await consent(id, { channel: 'sms', topic: 'offers', action: 'grant' });
    await consent(id, { channel: 'email', topic: 'tips', action: 'grant' });
    return id;
  };
  const smsAllowed = async (id: string, topic: string) => {
    const entries = (await t.app.get(ConsentService).stateFor([id])).get(id) ?? [];
    return marketingConsentProblem({ entries }, 'sms', topic);
  };

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        TWILIO_FROM: '+15005550006',
        PUBLIC_URL,
        COMPANY_NAME: 'Ромашка & Co',
      },
    });
    await createTopics(t);
  });
  afterAll(() => t.close());

  describe('signature', () => {
    let phone: string;
    beforeAll(async () => {
      phone = '+79161230009';
      await subscribed(phone);
    });

    it('missing X-Twilio-Signature: 403, nothing written', async () => {
      const before = await written();
      const res = await send(inbound(phone, 'STOP'), null);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.message.join()).toMatch(/X-Twilio-Signature/);
      expect(await written()).toEqual(before);
    });

    it('a wrong signature: 403, nothing written', async () => {
      const before = await written();
      const params = inbound(phone, 'STOP');
      const wrong = twilio.getExpectedTwilioSignature('another-auth-token-000', URL, params);
      expect((await send(params, wrong)).status).toBe(403);
      expect((await send(params, 'not-a-signature')).status).toBe(403);
      expect(await written()).toEqual(before);
    });

    it('a signature over other parameters: 403', async () => {
      const params = inbound(phone, 'HELP');
      const sig = twilio.getExpectedTwilioSignature(AUTH_TOKEN, URL, params);
      expect((await send({ ...params, Body: 'STOP' }, sig)).status).toBe(403);
    });

    it('a signature computed for another URL (e.g. the Host header): 403', async () => {
      const before = await written();
      const params = inbound(phone, 'STOP');
      for (const url of [
        'http://127.0.0.1/webhooks/twilio/inbound',
        `${PUBLIC_URL}/webhooks/twilio/status`,
        'https://evil.example/webhooks/twilio/inbound',
      ]) {
        const sig = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
        const res = await send(params, sig);
        expect(res.status).toBe(403);
      }
      expect(await written()).toEqual(before);
    });
  });

  it('an unknown number: 200 with an empty response, nothing written', async () => {
    const before = await written();
    for (const body of ['STOP', 'START', 'HELP']) {
      const res = await send(inbound('+79161239999', body));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(res.text).toBe(EMPTY);
    }
    expect(await written()).toEqual(before);
  });

  it('START without an earlier keyword withdrawal changes nothing', async () => {
    const id = await subscribed('+79161230010');
    const before = await written();
    const res = await send(inbound('+79161230010', 'START'));
    expect(res.status).toBe(200);
    expect(res.text).toBe(EMPTY);
    expect(await written()).toEqual(before);
    expect(await state(id)).toEqual({ tips: 'confirmed', offers: 'granted' });
  });

  it('unknown text gets an empty response and changes no consent (a reply goes to a person: test/replies)', async () => {
    const id = await subscribed('+79161230011');
    const before = await written();
    for (const body of ['Привет', 'please stop calling', '']) {
      const res = await send(inbound('+79161230011', body));
      expect(res.status).toBe(200);
      expect(res.text).toBe(EMPTY);
    }
    expect((await written()).ledger).toEqual(before.ledger);
    expect(await state(id)).toEqual({ tips: 'confirmed', offers: 'granted' });
  });

  describe('STOP, then START', () => {
    const phone = '+79161230001';
    let a: string;
    let b: string;
    let stopSid: string;

    beforeAll(async () => {
      // Two customers share the number: the keyword applies to both.
      a = await subscribed(phone, 'ru');
      b = await customer(phone, 'en');
      await consent(b, { channel: 'sms', topic: '*', action: 'grant' });
    });

    it('STOP withdraws SMS consent for every topic, with evidence, and replies in Russian', async () => {
      const params = inbound(phone, 'stop');
      stopSid = params.MessageSid;
      const res = await send(params);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(res.text).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>' +
          'Ромашка &amp; Co: вы отписаны от SMS. Чтобы подписаться снова, ответьте СТАРТ.' +
          '</Message></Response>',
      );
      expect(await state(a)).toEqual({ '*': 'withdrawn', tips: 'withdrawn', offers: 'withdrawn' });
      expect(await state(b)).toEqual({ '*': 'withdrawn' });
      // E-mail is untouched.
      expect(await state(a, 'email')).toEqual({ tips: 'granted' });
      expect(await smsAllowed(a, 'tips')).toBe('consent_withdrawn');

      const rows = await t.db.query(
        `SELECT customer_id, channel, topic, action, source, actor, data,
                (SELECT w.wording FROM consent_wordings w WHERE w.hash = consent_events.wording_hash) AS wording FROM consent_events
         WHERE actor = $1 ORDER BY id`,
        [`sms:${stopSid}`],
      );
      expect(rows.map((r: { topic: string }) => r.topic)).toEqual(['*', 'offers', 'tips', '*']);
      for (const r of rows) {
        expect(r).toMatchObject({
          channel: 'sms',
          action: 'withdraw',
          source: 'sms-keyword',
          actor: `sms:${stopSid}`,
          wording: 'stop',
          data: { messageSid: stopSid, lastDeliveryId: null },
        });
      }
      const audit = await t.db.query(
        `SELECT customer_id, channel, actor, delivery_id, data FROM audit_events
         WHERE type = 'sms.keyword' ORDER BY id`,
      );
      expect(audit).toEqual([
        expect.objectContaining({
          customer_id: a,
          channel: 'sms',
          actor: `sms:${stopSid}`,
          delivery_id: null,
          data: expect.objectContaining({
            keyword: 'stop',
            messageSid: stopSid,
            lastDeliveryId: null,
          }),
        }),
        expect.objectContaining({ customer_id: b }),
      ]);
    });

    it('a replayed webhook (same MessageSid) writes nothing more', async () => {
      const before = await written();
      const params = { ...inbound(phone, 'stop'), MessageSid: stopSid };
      expect((await send(params)).status).toBe(200);
      expect(await written()).toEqual(before);
    });

    it('a second STOP keeps everything withdrawn', async () => {
      const res = await send(inbound(phone, 'Stop.'));
      expect(res.status).toBe(200);
      expect(await state(a)).toEqual({ '*': 'withdrawn', tips: 'withdrawn', offers: 'withdrawn' });
    });

    it('START restores exactly the earlier grants (confirmed as they were)', async () => {
      const params = inbound(phone, 'Start');
      const res = await send(params);
      expect(res.status).toBe(200);
      expect(res.text).toContain('вы снова подписаны на SMS');
      // tips was confirmed and offers granted; '*' was never granted for a, so it stays withdrawn
      // and the later topic grants win over it.
      expect(await state(a)).toEqual({ '*': 'withdrawn', tips: 'confirmed', offers: 'granted' });
      expect(await state(b)).toEqual({ '*': 'granted' });
      expect(await state(a, 'email')).toEqual({ tips: 'granted' });
      expect(await smsAllowed(a, 'tips')).toBeNull();
      expect(await smsAllowed(a, 'offers')).toBeNull();
      expect(await smsAllowed(b, 'offers')).toBeNull();
      const rows = await t.db.query(
        `SELECT topic, action, source, confirmed, data,
                (SELECT w.wording FROM consent_wordings w WHERE w.hash = consent_events.wording_hash) AS wording FROM consent_events
         WHERE actor = $1 AND customer_id = $2 ORDER BY id`,
        [`sms:${params.MessageSid}`, a],
      );
      expect(rows).toEqual([
        expect.objectContaining({ topic: 'offers', action: 'grant', confirmed: false }),
        expect.objectContaining({ topic: 'tips', action: 'grant', confirmed: true }),
      ]);
      for (const r of rows) {
        expect(r).toMatchObject({ source: 'sms-keyword', wording: 'Start' });
        expect(r.data).toMatchObject({
          messageSid: params.MessageSid,
          restores: expect.any(String),
        });
      }
    });

    it('a second START changes nothing', async () => {
      const before = await written();
      const res = await send(inbound(phone, 'YES'));
      expect(res.status).toBe(200);
      expect(res.text).toBe(EMPTY);
      expect(await written()).toEqual(before);
    });
  });

  it('a topic withdrawn elsewhere after the STOP is not restored by START', async () => {
    const phone = '+79161230012';
    const id = await subscribed(phone);
    await send(inbound(phone, 'STOP'));
    await consent(id, { channel: 'sms', topic: 'tips', action: 'withdraw', source: 'api' });
    await send(inbound(phone, 'START'));
    expect(await state(id)).toEqual({ '*': 'withdrawn', tips: 'withdrawn', offers: 'granted' });
  });

  it.each(['Stop.', 'СТОП', 'отписаться', 'Отпишите меня!', 'opt out', 'UNSUBSCRIBE'])(
    '%j withdraws SMS consent',
    async (body) => {
      const phone = `+7916124${String(++n).padStart(4, '0')}`;
      const id = await subscribed(phone);
      const res = await send(inbound(phone, body));
      expect(res.status).toBe(200);
      expect(res.text).toContain('<Message>');
      expect(await state(id)).toEqual({ '*': 'withdrawn', tips: 'withdrawn', offers: 'withdrawn' });
      const [row] = await t.db.query(
        `SELECT (SELECT w.wording FROM consent_wordings w WHERE w.hash = consent_events.wording_hash) AS wording, source FROM consent_events WHERE customer_id = $1 AND topic = '*'`,
        [id],
      );
      expect(row).toEqual({ wording: body, source: 'sms-keyword' });
      // The timeline quotes the keyword as written, without its punctuation, nothing more.
      const written = body.replace(/[.!]$/, '');
      const [audit] = await t.db.query(
        `SELECT data FROM audit_events WHERE customer_id = $1 AND type = 'sms.keyword'`,
        [id],
      );
      expect(audit.data).toMatchObject({ keyword: 'stop', written });
      const timeline = await t.admin.get(`/v1/customers/${id}/timeline?locale=ru`);
      const sentences = (timeline.body.items as { sentence: string }[]).map((i) => i.sentence);
      expect(sentences).toContain(`Клиент прислал SMS «${written}»`);
    },
  );

  it.each([
    [
      'ru',
      'помощь',
      'Ромашка &amp; Co: SMS о ваших заказах и новостях. Чтобы отписаться, ответьте СТОП',
    ],
    [
      'en',
      'HELP',
      'Ромашка &amp; Co: text messages about your orders and news. Reply STOP to unsubscribe',
    ],
    ['en', 'info', 'Reply STOP to unsubscribe'],
  ])(
    'HELP replies in the customer locale (%s, %j) and changes nothing',
    async (locale, body, text) => {
      const phone = `+7916125${String(++n).padStart(4, '0')}`;
      const id = await subscribed(phone, locale);
      const before = await written();
      const res = await send(inbound(phone, body));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(res.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>/);
      expect(res.text).toContain(text);
      expect(await written()).toEqual(before);
      expect(await state(id)).toEqual({ tips: 'confirmed', offers: 'granted' });
    },
  );

  it('needs no API key and ignores one', async () => {
    const params = inbound('+79161239999', 'HELP');
    const sig = twilio.getExpectedTwilioSignature(AUTH_TOKEN, URL, params);
    const res = await t.http
      .post('/webhooks/twilio/inbound')
      .type('form')
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .set('X-Twilio-Signature', sig)
      .send(params);
    expect(res.status).toBe(200);
  });

  it('links a STOP to the last SMS sent to that number (audit delivery_id, campaign report)', async () => {
    const phone = '+79161230077';
    const id = await subscribed(phone);
    const campaignId = await aCampaign(t.db, {
      name: 'sms tips',
      templateName: 'tips',
      channels: ['sms', 'email'],
      status: 'completed',
    });
    const deliver = async (step: number, channel: Channel, sentAt: string) => ({
      id: await aDelivery(t.db, {
        campaignId,
        step,
        customerId: id,
        channel,
        templateName: 'tips',
        status: 'sent',
        notBefore: sentAt,
        sentAt,
      }),
    });
    await deliver(0, 'sms', '2026-01-01T10:00:00Z');
    const [last] = await Promise.all([
      deliver(1, 'sms', '2026-02-01T10:00:00Z'),
      deliver(2, 'email', '2026-03-01T10:00:00Z'),
    ]);
    const params = inbound(phone, 'СТОП');
    expect((await send(params)).status).toBe(200);

    const withdrawals = await t.db.query(
      `SELECT delivery_id, data->>'lastDeliveryId' AS last FROM audit_events
        WHERE type = 'consent.withdrawn' AND customer_id = $1`,
      [id],
    );
    expect(withdrawals.length).toBeGreaterThan(0);
    for (const w of withdrawals) expect(w).toEqual({ delivery_id: last.id, last: last.id });
    const [keyword] = await t.db.query(
      `SELECT delivery_id FROM audit_events WHERE type = 'sms.keyword' AND customer_id = $1`,
      [id],
    );
    expect(keyword).toEqual({ delivery_id: last.id });
    const report = await t.admin.get(`/v1/campaigns/${campaignId}/report`);
    expect(report.status).toBe(200);
    expect(report.body.totals.unsubscribes).toBe(1);
  });
});

describe('POST /webhooks/twilio/inbound without Twilio configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('answers 503 with a clear message', async () => {
    const params = { From: '+79161230001', Body: 'STOP', MessageSid: `SM${'0'.repeat(32)}` };
    const res = await t.http
      .post('/webhooks/twilio/inbound')
      .type('form')
      .set(
        'X-Twilio-Signature',
        twilio.getExpectedTwilioSignature(
          'x'.repeat(16),
          'http://tactful.test/webhooks/twilio/inbound',
          params,
        ),
      )
      .send(params);
    expect(res.status).toBe(503);
    expect(res.body.message.join()).toMatch(/Twilio is not configured/);
    expect(Number((await t.db.query('SELECT count(*)::int AS n FROM consent_events'))[0].n)).toBe(
      0,
    );
  });
});

import { ClickLinks } from '../../src/clicks/click-links';
import { ClickTokenService } from '../../src/tokens/click-token.service';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import twilio from 'twilio';
import { LinkTokenService } from '../../src/tokens/link-token.service';
import { WEBHOOK_EVENTS } from '../../src/webhooks/webhook-events';
import {
  createDeliveryApp,
  delivery,
  insertCampaign,
  insertDelivery,
  type DeliveryTestApp,
} from '../delivery/delivery-app';
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../support/smtp';
import { createTopics } from '../support/test-app';

/**
 * Issue 14 item 4: a customer who went through every flow is erased; then every text, varchar and
 * jsonb column of every table (enumerated, so a table added later is covered), the audit export,
 * the timeline and the evidence hold nothing of their name, e-mail or phone.
 */
const PUBLIC_URL = 'http://tactful.test';
const TWILIO_TOKEN = 'test-twilio-auth-token-0123456789';
const NAME = 'Zinaida Privatova';
const EMAIL = 'Zina.Privatova@Example.ORG';
const PHONE_INPUT = '+7 (916) 555-44-77';
const PHONE = '+79165554477';
// Every form of the person's values a careless store could keep, compared lower-case.
const SECRETS = [
  NAME,
  'zinaida',
  'privatova',
  EMAIL,
  'zina.privatova',
  PHONE,
  '79165554477',
  '89165554477',
  '9165554477',
  '916) 555-44-77',
  '555-44-77',
  '5554477',
].map((s) => s.toLowerCase());
const SHARED_WORDING = 'Yes, send me offers by e-mail';
const MAILGUN_KEY = 'key-mailgun-signing-0123456789';

/** Double opt-in confirm: one helper, so the switch to POST /confirm/:token is one line. */
/** Double opt-in as a person does it: the link's page, then its one button (a form POST). */
async function confirmSubscription(t: DeliveryTestApp, path: string): Promise<void> {
  const page = await t.http.get(path).set('User-Agent', `Browser of ${NAME}`);
  expect(page.status).toBe(200);
  const csrf = /name=['"]csrf['"] value=['"]([^'"]+)['"]/.exec(page.text)?.[1];
  const res = await t.http
    .post(path)
    .set('User-Agent', `Browser of ${NAME}`)
    .type('form')
    .send({ csrf });
  expect(res.status).toBe(200);
}

const confirmPath = (mail: ReceivedMail): string => {
  const m = /http:\/\/tactful\.test(\/confirm\/[A-Za-z0-9_.-]+)/.exec(mail.parsed.text ?? '');
  if (!m) throw new Error('no confirmation link in the mail');
  return m[1];
};

const dsn = (vars: Record<string, string>) =>
  Object.entries(vars).reduce(
    (text, [k, v]) => text.replaceAll(`{{${k}}}`, v),
    readFileSync(join(__dirname, '../delivery/fixtures/dsn-hard.eml'), 'utf8'),
  );

/** Every (table, column) of a text-like type in the public schema, from the catalogue. */
async function textColumns(t: DeliveryTestApp): Promise<{ table: string; column: string }[]> {
  return t.db.query(
    `SELECT c.table_name AS table, c.column_name AS column
       FROM information_schema.columns c
       JOIN information_schema.tables tb
         ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
      WHERE c.table_schema = 'public' AND tb.table_type = 'BASE TABLE'
        AND c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json', 'ARRAY', 'inet')
      ORDER BY 1, 2`,
  );
}

/** `table.column: secret` for every stored value that contains a secret. */
async function scanDatabase(t: DeliveryTestApp, secrets: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const { table, column } of await textColumns(t)) {
    const rows: { secret: string }[] = await t.db.query(
      `SELECT s AS secret FROM unnest($1::text[]) AS s
        WHERE EXISTS (SELECT 1 FROM "${table}" WHERE strpos(lower("${column}"::text), s) > 0)`,
      [secrets],
    );
    for (const r of rows) hits.push(`${table}.${column}: ${r.secret}`);
  }
  return hits;
}

const found = (text: string, secrets: string[]) =>
  secrets.filter((s) => text.toLowerCase().includes(s));

describe('erasure leaves nothing personal anywhere', () => {
  let t: DeliveryTestApp;
  let smtp: TestSmtpServer;
  let id: string;
  let other: string;
  let auditor: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createDeliveryApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
        TWILIO_FROM: '+15005550006',
        SEND_MAX_ATTEMPTS: '1',
        MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
      },
    });
    await createTopics(t);
    // An outbound webhook subscribed to everything: every change below is owed to it.
    const hook = await t.admin
      .post('/v1/webhooks')
      .send({ url: 'http://127.0.0.1:9/hooks', events: [...WEBHOOK_EVENTS] });
    expect(hook.status).toBe(201);
    auditor = await t.keyFor('auditor');
    const integration = await t.keyFor('integration');

    // Subscribe and confirm (double opt-in): the wording is the server's own text for the version.
    await t.http
      .post('/v1/subscribe')
      .set('User-Agent', `Browser of ${NAME}`)
      .send({
        email: EMAIL,
        name: NAME,
        topics: ['tips'],
        locale: 'en',
        wordingVersion: 'newsletter-form-2026-01',
      })
      .expect(202);
    const [mail] = await smtp.waitFor(1);
    await confirmSubscription(t, confirmPath(mail));
    [{ id }] = await t.db.query(`SELECT id FROM customers WHERE email = $1`, [EMAIL.toLowerCase()]);
    const patched = await t.admin
      .patch(`/v1/customers/${id}`)
      .send({ phone: PHONE_INPUT, attributes: { note: `${NAME} prefers calls` } });
    expect(patched.status).toBe(200);

    // Consents with evidence: one wording quoting the person, one shared with another customer.
    // Retries carry an Idempotency-Key: the kept answer quotes the evidence it recorded.
    const consent = (customer: string, body: object) =>
      t.admin
        .post(`/v1/customers/${customer}/consents`)
        .set('Idempotency-Key', `consent-${customer}-${JSON.stringify(body).length}`)
        .send({ source: 'web-form', ...body });
    const sms = await consent(id, {
      channel: 'sms',
      topic: 'tips',
      action: 'grant',
      confirmed: true,
      evidence: {
        wording: `SMS to ${PHONE_INPUT} for ${NAME}`,
        wordingVersion: 'sms-1',
        ip: '203.0.113.7',
        userAgent: `App of ${NAME}`,
      },
    });
    expect(sms.status).toBe(201);
    const offers = { channel: 'email', topic: 'offers', action: 'grant' };
    const shared = { wording: SHARED_WORDING, wordingVersion: 'offers-1' };
    expect((await consent(id, { ...offers, evidence: shared })).status).toBe(201);
    const made = await t.admin.post('/v1/customers').send({
      externalId: 'someone-else',
      kind: 'consumer',
      email: 'someone.else@example.net',
    });
    other = made.body.id;
    expect((await consent(other, { ...offers, evidence: shared })).status).toBe(201);

    // Events with free-form data from the CRM (a dozen, in one batch and one by one).
    for (let i = 0; i < 12; i++) {
      const event = await t.admin
        .post('/v1/events')
        .set('Idempotency-Key', `event-${i}`)
        .send({
          type: i % 2 ? 'purchase' : 'engagement',
          customerId: id,
          ...(i % 2 ? { amount: 42 + i, currency: 'RUB' } : { action: 'click' }),
          data: { note: `gift ${i} for ${NAME}, call ${PHONE}`, contact: { email: EMAIL } },
        });
      expect(event.status).toBe(201);
    }

    // An unhappy customer: a follow-up opened, resolved with a note that quotes them, and a new one
    // (opened after the sends below: while it is open, content waits).
    const unhappy = await t.admin
      .post('/v1/events')
      .send({ type: 'satisfaction', customerId: id, score: 1 });
    expect(unhappy.status).toBe(201);
    const [followUp] = await t.db.query(`SELECT id FROM follow_ups WHERE customer_id = $1`, [id]);
    const resolved = await t.admin
      .post(`/v1/follow-ups/${followUp.id}/resolve`)
      .send({ note: `${NAME} called back from ${PHONE_INPUT}` });
    expect(resolved.status).toBe(200);

    // A send refused by SMTP with an answer quoting the address and name (4.x.x: no suppression;
    // one attempt allowed, so it fails) …
    const campaign = await insertCampaign(t, { topic: 'tips' });
    smtp.setResponder((rcpt) => ({
      code: 452,
      message: `4.2.2 <${rcpt}> (${NAME}, ${PHONE_INPUT}): mailbox full`,
    }));
    const failed = await insertDelivery(t, { campaignId: campaign, customerId: id, topic: 'tips' });
    await t.sender.tick();
    expect((await delivery(t, failed)).status).toBe('failed');
    // … and a sent one that bounces later with a DSN quoting them.
    smtp.setResponder(null);
    const bounced = await insertDelivery(t, {
      campaignId: campaign,
      customerId: id,
      topic: 'tips',
      step: 1,
    });
    await t.sender.tick();
    const sent = await delivery(t, bounced);
    expect(sent.status).toBe('sent');
    const report = await t
      .as(integration)
      .post('/webhooks/email/dsn')
      .set('Content-Type', 'message/rfc822')
      .send(
        dsn({
          RECIPIENT: EMAIL,
          STATUS: '5.1.1',
          // A NUL byte too: PostgreSQL cannot store it in text or jsonb.
          DIAGNOSTIC: `550 5.1.1 <${EMAIL}>: mailbox of ${NAME} (${PHONE}) unknown\u0000`,
          MESSAGE_ID: sent.provider_id!,
        }),
      );
    expect(report.status).toBe(200);
    expect((await delivery(t, bounced)).status).toBe('bounced');
    expect(
      (await t.admin.post('/v1/events').send({ type: 'complaint', customerId: id })).status,
    ).toBe(201);
    // The e-mail service's event about the same message, naming the person.
    const timestamp = String(Math.floor(t.clock.now().getTime() / 1000));
    const mgToken = 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0';
    const mailgun = await t.http.post('/webhooks/email/mailgun').send({
      signature: {
        timestamp,
        token: mgToken,
        signature: createHmac('sha256', MAILGUN_KEY)
          .update(timestamp + mgToken)
          .digest('hex'),
      },
      'event-data': {
        event: 'failed',
        severity: 'temporary',
        recipient: EMAIL,
        message: {
          headers: {
            'message-id': sent.provider_id!.replace(/^<|>$/g, ''),
            to: `${NAME} <${EMAIL}>`,
          },
        },
        'delivery-status': {
          code: 452,
          message: `4.2.2 mailbox of ${NAME} full`,
          description: `<${EMAIL}> ${PHONE}`,
        },
      },
    });
    expect(mailgun.status).toBe(200);

    // Outcomes: a tracked link followed from the person's browser keeps only the agent's class.
    const links = await t.app.get(ClickLinks).idsOf(['https://shop.example/spring']);
    const clickToken = t.app
      .get(ClickTokenService)
      .issue({ deliveryId: bounced, linkId: links.get('https://shop.example/spring')! });
    const click = await t.http
      .get(`/r/${clickToken}`)
      .set('User-Agent', `Mozilla/5.0 (Browser of ${NAME}; ${EMAIL})`);
    expect(click.status).toBe(302);

    // SMS STOP from the person's phone.
    const params = {
      AccountSid: `AC${'a'.repeat(32)}`,
      MessageSid: `SM${'1'.repeat(32)}`,
      From: PHONE,
      To: '+15005550006',
      Body: 'STOP',
    };
    const url = `${PUBLIC_URL}/webhooks/twilio/inbound`;
    const stop = await t.http
      .post('/webhooks/twilio/inbound')
      .type('form')
      .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(TWILIO_TOKEN, url, params))
      .send(params);
    expect(stop.status).toBe(200);

    // A preference page save.
    const token = t.app.get(LinkTokenService).issue({
      purpose: 'preferences',
      customerId: id,
      channel: 'email',
      topic: '*',
    });
    const page = await t.http.get(`/p/${token}`);
    expect(page.status).toBe(200);
    // The form as the browser sends it, every shown box ticked (grants on the page).
    const html = page.text;
    const fields: Record<string, string | string[]> = {
      csrf: /name='csrf' value='([^']+)'/.exec(html)?.[1] ?? '',
      action: 'save',
      shown: [...html.matchAll(/name='shown' value='([^']+)'/g)].map((m) => m[1]),
      maxFrequency: 'quarter',
      pausedUntil: '',
    };
    for (const m of html.matchAll(/type='checkbox' id='[^']+' name='([^']+)'/g))
      fields[m[1]] = 'on';
    const saved = await t.http
      .post(`/p/${token}`)
      .set('User-Agent', `Browser of ${NAME}`)
      .type('form')
      .send(fields);
    expect({ status: saved.status, text: saved.status < 400 ? '' : saved.text }).toEqual({
      status: 200,
      text: '',
    });
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('finds the person before the erasure (the scan works)', async () => {
    const hits = await scanDatabase(t, SECRETS);
    expect(hits).toEqual(expect.arrayContaining([`customers.name: ${NAME.toLowerCase()}`]));
    expect(hits.some((h) => h.startsWith('customers.phone'))).toBe(true);
    expect(hits.some((h) => h.startsWith('follow_ups.note'))).toBe(true);
  });

  it('owed the person’s changes to the webhook by id only', async () => {
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM webhook_outbox WHERE payload->>'customerId' = $1`,
      [id],
    );
    expect(n).toBeGreaterThan(5);
  });

  it('never stored diagnostics, consent wording or send errors unmasked in append-only tables', async () => {
    // IP and user agent of the ledger are the one exception erasure may blank (by trigger).
    const hits = (await scanDatabase(t, SECRETS)).filter(
      (h) =>
        /^(audit_events|audit_events_\w+|consent_events)\./.test(h) &&
        !/^consent_events\.(user_agent|ip):/.test(h),
    );
    expect(hits).toEqual([]);
  });

  it('after erasure no column of any table holds the name, e-mail or phone in any form', async () => {
    expect((await t.admin.delete(`/v1/customers/${id}`)).status).toBe(204);
    expect(await scanDatabase(t, SECRETS)).toEqual([]);
  });

  it('keeps the typed facts of the events, without the free-form details', async () => {
    const rows: { type: string; data: Record<string, unknown> }[] = await t.db.query(
      // The dozen with free-form details (the satisfaction and complaint events carry none), the
      // click's engagement aside (checked below).
      `SELECT type, data FROM customer_events
        WHERE customer_id = $1 AND type IN ('purchase', 'engagement')
          AND data->>'action' IS DISTINCT FROM 'clicked' ORDER BY id`,
      [id],
    );
    expect(rows).toHaveLength(12);
    // The counted click's engagement keeps its ids and nothing else.
    const [click] = await t.db.query(
      `SELECT data FROM customer_events WHERE customer_id = $1 AND data->>'action' = 'clicked'`,
      [id],
    );
    expect(Object.keys(click.data).sort()).toEqual(['action', 'campaignId', 'deliveryId']);
    rows.forEach((r, i) =>
      expect(r.data).toEqual(i % 2 ? { amount: 42 + i, currency: 'RUB' } : { action: 'click' }),
    );
  });

  it('keeps the hashed suppressions', async () => {
    const rows = await t.db.query(
      `SELECT address_type, reason FROM suppressions WHERE customer_id = $1 ORDER BY address_type, reason`,
      [id],
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        { address_type: 'email', reason: 'erasure' },
        { address_type: 'phone', reason: 'erasure' },
        { address_type: 'email', reason: 'hard_bounce' },
      ]),
    );
  });

  it('serves nothing personal in the audit export (ndjson and csv), the timeline and the evidence', async () => {
    for (const format of ['ndjson', 'csv']) {
      const res = await t.as(auditor).get(`/v1/audit/export?format=${format}`);
      expect(res.status).toBe(200);
      expect(res.text.length).toBeGreaterThan(500);
      expect(found(res.text, SECRETS)).toEqual([]);
    }
    for (const lang of ['en', 'ru']) {
      const timeline = await t
        .as(auditor)
        .get(`/v1/customers/${id}/timeline?locale=${lang}&limit=1000`);
      expect(timeline.status).toBe(200);
      expect(found(JSON.stringify(timeline.body), SECRETS)).toEqual([]);
    }
    const evidence = await t.as(auditor).get(`/v1/customers/${id}/evidence?format=json`);
    expect(evidence.status).toBe(200);
    expect(found(JSON.stringify(evidence.body), SECRETS)).toEqual([]);
    const html = await t.as(auditor).get(`/v1/customers/${id}/evidence?format=html`);
    expect(html.status).toBe(200);
    expect(found(html.text, SECRETS)).toEqual([]);
  });

  it('keeps the evidence meaningful: the hash of every wording, the text of a shared one', async () => {
    const evidence = await t.as(auditor).get(`/v1/customers/${id}/evidence?format=json`);
    const grants = evidence.body.consents.filter((c: { action: string }) => c.action === 'grant');
    expect(grants.length).toBeGreaterThanOrEqual(3);
    for (const g of grants) expect(g.wordingHash).toMatch(/^[0-9a-f]{64}$/);
    const offers = grants.find((g: { topic: string }) => g.topic === 'offers');
    expect(offers.wording).toBe(SHARED_WORDING);
    const sms = grants.find((g: { channel: string }) => g.channel === 'sms');
    expect(sms.wording).toBeNull();
    // The other customer's evidence still reads the shared wording.
    const theirs = await t.as(auditor).get(`/v1/customers/${other}/evidence?format=json`);
    expect(theirs.body.consents[0].wording).toBe(SHARED_WORDING);
  });
});

import { randomUUID } from 'node:crypto';
import { SubscribeService } from '../../src/subscribe/subscribe.service';
import { ManualClock } from '../support/clock';
import { LinkTokenService } from '../../src/tokens/link-token.service';
import { SETTINGS } from '../../src/common/tokens';
import type { Settings } from '../../src/config/settings';
import { linkNotValidHtml } from '../../src/preferences/link-not-valid';
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../support/smtp';
import { createTestApp, createTopics, type TestApp } from '../support/test-app';

const DAY = 86_400_000;
const UA = 'Mozilla/5.0 (X11; Linux x86_64) subscribe-test';
const ACCEPTED = {
  status: 'accepted',
  message:
    'If this address can receive our e-mail, a confirmation link is on its way. The subscription starts once it is confirmed.',
};
const form = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  topics: ['tips'],
  locale: 'ru',
  wordingVersion: 'newsletter-form-2026-01',
  ...extra,
});
/** The server's own wording for that version (templates/wordings/consent-wordings.json). */
const WORDING = 'Да, я хочу получать письма компании «Ромашка» на темы: Полезные советы.';

const confirmPath = (mail: ReceivedMail): string => {
  const m = /http:\/\/tactful\.test(\/confirm\/[A-Za-z0-9_.-]+)/.exec(mail.parsed.text ?? '');
  if (!m) throw new Error(`no confirmation link in: ${mail.parsed.text}`);
  return m[1];
};

describe('double opt-in: POST /v1/subscribe and GET /confirm/:token', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  const clock = new ManualClock(new Date('2026-11-23T10:00:00.000Z'));

  const subscribe = (body: unknown, ua = UA) =>
    t.http
      .post('/v1/subscribe')
      .set('User-Agent', ua)
      .send(body as object);
  const customerByEmail = async (email: string) =>
    (
      await t.db.query(`SELECT id, kind, name, locale, timezone FROM customers WHERE email = $1`, [
        email,
      ])
    )[0] as { id: string; kind: string; name: string | null; locale: string } | undefined;
  const ledger = async (customerId: string) =>
    t.db.query(
      `SELECT action, source, topic, channel, host(ip) AS ip, user_agent, (SELECT w.wording FROM consent_wordings w WHERE w.hash = consent_events.wording_hash) AS wording, wording_version, actor, data
       FROM consent_events WHERE customer_id = $1 ORDER BY id`,
      [customerId],
    ) as Promise<
      {
        action: string;
        source: string;
        topic: string;
        ip: string | null;
        user_agent: string | null;
        wording: string | null;
        wording_version: string | null;
        actor: string;
        data: Record<string, unknown>;
      }[]
    >;
  const status = async (customerId: string, topic = 'tips') =>
    (
      await t.db.query(
        `SELECT status FROM consent_state WHERE customer_id = $1 AND channel = 'email' AND topic = $2`,
        [customerId, topic],
      )
    )[0]?.status as string | undefined;

  /** What the browser does: open the page, press its one button (a POST with the CSRF field). */
  const confirmVia = async (path: string, ua = 'Confirming browser') => {
    const page = await t.http.get(path).set('User-Agent', ua);
    const csrf = /name='csrf' value='([^']+)'/.exec(page.text)?.[1];
    return t.http.post(path).set('User-Agent', ua).type('form').send({ csrf });
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, COMPANY_NAME: 'Ромашка' }, clock });
    await createTopics(t, {
      tips: { ru: 'Полезные советы', en: 'Useful tips' },
      offers: { ru: 'Скидки', en: 'Offers' },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('keeps an unknown address as a request only, e-mails a 7-day link, and creates the customer with the grant at confirmation', async () => {
    const before = smtp.messages.length;
    const res = await subscribe(form('new.reader@example.ru', { name: 'Анна' }));
    expect(res.status).toBe(202);
    expect(res.body).toEqual(ACCEPTED);

    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail.to).toEqual(['new.reader@example.ru']);
    expect(mail.parsed.subject).toBe('Подтвердите подписку — Ромашка');
    expect(mail.parsed.text).toContain('Полезные советы');
    expect(mail.parsed.html).toContain(confirmPath(mail));
    expect(await customerByEmail('new.reader@example.ru')).toBeUndefined();

    expect((await confirmVia(confirmPath(mail))).status).toBe(200);
    const customer = await customerByEmail('new.reader@example.ru');
    expect(customer).toMatchObject({ kind: 'consumer', name: 'Анна', locale: 'ru' });
    const events = await ledger(customer!.id);
    expect(events.map((e) => e.action)).toEqual(['grant', 'confirm']);
    expect(events[0]).toMatchObject({
      action: 'grant',
      source: 'double-opt-in',
      topic: 'tips',
      ip: expect.stringMatching(/127\.0\.0\.1$/),
      user_agent: UA,
      wording: WORDING,
      wording_version: 'newsletter-form-2026-01',
      actor: 'customer',
    });
    expect(await status(customer!.id)).toBe('confirmed');
    // The address and the form's evidence now live in the customer and the ledger only.
    const [request] = await t.db.query(
      `SELECT email, name, ip, user_agent FROM subscription_requests WHERE customer_id = $1`,
      [customer!.id],
    );
    expect(request).toEqual({ email: null, name: null, ip: null, user_agent: null });
  });

  it('confirms through the page’s button with IP and user agent, shows a thank-you page, and a replay changes nothing', async () => {
    const before = smtp.messages.length;
    await subscribe(form('confirm.me@example.ru', { topics: ['tips', 'offers'] })).expect(202);
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    const path = confirmPath(mail);

    const page = await confirmVia(path);
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('Спасибо, подписка подтверждена');
    expect(page.text).toContain('Полезные советы');
    expect(page.text).toMatch(/href=['"]\/p\/[A-Za-z0-9_.-]+['"]/);
    expect(page.headers['cache-control']).toBe('no-store');
    const customer = (await customerByEmail('confirm.me@example.ru'))!;
    expect(await status(customer.id, 'tips')).toBe('confirmed');
    expect(await status(customer.id, 'offers')).toBe('confirmed');
    const confirms = (await ledger(customer.id)).filter((e) => e.action === 'confirm');
    expect(confirms).toHaveLength(2);
    expect(confirms[0]).toMatchObject({
      source: 'double-opt-in',
      user_agent: 'Confirming browser',
      ip: expect.stringMatching(/127\.0\.0\.1$/),
    });

    const replay = await t.http.get(path);
    expect(replay.status).toBe(200);
    expect(replay.text).toContain('Спасибо, подписка подтверждена');
    expect(await ledger(customer.id)).toHaveLength(4); // 2 grants + 2 confirms, nothing more
  });

  it('gives every address the same answer and mails only where a confirmation is due', async () => {
    // A known, already confirmed customer.
    const known = await t.admin.post('/v1/customers').send({
      externalId: 'crm-known',
      kind: 'consumer',
      email: 'known@example.ru',
      locale: 'ru',
    });
    await t.admin
      .post(`/v1/customers/${known.body.id}/consents`)
      .send({
        channel: 'email',
        topic: 'tips',
        action: 'grant',
        source: 'web-form',
        confirmed: true,
        evidence: { wording: 'Да', wordingVersion: 'v1' },
      })
      .expect(201);
    // A suppressed address (never a customer here).
    await t.admin
      .post('/v1/suppressions')
      .send({ email: 'blocked@example.ru', reason: 'do_not_contact' })
      .expect(201);

    const before = smtp.messages.length;
    const answers = await Promise.all(
      ['known@example.ru', 'blocked@example.ru', 'KNOWN@example.ru', 'fresh@example.ru'].map(
        (email) => subscribe(form(email)),
      ),
    );
    for (const a of answers) {
      expect(a.status).toBe(202);
      expect(a.body).toEqual(ACCEPTED);
      expect(Object.keys(a.headers).sort()).toEqual(Object.keys(answers[0].headers).sort());
    }
    const mails = (await smtp.waitFor(before + 1)).slice(before);
    await t.app.get(SubscribeService).drain();
    await new Promise((r) => setTimeout(r, 300)); // nothing else arrives
    expect(smtp.messages.slice(before).map((m) => m.to[0])).toEqual(['fresh@example.ru']);
    expect(mails).toHaveLength(1);
    expect(await customerByEmail('blocked@example.ru')).toBeUndefined();
    expect(await ledger(known.body.id)).toHaveLength(1); // no new grant over a confirmed one
    const outcomes = await t.db.query(
      `SELECT outcome, count(*)::int AS n FROM subscription_requests GROUP BY outcome ORDER BY outcome`,
    );
    expect(outcomes).toEqual(
      expect.arrayContaining([
        { outcome: 'already_confirmed', n: 2 },
        { outcome: 'suppressed', n: 1 },
      ]),
    );
  });

  it('limits confirmation e-mails per address without telling', async () => {
    const before = smtp.messages.length;
    for (let i = 0; i < 5; i++) {
      const res = await subscribe(form('eager@example.ru'));
      expect(res.status).toBe(202);
      expect(res.body).toEqual(ACCEPTED);
    }
    await smtp.waitFor(before + 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages.slice(before).filter((m) => m.to[0] === 'eager@example.ru')).toHaveLength(
      3,
    );
    // A day later the address may ask again.
    clock.advance(DAY + 1000);
    await subscribe(form('eager@example.ru')).expect(202);
    await smtp.waitFor(before + 4);
  });

  it('names each bad field', async () => {
    const empty = await subscribe({});
    expect(empty.status).toBe(400);
    const messages = (empty.body.message as string[]).join('\n');
    for (const field of ['email', 'topics', 'locale', 'wordingVersion'])
      expect(messages).toMatch(new RegExp(`^${field} `, 'm'));

    const bad = await subscribe(form('not-an-address', { locale: 'de', topics: ['tips', 'Nope'] }));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(
      expect.arrayContaining([
        'email must be an e-mail address',
        'locale must be one of ru, en',
        'topics must contain topic keys such as tips',
      ]),
    );
    const unknown = await subscribe(form('a@example.ru', { topics: ['tips', 'missing'] }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toEqual(['topics[1] "missing" is not a known topic']);
    const extra = await subscribe(form('a@example.ru', { admin: true }));
    expect(extra.status).toBe(400);
    expect(extra.body.message).toEqual(['property admin should not exist']);
  });

  it('refuses an oversize body', async () => {
    const res = await subscribe(form('big@example.ru', { wording: 'x'.repeat(1100 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.body.message).toEqual(['request body is larger than the limit']);
    const long = await subscribe(form('big@example.ru', { name: 'x'.repeat(201) }));
    expect(long.status).toBe(400);
    expect(long.body.message).toEqual(['name must be at most 200 characters']);
  });

  describe('bad confirmation links get the plain 404 page', () => {
    let path: string;
    const nothingRecorded = async () =>
      expect(await customerByEmail('links@example.ru')).toBeUndefined();
    beforeAll(async () => {
      const before = smtp.messages.length;
      await subscribe(form('links@example.ru')).expect(202);
      path = confirmPath((await smtp.waitFor(before + 1))[before]);
    });

    const expectNotFound = async (p: string) => {
      const res = await t.http.get(p);
      expect(res.status).toBe(404);
      expect(res.text).toBe(linkNotValidHtml('en', t.app.get<Settings>(SETTINGS).company));
      const posted = await t.http.post(p).type('form').send({ csrf: 'x' });
      expect(posted.status).toBe(404);
    };

    it('tampered, truncated or of another purpose', async () => {
      const token = path.slice('/confirm/'.length);
      const [kid, body, sig] = token.split('.');
      const flipped = sig.slice(0, -2) + (sig.endsWith('AA') ? 'BA' : 'AA');
      await expectNotFound(`/confirm/${kid}.${body}.${flipped}`);
      await expectNotFound(`/confirm/${token.slice(0, -5)}`);
      await expectNotFound(`/confirm/${kid}.${body}`);
      await expectNotFound('/confirm/x');
      const tokens = t.app.get(LinkTokenService);
      const customerId = randomUUID();
      const prefs = tokens.issue({
        purpose: 'preferences',
        customerId,
        channel: 'email',
        topic: '*',
      });
      await expectNotFound(`/confirm/${prefs}`);
      // A genuine confirm token that names no subscription request.
      const orphan = tokens.issue({ purpose: 'confirm', customerId, channel: 'email', topic: '*' });
      await expectNotFound(`/confirm/${orphan}`);
      await nothingRecorded();
    });

    it('expired after 7 days', async () => {
      clock.advance(7 * DAY + 1000);
      await expectNotFound(path);
      await nothingRecorded();
    });
  });

  it('sends the English e-mail for an English form and escapes the topic title', async () => {
    await t.admin
      .patch('/v1/topics/offers')
      .send({ title: { ru: 'Скидки', en: '<b>Deals</b> & more' } })
      .expect(200);
    const before = smtp.messages.length;
    await subscribe(form('english@example.com', { locale: 'en', topics: ['offers'] })).expect(202);
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail.parsed.subject).toBe('Please confirm your subscription — Ромашка');
    expect(mail.parsed.html).toContain('&lt;b&gt;Deals&lt;/b&gt; &amp; more');
    expect(mail.parsed.html).not.toContain('<b>Deals</b>');
    expect(mail.parsed.text).toContain('- <b>Deals</b> & more');
    expect(mail.parsed.text).toMatch(/^Hello,\n/);
  });
});

describe('double opt-in rate limit per IP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { PUBLIC_RATE_LIMIT: '3' } });
    await createTopics(t);
  });
  afterAll(() => t.close());

  it('answers 429 once an IP has used its requests, whatever the address', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++)
      codes.push((await t.http.post('/v1/subscribe').send(form(`ip${i}@example.ru`))).status);
    expect(codes).toEqual([202, 202, 202, 429, 429]);
  });

  it('writes the confirmation to the outbox folder when no SMTP server is configured', async () => {
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    // The e-mail is written after the answer (its timing must not tell anything).
    const list = () => readdirSync(join(t.settings.dataDir, 'outbox'));
    for (let i = 0; i < 50 && list().length < 6; i++) await new Promise((r) => setTimeout(r, 100));
    const files = list();
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(3);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(3);
  });
});

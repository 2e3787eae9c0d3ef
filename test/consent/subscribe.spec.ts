import { ManualClock } from '../support/clock';
import { LinkTokenService } from '../../src/tokens/link-token.service';
import { NOT_FOUND_HTML } from '../../src/unsubscribe/unsubscribe.service';
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
  wordingVersion: 'form-2026-11',
  wording: 'Да, присылайте мне полезные советы раз в месяц',
  ...extra,
});

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

  it('creates an unknown customer, records the grant with its evidence and e-mails a 7-day link', async () => {
    const before = smtp.messages.length;
    const res = await subscribe(form('new.reader@example.ru', { name: 'Анна' }));
    expect(res.status).toBe(202);
    expect(res.body).toEqual(ACCEPTED);

    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail.to).toEqual(['new.reader@example.ru']);
    expect(mail.parsed.subject).toBe('Подтвердите подписку — Ромашка');
    expect(mail.parsed.text).toContain('Полезные советы');
    expect(mail.parsed.html).toContain(confirmPath(mail));

    const customer = await customerByEmail('new.reader@example.ru');
    expect(customer).toMatchObject({ kind: 'consumer', name: 'Анна', locale: 'ru' });
    const events = await ledger(customer!.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'grant',
      source: 'double-opt-in',
      topic: 'tips',
      ip: expect.stringMatching(/127\.0\.0\.1$/),
      user_agent: UA,
      wording: 'Да, присылайте мне полезные советы раз в месяц',
      wording_version: 'form-2026-11',
      actor: 'customer',
    });
    expect(await status(customer!.id)).toBe('granted');
  });

  it('confirms through the link with IP and user agent, shows a thank-you page, and a replay changes nothing', async () => {
    const before = smtp.messages.length;
    await subscribe(form('confirm.me@example.ru', { topics: ['tips', 'offers'] })).expect(202);
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    const path = confirmPath(mail);
    const customer = (await customerByEmail('confirm.me@example.ru'))!;

    const page = await t.http.get(path).set('User-Agent', 'Confirming browser');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('Спасибо, подписка подтверждена');
    expect(page.text).toContain('Полезные советы');
    expect(page.text).toMatch(/href=['"]\/p\/[A-Za-z0-9_.-]+['"]/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(await status(customer.id, 'tips')).toBe('confirmed');
    expect(await status(customer.id, 'offers')).toBe('confirmed');
    const confirms = (await ledger(customer.id)).filter((e) => e.action === 'confirm');
    expect(confirms).toHaveLength(2);
    expect(confirms[0]).toMatchObject({
      source: 'double-opt-in',
      user_agent: 'Confirming browser',
      ip: expect.stringMatching(/127\.0\.0\.1$/),
    });

    const replay = await t.http.get(path).set('User-Agent', 'Confirming browser');
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
    const long = await subscribe(form('big@example.ru', { wording: 'x'.repeat(5001) }));
    expect(long.status).toBe(400);
    expect(long.body.message).toEqual(['wording must be at most 5000 characters']);
  });

  describe('bad confirmation links get the plain 404 page', () => {
    let path: string;
    let customerId: string;
    beforeAll(async () => {
      const before = smtp.messages.length;
      await subscribe(form('links@example.ru')).expect(202);
      path = confirmPath((await smtp.waitFor(before + 1))[before]);
      customerId = (await customerByEmail('links@example.ru'))!.id;
    });

    const expectNotFound = async (p: string) => {
      const res = await t.http.get(p);
      expect(res.status).toBe(404);
      expect(res.text).toBe(NOT_FOUND_HTML);
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
      expect(await status(customerId)).toBe('granted');
    });

    it('expired after 7 days', async () => {
      clock.advance(7 * DAY + 1000);
      await expectNotFound(path);
      expect(await status(customerId)).toBe('granted');
    });
  });

  it('does not confirm a grant withdrawn before the link was opened', async () => {
    const before = smtp.messages.length;
    await subscribe(form('changed.mind@example.ru')).expect(202);
    const path = confirmPath((await smtp.waitFor(before + 1))[before]);
    const customer = (await customerByEmail('changed.mind@example.ru'))!;
    await t.admin
      .post(`/v1/customers/${customer.id}/consents`)
      .send({ channel: 'email', topic: 'tips', action: 'withdraw', source: 'api' })
      .expect(201);
    const page = await t.http.get(path);
    expect(page.status).toBe(200);
    expect(await status(customer.id)).toBe('withdrawn');
    expect((await ledger(customer.id)).map((e) => e.action)).toEqual(['grant', 'withdraw']);
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

import { Clock } from '../../src/common/clock';
import { LinkTokenService } from '../../src/tokens/link-token.service';
import { createTestApp, TestApp, createTopics } from '../support/test-app';

const MAILBOX_UA = 'Mozilla/5.0 (compatible; GoogleImageProxy; one-click unsubscribe)';

describe('one-click unsubscribe /u/:token (RFC 8058)', () => {
  let t: TestApp;
  let tokens: LinkTokenService;
  let anna: string;
  let john: string;

  const evidence = {
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
    wording: 'Да, присылайте мне полезные советы раз в месяц',
    wordingVersion: 'tips-2026-01',
  };

  const newCustomer = async (externalId: string, locale: string, name: string) => {
    const res = await t.admin.post('/v1/customers').send({
      externalId,
      kind: 'consumer',
      name,
      email: `${externalId}@example.ru`,
      locale,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const grant = async (customerId: string, topic: string) => {
    const res = await t.admin.post(`/v1/customers/${customerId}/consents`).send({
      channel: 'email',
      topic,
      action: 'grant',
      source: 'web-form',
      confirmed: true,
      evidence,
    });
    expect(res.status).toBe(201);
  };
  const state = async (customerId: string, topic: string) => {
    const res = await t.admin.get(`/v1/customers/${customerId}/consents`);
    expect(res.status).toBe(200);
    return (
      res.body.state as { channel: string; topic: string; status: string; since: string }[]
    ).find((s) => s.channel === 'email' && s.topic === topic);
  };
  const ledger = async (customerId: string) =>
    (await t.admin.get(`/v1/customers/${customerId}/consents`)).body.ledger as {
      action: string;
      source: string;
      actor: string;
      topic: string;
      evidence: { ip: string | null; userAgent: string | null; wording: string | null };
      data: Record<string, unknown>;
    }[];
  const unsubscribeToken = (customerId: string, topic: string, deliveryId?: string) =>
    tokens.issue({ purpose: 'unsubscribe', customerId, channel: 'email', topic, deliveryId });
  /** Exactly what a mailbox provider sends: no cookie, no login, a form body. */
  const oneClick = (token: string) =>
    t.http
      .post(`/u/${token}`)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set('User-Agent', MAILBOX_UA)
      .send('List-Unsubscribe=One-Click');

  beforeAll(async () => {
    t = await createTestApp();
    tokens = t.app.get(LinkTokenService);
    await createTopics(t, {
      tips: { ru: 'Полезные советы', en: 'Useful tips' },
      offers: { ru: 'Акции', en: 'Offers' },
    });
    anna = await newCustomer('crm-unsub-anna', 'ru', 'Анна <script>alert(1)</script>');
    john = await newCustomer('crm-unsub-john', 'en', 'John & "Co"');
    for (const c of [anna, john]) {
      await grant(c, 'tips');
      await grant(c, 'offers');
    }
  });
  afterAll(() => t.close());

  it('GET shows a Russian confirmation page with a one-click form and changes nothing', async () => {
    const token = unsubscribeToken(anna, 'tips');
    const before = await ledger(anna);
    const res = await t.http.get(`/u/${token}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).toMatch(/^<!doctype html>\s*<html lang=["']ru["']>/);
    expect(res.text).toContain('Отписаться');
    expect(res.text).toContain('Полезные советы');
    expect(res.text).toContain(`<form method='post' action='/u/${token}'>`);
    expect(res.text).toMatch(/name=["']List-Unsubscribe["']\s+value=["']One-Click["']/);
    // The customer's name is escaped, never markup.
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('Анна &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(await ledger(anna)).toEqual(before);
    expect((await state(anna, 'tips'))?.status).toBe('confirmed');
  });

  it('GET shows the page in English for an English-speaking customer', async () => {
    const res = await t.http.get(`/u/${unsubscribeToken(john, 'offers')}`);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^<!doctype html>\s*<html lang=["']en["']>/);
    expect(res.text).toContain('Unsubscribe');
    expect(res.text).toContain('Offers');
    expect(res.text).toContain('John &amp; &quot;Co&quot;');
    expect((await state(john, 'offers'))?.status).toBe('confirmed');
  });

  it('POST as a mailbox provider: 200, no redirect, no cookie; withdrawn with evidence and the delivery in the audit', async () => {
    const deliveryId = '6f1c2b9e-8d4a-4f3b-9c2e-1a2b3c4d5e6f';
    const res = await oneClick(unsubscribeToken(anna, 'tips', deliveryId));
    expect(res.status).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text.length).toBeLessThan(100);
    expect((await state(anna, 'tips'))?.status).toBe('withdrawn');
    expect((await state(anna, 'offers'))?.status).toBe('confirmed');
    const last = (await ledger(anna)).at(-1);
    expect(last).toMatchObject({
      action: 'withdraw',
      topic: 'tips',
      source: 'one-click',
      actor: 'customer',
      evidence: {
        ip: expect.stringMatching(/127\.0\.0\.1|::1/),
        userAgent: MAILBOX_UA,
        wording: null,
      },
      data: { deliveryId },
    });
    const audit = await t.db.query(
      `SELECT customer_id, delivery_id, channel, actor, data FROM audit_events
       WHERE type = 'consent.withdrawn' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit).toEqual([
      {
        customer_id: anna,
        delivery_id: deliveryId,
        channel: 'email',
        actor: 'customer',
        data: expect.objectContaining({ topic: 'tips', source: 'one-click', deliveryId }),
      },
    ]);
  });

  it('repeating the POST is harmless: 200 again, still withdrawn since the first time', async () => {
    const token = unsubscribeToken(anna, 'tips');
    const since = (await state(anna, 'tips'))?.since;
    const again = await oneClick(token);
    expect(again.status).toBe(200);
    expect(await state(anna, 'tips')).toMatchObject({ status: 'withdrawn', since });
  });

  it('accepts the field as multipart/form-data too', async () => {
    const res = await t.http
      .post(`/u/${unsubscribeToken(john, 'offers')}`)
      .field('List-Unsubscribe', 'One-Click');
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await state(john, 'offers'))?.status).toBe('withdrawn');
    expect((await state(john, 'tips'))?.status).toBe('confirmed');
  });

  it('accepts a hand-written multipart body with a quoted boundary', async () => {
    const boundary = '----=_Part_0_12345';
    const body =
      `preamble\r\n--${boundary}\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n` +
      `--${boundary}--\r\n`;
    const res = await t.http
      .post(`/u/${unsubscribeToken(john, 'tips')}`)
      .set('Content-Type', `multipart/form-data; boundary="${boundary}"`)
      .send(body);
    expect(res.status).toBe(200);
    expect((await state(john, 'tips'))?.status).toBe('withdrawn');
  });

  it('the page button (a browser form post) gets a page back, still 200 without redirect', async () => {
    const res = await t.http
      .post(`/u/${unsubscribeToken(anna, 'offers')}`)
      .set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8')
      .type('form')
      .send({ 'List-Unsubscribe': 'One-Click' });
    expect(res.status).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('Вы отписаны');
    expect((await state(anna, 'offers'))?.status).toBe('withdrawn');
  });

  it('a POST without List-Unsubscribe=One-Click is 400 and changes nothing', async () => {
    const fresh = await newCustomer('crm-unsub-fresh', 'en', 'Fresh');
    await grant(fresh, 'tips');
    const token = unsubscribeToken(fresh, 'tips');
    const before = await ledger(fresh);
    const cases = [
      t.http.post(`/u/${token}`),
      t.http.post(`/u/${token}`).type('form').send('List-Unsubscribe=Yes'),
      t.http.post(`/u/${token}`).type('form').send('unsubscribe=One-Click'),
      t.http.post(`/u/${token}`).field('List-Unsubscribe', 'no'),
      t.http.post(`/u/${token}`).send({ 'List-Unsubscribe': 'One-Click' }),
    ];
    for (const res of await Promise.all(cases)) expect(res.status).toBe(400);
    expect(await ledger(fresh)).toEqual(before);
    expect((await state(fresh, 'tips'))?.status).toBe('confirmed');
  });

  it('forged, tampered, truncated, expired and wrong-purpose tokens get the same plain 404 page', async () => {
    const fresh = await newCustomer('crm-unsub-victim', 'ru', 'Victim');
    await grant(fresh, 'tips');
    const good = unsubscribeToken(fresh, 'tips');
    const [kid, body, sig] = good.split('.');
    const flip = (s: string, at: number) =>
      s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    const everything = Buffer.from(
      Buffer.from(body, 'base64url').toString('utf8').replace('"tips"', '"*"'),
    ).toString('base64url');
    const epoch = new (class extends Clock {
      now = () => new Date('2020-01-01T00:00:00Z');
    })();
    const forger = new LinkTokenService(
      { secret: 'f'.repeat(40), previousSecrets: [] },
      t.app.get(Clock),
    );
    const bad = [
      `${kid}.${everything}.${sig}`,
      `${kid}.${flip(body, 10)}.${sig}`,
      `${kid}.${body}.${flip(sig, 5)}`,
      good.slice(0, -3),
      good.slice(0, 20),
      `${kid}.${body}`,
      tokens.issue(
        { purpose: 'unsubscribe', customerId: fresh, channel: 'email', topic: 'tips' },
        { ttlMs: -1000 },
      ),
      new LinkTokenService({ secret: t.settings.secret, previousSecrets: [] }, epoch).issue(
        { purpose: 'unsubscribe', customerId: fresh, channel: 'email', topic: 'tips' },
        { ttlMs: 60 * 86_400_000 },
      ),
      tokens.issue({ purpose: 'preferences', customerId: fresh, channel: 'email', topic: 'tips' }),
      tokens.issue({ purpose: 'confirm', customerId: fresh, channel: 'email', topic: 'tips' }),
      forger.issue({ purpose: 'unsubscribe', customerId: fresh, channel: 'email', topic: 'tips' }),
      'not-a-token',
    ];
    const bodies = new Set<string>();
    for (const token of bad) {
      for (const res of [
        await t.http.get(`/u/${token}`),
        await t.http
          .post(`/u/${token}`)
          .set('Content-Type', 'application/x-www-form-urlencoded')
          .send('List-Unsubscribe=One-Click'),
      ]) {
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.headers['set-cookie']).toBeUndefined();
        bodies.add(res.text);
      }
    }
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).not.toMatch(/expired|signature|purpose|token|customer/i);
    expect((await state(fresh, 'tips'))?.status).toBe('confirmed');
    // The genuine token still works.
    expect((await oneClick(good)).status).toBe(200);
    expect((await state(fresh, 'tips'))?.status).toBe('withdrawn');
  });
});

import { FRESH_LINKS_PER_ADDRESS_PER_DAY } from '../../src/preferences/fresh-link.service';
import { LinkTokenService } from '../../src/tokens/link-token.service';
import { ManualClock } from '../support/clock';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { createTestApp, type TestApp } from '../support/test-app';

const DAY = 86_400_000;

/** Waits until the background send has had its chance (the answer does not wait for it). */
const settle = () => new Promise((r) => setTimeout(r, 400));

describe('the link-not-valid page and a fresh preference link by e-mail', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  const clock = new ManualClock(new Date('2026-11-23T10:00:00.000Z'));

  const ask = (email: string, lang = 'en') =>
    t.http.post('/links/new').set('Accept-Language', lang).type('form').send({ email });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({
      clock,
      env: { COMPANY_NAME: 'Ромашка', SMTP_URL: smtp.url, PUBLIC_URL: 'https://shop.example' },
    });
    await t.admin
      .post('/v1/customers')
      .send({
        externalId: 'fresh-1',
        kind: 'consumer',
        email: 'olga@mail.example',
        name: 'Ольга',
        locale: 'ru-RU',
      })
      .expect(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('an expired link gets the page in the language asked for, with the company and a form', async () => {
    const expired = t.app
      .get(LinkTokenService)
      .issue(
        { purpose: 'preferences', customerId: crypto.randomUUID(), channel: 'email', topic: '*' },
        { ttlMs: -1000 },
      );
    const ru = await t.http.get(`/p/${expired}`).set('Accept-Language', 'ru-RU,ru;q=0.9,en;q=0.8');
    expect(ru.status).toBe(404);
    expect(ru.headers['cache-control']).toBe('no-store');
    expect(ru.text).toContain("<html lang='ru'>");
    expect(ru.text).toContain('Эта ссылка больше не работает');
    expect(ru.text).toContain('Ромашка');
    expect(ru.text).toContain("action='/links/new'");
    const en = await t.http.get(`/u/${expired}`).set('Accept-Language', 'en-GB,ru;q=0.3');
    expect(en.text).toContain("<html lang='en'>");
    expect(en.text).toContain('This link no longer works');
    // No preference: English; a quality of 0 refuses a language.
    expect((await t.http.get(`/confirm/${expired}`)).text).toContain("<html lang='en'>");
    const refused = await t.http.get(`/p/${expired}`).set('Accept-Language', 'ru;q=0, en');
    expect(refused.text).toContain("<html lang='en'>");
  });

  it('sends a fresh link to an address on file and answers the same for one that is not', async () => {
    const known = await ask('OLGA@mail.example ', 'ru');
    expect(known.status).toBe(200);
    const unknown = await ask('nobody@mail.example', 'ru');
    expect(unknown.status).toBe(200);
    expect(unknown.text).toBe(known.text);
    expect(known.text).toContain('Если этот адрес у нас есть');
    const [mail] = await smtp.waitFor(1);
    await settle();
    expect(smtp.messages).toHaveLength(1);
    expect(mail.to).toEqual(['olga@mail.example']);
    expect(mail.parsed.subject).toBe('Ссылка на настройки рассылок — Ромашка');
    const url = /https:\/\/shop\.example(\/p\/[A-Za-z0-9_.-]+)/.exec(mail.parsed.text ?? '')?.[1];
    expect(url).toBeDefined();
    const page = await t.http.get(url!);
    expect(page.status).toBe(200);
  });

  it(`sends at most ${FRESH_LINKS_PER_ADDRESS_PER_DAY} a day to one address, then again the next day`, async () => {
    const before = smtp.messages.length;
    for (let i = 0; i < FRESH_LINKS_PER_ADDRESS_PER_DAY + 3; i++)
      expect((await ask('olga@mail.example')).status).toBe(200);
    await settle();
    // One was already sent by the previous test today.
    expect(smtp.messages.length - before).toBe(FRESH_LINKS_PER_ADDRESS_PER_DAY - 1);
    clock.advance(DAY + 1000);
    await ask('olga@mail.example').expect(200);
    await smtp.waitFor(before + FRESH_LINKS_PER_ADDRESS_PER_DAY);
  });

  it('refuses what is not an address with a message on the field; NUL bytes and huge input are 400s', async () => {
    const before = smtp.messages.length;
    for (const bad of ['', 'olga', 'a@b', `${'x'.repeat(400)}@mail.example`]) {
      const res = await ask(bad);
      expect(res.status).toBe(400);
      expect(res.text).toContain("aria-invalid='true'");
      expect(res.text).toContain('Enter an e-mail address');
    }
    expect((await ask('olga\u0000@mail.example')).status).toBe(400);
    const json = await t.http.post('/links/new').send({ email: 'olga@mail.example' });
    expect(json.status).toBe(400);
    await settle();
    expect(smtp.messages.length).toBe(before);
  });
});

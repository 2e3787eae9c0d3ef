import { ManualClock } from '../support/clock';
import { LinkTokenService } from '../../src/tokens/link-token.service';
import { SETTINGS } from '../../src/common/tokens';
import type { Settings } from '../../src/config/settings';
import { linkNotValidHtml } from '../../src/preferences/link-not-valid';
import { createTestApp, createTopics, type TestApp } from '../support/test-app';
import { consentStates, grantConfirmed } from '../support/consent-steps';

const DAY = 86_400_000;
const UA = 'Mozilla/5.0 (iPhone) preferences-test';
const csrfOf = (html: string) => /name='csrf' value='([^']+)'/.exec(html)?.[1] ?? '';

describe('preference page /p/:token', () => {
  let t: TestApp;
  let tokens: LinkTokenService;
  const clock = new ManualClock(new Date('2026-11-23T10:00:00.000Z'));
  let anna: string;
  let john: string;

  const newCustomer = async (body: Record<string, unknown>) => {
    const res = await t.admin.post('/v1/customers').send({ kind: 'consumer', ...body });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const grant = (id: string, channel: string, topic: string) =>
    grantConfirmed(t, id, channel, topic);
  const link = (customerId: string) =>
    `/p/${tokens.issue({ purpose: 'preferences', customerId, channel: 'email', topic: '*' })}`;
  const state = (id: string) => consentStates(t.db, id);
  const counts = async (id: string) =>
    (
      await t.db.query(
        `SELECT (SELECT count(*)::int FROM consent_events WHERE customer_id = $1) AS consents,
                (SELECT count(*)::int FROM audit_events WHERE customer_id = $1) AS audit,
                (SELECT count(*)::int FROM customer_preferences WHERE customer_id = $1) AS prefs`,
        [id],
      )
    )[0] as { consents: number; audit: number; prefs: number };
  const post = (path: string, fields: Record<string, string | string[]>) =>
    t.http.post(path).set('User-Agent', UA).type('form').send(fields);
  /** The form as the browser would send it from the page, with some fields changed. */
  const formOf = (html: string, changes: Record<string, string | null>) => {
    const fields: Record<string, string | string[]> = { csrf: csrfOf(html), action: 'save' };
    fields.shown = [...html.matchAll(/name='shown' value='([^']+)'/g)].map((m) => m[1]);
    for (const m of html.matchAll(/name='([^']+)'\s+value='on'\s+checked/g)) fields[m[1]] = 'on';
    const freq = /name='maxFrequency'\s+value='([^']+)'\s+checked/.exec(html);
    if (freq) fields.maxFrequency = freq[1];
    fields.pausedUntil = /name='pausedUntil'\s+value='([^']*)'/.exec(html)?.[1] ?? '';
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete fields[k];
      else fields[k] = v;
    }
    return fields;
  };

  beforeAll(async () => {
    t = await createTestApp({ clock, env: { COMPANY_NAME: 'Ромашка' } });
    tokens = t.app.get(LinkTokenService);
    await createTopics(t, {
      tips: { ru: 'Полезные <b>советы</b>', en: 'Useful tips' },
      offers: { ru: 'Скидки', en: 'Offers' },
    });
    anna = await newCustomer({
      externalId: 'anna',
      name: '<script>alert("x")</script> Анна',
      email: 'anna@example.ru',
      phone: '+79161234567',
      locale: 'ru',
      timezone: 'Europe/Moscow',
    });
    john = await newCustomer({
      externalId: 'john',
      name: 'John',
      email: 'john@example.com',
      locale: 'en',
    });
    await grant(anna, 'email', 'tips');
    await grant(anna, 'sms', 'tips');
    await grant(john, 'email', '*');
  });
  afterAll(() => t.close());

  it('shows topics, channels, frequency and pause in Russian, escapes HTML, and changes nothing', async () => {
    const before = await counts(anna);
    const res = await t.http.get(link(anna));
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/html');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("form-action 'self'");
    const html = res.text;
    expect(html).toContain("<html lang='ru'>");
    expect(html).toContain('Настройки рассылки');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Анна');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Полезные &lt;b&gt;советы&lt;/b&gt;');
    expect(html).toMatch(/name='topic:tips:email'\s+value='on'\s+checked/);
    expect(html).toMatch(/name='topic:tips:sms'\s+value='on'\s+checked/);
    expect(html).toMatch(/name='topic:offers:email'\s+value='on'\s+\/>/);
    expect(html).not.toContain('topic:tips:voice'); // consumers are never called
    expect(html).toContain('раз в квартал');
    expect(html).toContain('Отписаться от всего');
    // Every visible control has a label.
    const ids = [...html.matchAll(/<input\s+type='(?:checkbox|radio|date)'\s+id='([^']+)'/g)].map(
      (m) => m[1],
    );
    expect(ids.length).toBeGreaterThanOrEqual(10);
    for (const id of ids) expect(html).toContain(`for='${id}'`);
    expect(await counts(anna)).toEqual(before);
  });

  it('shows the page in English for an English customer', async () => {
    const res = await t.http.get(link(john));
    expect(res.status).toBe(200);
    expect(res.text).toContain("<html lang='en'>");
    expect(res.text).toContain('Your subscription settings');
    expect(res.text).toContain('Unsubscribe from everything');
    expect(res.text).toContain('once a quarter');
    // Consent to every topic ('*') shows as each topic switched on.
    expect(res.text).toMatch(/name='topic:tips:email'\s+value='on'\s+checked/);
    expect(res.text).toMatch(/name='topic:offers:email'\s+value='on'\s+checked/);
  });

  it('refuses a POST without, with a wrong or with another link’s CSRF token (403)', async () => {
    const path = link(anna);
    const html = (await t.http.get(path)).text;
    const before = await counts(anna);
    const off = formOf(html, { 'topic:tips:email': null });
    for (const csrf of [null, '', 'forged', csrfOf((await t.http.get(link(john))).text)]) {
      const fields = { ...off };
      if (csrf === null) delete fields.csrf;
      else fields.csrf = csrf;
      const res = await post(path, fields);
      expect(res.status).toBe(403);
    }
    // JSON is not the page's form and carries no token either.
    const json = await t.http.post(path).send({ ...off });
    expect(json.status).toBe(403);
    expect(await counts(anna)).toEqual(before);
    expect(await state(anna)).toEqual({ 'email:tips': 'confirmed', 'sms:tips': 'confirmed' });
  });

  it('saves through the ledger and customer_preferences, audits, and shows what changed', async () => {
    const path = link(anna);
    const html = (await t.http.get(path)).text;
    const res = await post(
      path,
      formOf(html, {
        'topic:tips:email': null,
        'topic:offers:email': 'on',
        'channel:sms': null,
        maxFrequency: 'quarter',
        pausedUntil: '2027-01-15',
      }),
    );
    expect(res.status).toBe(200);
    expect(res.text).toContain('Сохранено. Что изменилось:');
    expect(res.text).toContain(
      '«Полезные &lt;b&gt;советы&lt;/b&gt;», электронная почта: выключено',
    );
    expect(res.text).toContain('«Скидки», электронная почта: включено');
    expect(res.text).toContain('Каналы: Электронная почта');
    expect(res.text).toContain('Не чаще, чем: раз в квартал');
    expect(res.text).toContain('Пауза до 15 января 2027');
    expect(res.text).toMatch(/name='pausedUntil'\s+value='2027-01-15'/);

    expect(await state(anna)).toEqual({
      'email:tips': 'withdrawn',
      'email:offers': 'confirmed', // the page's link came by e-mail: the address is proven
      'sms:tips': 'confirmed',
    });
    const events = await t.db.query(
      `SELECT action, topic, source, host(ip) AS ip, user_agent, (SELECT w.wording FROM consent_wordings w WHERE w.hash = consent_events.wording_hash) AS wording, wording_version, actor
       FROM consent_events WHERE customer_id = $1 AND source = 'preference-page' ORDER BY id`,
      [anna],
    );
    expect(events).toEqual([
      {
        action: 'withdraw',
        topic: 'tips',
        source: 'preference-page',
        ip: expect.stringMatching(/127\.0\.0\.1$/),
        user_agent: UA,
        wording: 'Полезные <b>советы</b>: Электронная почта',
        wording_version: 'preference-page-1',
        actor: 'customer',
      },
      expect.objectContaining({
        action: 'grant',
        topic: 'offers',
        wording: 'Скидки: Электронная почта',
      }),
    ]);
    const [prefs] = await t.db.query(
      `SELECT max_frequency, paused_until, preferred_channels FROM customer_preferences WHERE customer_id = $1`,
      [anna],
    );
    expect(prefs).toEqual({
      max_frequency: 'quarter',
      paused_until: new Date('2027-01-14T21:00:00.000Z'), // midnight in Moscow
      preferred_channels: ['email'],
    });
    const [audit] = await t.db.query(
      `SELECT actor, data FROM audit_events WHERE customer_id = $1 AND type = 'preferences.changed'`,
      [anna],
    );
    expect(audit.actor).toBe('customer');
    expect(audit.data.changes.map((c: { field: string }) => c.field)).toEqual([
      'topic',
      'topic',
      'channels',
      'maxFrequency',
      'pausedUntil',
    ]);
    expect(JSON.stringify(audit.data)).not.toContain('anna@');

    // The saved page, sent back unchanged, changes nothing.
    const again = await post(path, formOf(res.text, {}));
    expect(again.status).toBe(200);
    expect(again.text).toContain('Ничего не изменилось');
    expect(
      (
        await t.db.query(
          `SELECT count(*)::int AS n FROM audit_events WHERE type = 'preferences.changed'`,
        )
      )[0].n,
    ).toBe(1);
  });

  it('names the field of a bad date and saves nothing', async () => {
    const path = link(anna);
    const html = (await t.http.get(path)).text;
    const before = await counts(anna);
    for (const [value, message] of [
      ['2027-02-30', 'Пауза до (pausedUntil): «2027-02-30» — не дата'],
      ['вчера', 'Пауза до (pausedUntil): «вчера» — не дата'],
      ['2020-01-01', 'Пауза до (pausedUntil): дата должна быть в будущем.'],
    ]) {
      const res = await post(path, formOf(html, { pausedUntil: value, 'topic:tips:sms': null }));
      expect(res.status).toBe(400);
      expect(res.text).toContain('Ничего не сохранено');
      expect(res.text).toContain(message);
    }
    const res = await post(path, formOf(html, { maxFrequency: 'daily' }));
    expect(res.text).toContain('(maxFrequency)');
    expect(await counts(anna)).toEqual(before);
  });

  it('"unsubscribe from everything" withdraws every channel at once', async () => {
    const path = link(anna);
    const html = (await t.http.get(path)).text;
    const res = await post(path, { csrf: csrfOf(html), action: 'unsubscribe-all' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Вы отписаны от всего');
    expect(res.text).not.toMatch(/name='topic:[^']+'\s+value='on'\s+checked/);
    const s = await state(anna);
    expect(s['email:*']).toBe('withdrawn');
    expect(s['sms:*']).toBe('withdrawn');
    expect(s['voice:*']).toBeUndefined();
    clock.advance(1000);
    // Changing one's mind is as easy: tick a topic again.
    const back = await post(path, formOf(res.text, { 'topic:offers:email': 'on' }));
    expect(back.status).toBe(200);
    expect(back.text).toMatch(/name='topic:offers:email'\s+value='on'\s+checked/);
    expect(back.text).not.toMatch(/name='topic:tips:email'\s+value='on'\s+checked/);
  });

  it('answers bad links with the plain 404 page and keeps good ones working past 60 days', async () => {
    const path = link(john);
    const token = path.slice(3);
    const [kid, body, sig] = token.split('.');
    const flipped = sig.slice(0, -2) + (sig.endsWith('AA') ? 'BA' : 'AA');
    const unsubscribe = tokens.issue({
      purpose: 'unsubscribe',
      customerId: john,
      channel: 'email',
      topic: '*',
    });
    for (const bad of [
      `/p/${kid}.${body}.${flipped}`,
      `/p/${token.slice(0, -4)}`,
      `/p/${kid}.${body}`,
      `/p/${unsubscribe}`,
      `/p/${'a'.repeat(600)}`,
    ]) {
      const get = await t.http.get(bad);
      expect(get.status).toBe(404);
      expect(get.text).toBe(linkNotValidHtml('en', t.app.get<Settings>(SETTINGS).company));
      const postRes = await post(bad, { csrf: 'x', action: 'unsubscribe-all' });
      expect(postRes.status).toBe(404);
    }
    clock.advance(61 * DAY);
    expect((await t.http.get(path)).status).toBe(200);
    clock.advance(310 * DAY);
    const expired = await t.http.get(path);
    expect(expired.status).toBe(404);
    expect(expired.text).toBe(linkNotValidHtml('en', t.app.get<Settings>(SETTINGS).company));
  });

  it('refuses an oversize form and shows nothing for an erased customer', async () => {
    const path = link(john);
    const html = (await t.http.get(path)).text;
    const big = await post(path, { ...formOf(html, {}), filler: 'x'.repeat(1100 * 1024) });
    expect(big.status).toBe(413);
    await t.admin.delete(`/v1/customers/${john}`).expect(204);
    const gone = await t.http.get(path);
    expect(gone.status).toBe(404);
    expect(gone.text).toBe(linkNotValidHtml('en', t.app.get<Settings>(SETTINGS).company));
  });
});

import { TemplateRenderError, TemplatesService, type TemplateContext } from '../../src/templates';
import { createTestApp, TestApp } from '../support/test-app';

// REPLY_TO set: the built-in templates ask for replies, which would otherwise be a content warning.
const COMPANY = {
  COMPANY_NAME: 'ООО «Ромашка»',
  COMPANY_ADDRESS: 'Казань, ул. Баумана, 1',
  REPLY_TO: 'support@shop.example',
};

const march = {
  name: 'tips-march',
  locales: {
    ru: {
      subject: 'Советы на март для {{default customer.name "вас"}}',
      html:
        '<p>Здравствуйте, {{customer.name}}!</p>\n' +
        '<p>В корзине {{plural customer.attributes.items one="товар" few="товара" many="товаров" other="товара"}}.</p>\n' +
        '<p>Встреча {{date campaign.effectiveAt "datetime"}}.</p>',
      text: 'Здравствуйте, {{customer.name}}! Встреча {{date campaign.effectiveAt "datetime"}}.',
      sms: '{{customer.name}}, весенние советы уже в почте.',
    },
    en: {
      subject: 'March tips for {{default customer.name "you"}}',
      html:
        '<p>Hello {{customer.name}},</p>\n' +
        '<p>{{plural customer.attributes.items one="item" other="items"}} in your basket.</p>',
      text: 'Hello {{customer.name}}, your spring tips are here.',
      sms: '{{customer.name}}, your spring tips are in your inbox.',
    },
  },
};

describe('/v1/templates', () => {
  let t: TestApp;
  let marketer: string;
  let auditor: string;
  let integration: string;
  let marketerId: string;
  let customerId: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...COMPANY, SMS_MAX_SEGMENTS: '3' } });
    [marketer, auditor, integration] = await Promise.all([
      t.keyFor('marketer'),
      t.keyFor('auditor'),
      t.keyFor('integration'),
    ]);
    [{ id: marketerId }] = await t.db.query(`SELECT id FROM api_keys WHERE role = 'marketer'`);
    await t.admin.post('/v1/topics').send({
      key: 'tips',
      category: 'content',
      title: { ru: 'Полезные советы', en: 'Useful tips' },
    });
    const c = await t.admin.post('/v1/customers').send({
      externalId: 'crm-1',
      kind: 'consumer',
      name: 'Анна <b>"Петрова"</b>',
      email: 'anna@example.ru',
      timezone: 'Asia/Vladivostok',
      locale: 'ru',
      attributes: { items: 21 },
    });
    expect(c.status).toBe(201);
    customerId = c.body.id;
  });
  afterAll(() => t.close());

  const templateRows = async () =>
    Number((await t.db.query('SELECT count(*)::int AS n FROM templates'))[0].n);

  it('creates a template (marketer), versions it on a second save, and audits both with the key', async () => {
    const first = await t.as(marketer).post('/v1/templates').send(march);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: 'tips-march', version: 1, locales: ['en', 'ru'] });

    const changed = {
      ...march,
      locales: { ...march.locales, en: { ...march.locales.en, subject: 'Tips!' } },
    };
    const second = await t.as(marketer).post('/v1/templates').send(changed);
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ name: 'tips-march', version: 2 });

    const audit = await t.db.query(
      `SELECT type, actor, data->>'version' AS version FROM audit_events
       WHERE type LIKE 'template.%' ORDER BY id`,
    );
    expect(audit).toEqual([
      { type: 'template.created', actor: `key:${marketerId}`, version: '1' },
      { type: 'template.versioned', actor: `key:${marketerId}`, version: '2' },
    ]);

    const latest = await t.as(auditor).get('/v1/templates/tips-march');
    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({ version: 2, source: 'stored' });
    expect(latest.body.locales.en.subject).toBe('Tips!');
    const v1 = await t.as(auditor).get('/v1/templates/tips-march?version=1');
    expect(v1.body.locales.en.subject).toBe(march.locales.en.subject);
    expect((await t.as(auditor).get('/v1/templates/tips-march?version=9')).status).toBe(404);

    const versions = await t.as(auditor).get('/v1/templates/tips-march/versions');
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions.body.nextCursor).toBeNull();

    // Versions are immutable.
    await expect(t.db.query(`UPDATE templates SET created_by = 'x'`)).rejects.toThrow(/immutable/);
  });

  it('numbers concurrent saves of one name one after another', async () => {
    const body = { name: 'race', locales: { en: { sms: 'Hello {{customer.name}}' } } };
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => t.as(marketer).post('/v1/templates').send(body)),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(results.map((r) => r.body.version).sort()).toEqual([1, 2, 3, 4]);
    const audit = await t.db.query(
      `SELECT type, count(*)::int AS n FROM audit_events WHERE data->>'template' = 'race'
       GROUP BY type ORDER BY type`,
    );
    expect(audit).toEqual([
      { type: 'template.created', n: 1 },
      { type: 'template.versioned', n: 3 },
    ]);
  });

  it('lists built-in and stored templates with keyset paging; a built-in name versions from 2', async () => {
    const all = await t.as(auditor).get('/v1/templates?limit=200');
    expect(all.status).toBe(200);
    const names = all.body.items.map((i: { name: string }) => i.name);
    for (const n of [
      'announcement',
      'care-after-purchase',
      'offer',
      'review-reminder',
      'review-request',
      'tips',
      'winback',
    ]) {
      expect(names).toContain(n);
    }
    expect(names).toEqual([...names].sort());
    expect(all.body.items.find((i: { name: string }) => i.name === 'tips')).toMatchObject({
      latestVersion: 1,
      source: 'builtin',
      locales: ['en', 'ru'],
    });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { name: string }[]; nextCursor: string | null } } = await t
        .as(auditor)
        .get(`/v1/templates?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((i) => i.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(names);

    const builtin = await t.as(auditor).get('/v1/templates/tips');
    expect(builtin.body).toMatchObject({ name: 'tips', version: 1, source: 'builtin' });
    expect(builtin.body.locales.ru.html).toContain('{{> greeting-ru}}');

    const res = await t
      .as(marketer)
      .post('/v1/templates')
      .send({ ...march, name: 'tips' });
    expect(res.body).toMatchObject({ name: 'tips', version: 2 });
    const versions = await t.as(auditor).get('/v1/templates/tips/versions');
    expect(versions.body.items).toEqual([
      expect.objectContaining({ version: 2, source: 'stored' }),
      expect.objectContaining({ version: 1, source: 'builtin' }),
    ]);
    const [audit] = await t.db.query(
      `SELECT type FROM audit_events WHERE data->>'template' = 'tips'`,
    );
    expect(audit.type).toBe('template.versioned');
    expect(await t.app.get(TemplatesService).latestVersion('tips')).toBe(2);
  });

  it('previews ru and en for a real customer: her data escaped, plurals, dates in her zone, the footer', async () => {
    const res = await t
      .as(marketer)
      .post('/v1/templates/tips-march/preview')
      .send({
        customerId,
        version: 1,
        campaign: { topic: 'tips', effectiveAt: '2026-12-01T09:30:00Z' },
      });
    expect(res.status).toBe(200);
    expect(res.body.customer).toEqual({ id: customerId, sample: false });
    const ru = res.body.locales.ru;
    expect(ru.ok).toBe(true);
    expect(ru.problems).toEqual([]);
    // Customer data is escaped in HTML, verbatim in the plain-text part.
    expect(ru.email.html).toContain('Анна &lt;b&gt;&quot;Петрова&quot;&lt;/b&gt;');
    expect(ru.email.html).not.toContain('<b>"Петрова"</b>');
    expect(ru.email.text).toContain('Здравствуйте, Анна <b>"Петрова"</b>!');
    expect(ru.email.html).toContain('В корзине 21 товар.');
    // 09:30 UTC is 19:30 in Vladivostok (UTC+10).
    expect(ru.email.html).toMatch(/1 декабря 2026 г\.[^<]*19:30/);
    // The footer: why, both links, company and address, in Russian.
    for (const part of [ru.email.html, ru.email.text]) {
      expect(part).toContain('подписались на рассылку «Полезные советы»');
      expect(part).toContain('http://tactful.test/u/preview');
      expect(part).toContain('http://tactful.test/p/preview');
      expect(part).toContain('Казань, ул. Баумана, 1');
    }
    expect(ru.email.html).toContain('ООО «Ромашка»');
    expect(ru.email.html).toContain('Отписаться');
    // 46 characters of text, a long name and the opt-out line: two UCS-2 segments.
    expect(ru.sms).toMatchObject({ encoding: 'UCS-2', segments: 2, warning: null });
    expect(ru.sms.body.endsWith('\nОтписаться: ответьте STOP')).toBe(true);
    expect(ru.contentCheck).toMatchObject({ level: 'ok' });

    const en = res.body.locales.en;
    expect(en.ok).toBe(true);
    expect(en.email.html).toContain('21 items in your basket');
    expect(en.email.text).toContain(
      'You are receiving this because you subscribed to “Useful tips”.',
    );
    expect(en.email.html).toContain('Unsubscribe');
    expect(en.sms.body.endsWith('\nReply STOP to opt out')).toBe(true);
  });

  it('previews the built-in sample customer, reporting missing variables by part, line and column', async () => {
    const res = await t
      .as(auditor)
      .post('/v1/templates/tips-march/preview')
      .send({ locales: ['ru'] });
    expect(res.status).toBe(200);
    expect(res.body.customer).toEqual({ id: null, sample: true });
    expect(Object.keys(res.body.locales)).toEqual(['ru']);
    const ru = res.body.locales.ru;
    // The sample has no `items` attribute: reported, and marked in the output, never a hole.
    expect(ru.ok).toBe(false);
    expect(ru.problems).toEqual([
      expect.objectContaining({
        part: 'html',
        variable: 'customer.attributes.items',
        line: 2,
        column: expect.any(Number),
      }),
    ]);
    expect(ru.email.html).toContain('⟦customer.attributes.items⟧');
    expect(ru.email.html).toContain('Здравствуйте, Анна Петрова!');
    expect(ru.email.html).toContain('Вы получили это письмо как клиент ООО «Ромашка».');

    const typo = await t
      .as(marketer)
      .post('/v1/templates')
      .send({
        name: 'typo',
        locales: { en: { subject: 'Hi', html: '<p>Hi</p>\n<p>{{customer.nmae}}</p>', text: 'Hi' } },
      });
    expect(typo.status).toBe(201);
    expect(typo.body.warnings).toEqual([
      expect.stringMatching(/customer\.nmae.*html line 2, column 4/),
    ]);
    const p = await t.as(marketer).post('/v1/templates/typo/preview').send({});
    expect(p.body.locales.en.problems).toEqual([
      expect.objectContaining({ part: 'html', variable: 'customer.nmae', line: 2, column: 4 }),
    ]);

    // render() refuses to produce the message at all.
    const templates = t.app.get(TemplatesService);
    const context: TemplateContext = {
      customer: {
        name: 'Emma',
        email: 'e@example.com',
        phone: null,
        company: null,
        locale: 'en',
        timezone: 'Europe/London',
        lifecycleStage: 'new',
        attributes: {},
      },
      company: { name: 'Co', address: 'Street 1' },
      campaign: {
        name: 'c',
        topic: 'tips',
        goal: 'retention',
        effectiveAt: null,
        title: 'c',
        summary: '',
      },
      links: { unsubscribe: 'https://x/u/1', preferences: 'https://x/p/1' },
      now: new Date(),
    };
    await expect(templates.render('typo', 1, 'email', context)).rejects.toThrow(
      TemplateRenderError,
    );
    await expect(templates.render('typo', 1, 'email', context)).rejects.toThrow(/customer\.nmae/);
    const ok = await templates.render('tips', 1, 'email', context);
    expect(ok).toMatchObject({
      channel: 'email',
      subject: expect.stringContaining('Three simple'),
    });
    if (ok.channel !== 'email') throw new Error('email expected');
    expect(ok.html).toContain('https://x/u/1');
    expect(ok.text).toContain('Street 1');
    // A service refusal is a DomainError; the HTTP edge answers not_found as a 404.
    await expect(templates.latestVersion('nothing-here')).rejects.toMatchObject({
      kind: 'not_found',
      messages: ['template nothing-here not found'],
    });
  });

  it('adds the footer to every e-mail, also one written as plain text only', async () => {
    const res = await t
      .as(marketer)
      .post('/v1/templates')
      .send({
        name: 'text-only',
        locales: { en: { subject: 'Hi', text: 'Line one\n\nLine <two> & three' } },
      });
    expect(res.status).toBe(201);
    const p = await t
      .as(marketer)
      .post('/v1/templates/text-only/preview')
      .send({ reason: 'You asked for a <test>.' });
    const email = p.body.locales.en.email;
    expect(email.html).toContain('<p>Line one</p>');
    expect(email.html).toContain('Line &lt;two&gt; &amp; three');
    for (const part of [email.html, email.text]) {
      expect(part).toContain('http://tactful.test/u/preview');
      expect(part).toContain('http://tactful.test/p/preview');
      expect(part).toContain('Казань, ул. Баумана, 1');
    }
    expect(email.html).toContain('You asked for a &lt;test&gt;.');
    expect(email.text).toContain('You asked for a <test>.');
    // The body comes before the footer, which the template cannot move.
    expect(email.text.indexOf('Line one')).toBeLessThan(email.text.indexOf('/u/preview'));
    expect(p.body.locales.en.contentCheck.findings).toEqual([]);
  });

  it('refuses a syntax error with locale, part, line and column, saving nothing', async () => {
    const before = await templateRows();
    const res = await t
      .as(marketer)
      .post('/v1/templates')
      .send({
        name: 'broken',
        locales: {
          ru: {
            subject: 'Привет',
            html: '<p>Раз</p>\n<p>{{#if customer.name}}Два</p>',
            text: 'Три',
          },
          en: { subject: 'Hi {{customer.name', text: 'x' },
        },
      });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^locales\.ru\.html line 2, column \d+: the template ends before/),
        expect.stringMatching(/^locales\.en\.subject line 1, column \d+: /),
      ]),
    );
    expect(await templateRows()).toBe(before);

    const unsafe = await t
      .as(marketer)
      .post('/v1/templates')
      .send({
        name: 'unsafe',
        locales: {
          en: {
            subject: 'x',
            html: '<p>{{{customer.name}}}</p>\n<div style="display:none">\n<!-- {{constructor.name}}',
            text: 'x',
          },
        },
      });
    expect(unsafe.status).toBe(400);
    expect(unsafe.body.message).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/locales\.en\.html line 1, column 4: triple braces/),
        expect.stringMatching(/locales\.en\.html line 2, column \d+: hidden content/),
        expect.stringMatching(/locales\.en\.html line 3, column \d+: "constructor" cannot be used/),
        expect.stringMatching(/locales\.en\.html line 3, column 1: an HTML comment/),
      ]),
    );

    const shape = await t
      .as(marketer)
      .post('/v1/templates')
      .send({
        name: 'Bad Name',
        locales: { en: { body: 'x' } },
      });
    expect(shape.status).toBe(400);
    expect(shape.body.message[0]).toMatch(/^name must/);
    const parts = await t
      .as(marketer)
      .post('/v1/templates')
      .send({
        name: 'shape',
        locales: { en: { body: 'x' }, ru: { html: '<p>x</p>' } },
      });
    expect(parts.body.message).toEqual(
      expect.arrayContaining([
        'locales.en has "body", which is not a part (subject, html, text, sms, call)',
        'locales.ru.subject is required with html or text',
      ]),
    );
    expect(await templateRows()).toBe(before);
  });

  it('refuses an SMS above the segment limit at save and warns above two segments at preview', async () => {
    const long = 'Очень длинное сообщение. '.repeat(9); // ~225 UCS-2 characters + opt-out → 4 segments
    const refused = await t
      .as(marketer)
      .post('/v1/templates')
      .send({
        name: 'sms-long',
        locales: { ru: { sms: long } },
      });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toEqual([
      expect.stringMatching(
        /^locales\.ru\.sms: the message is 4 SMS segments \(UCS-2\).*at most 3/,
      ),
    ]);
    const three = 'Сообщение в три сегмента. '.repeat(6); // ~156 + opt-out line → 3 segments
    const saved = await t
      .as(marketer)
      .post('/v1/templates')
      .send({
        name: 'sms-three',
        locales: { ru: { sms: three } },
      });
    expect(saved.status).toBe(201);
    const p = await t.as(marketer).post('/v1/templates/sms-three/preview').send({});
    expect(p.body.locales.ru.sms).toMatchObject({ segments: 3, encoding: 'UCS-2' });
    expect(p.body.locales.ru.sms.warning).toMatch(/3 segments/);
    expect(p.body.locales.ru.email).toBeNull();
  });

  it('shows the content check on preview: promotional pressure scores high', async () => {
    await t
      .as(marketer)
      .post('/v1/templates')
      .send({
        name: 'pushy',
        locales: {
          ru: {
            subject: 'СКИДКА 70%!!! Только сегодня',
            html: '<p>Распродажа! Бесплатная доставка!!!</p><a href="https://a">1</a><a href="https://b">2</a><a href="https://c">3</a><a href="https://d">4</a>',
          },
        },
      });
    const p = await t.as(marketer).post('/v1/templates/pushy/preview').send({});
    const check = p.body.locales.ru.contentCheck;
    expect(check.level).toBe('high');
    const rules = check.findings.map((f: { rule: string }) => f.rule);
    expect(rules).toEqual(
      expect.arrayContaining([
        'shouting',
        'exclamations',
        'discount_words',
        'too_many_links',
        'no_text_part',
      ]),
    );
    expect(check.findings).toEqual(
      expect.arrayContaining([
        { rule: 'discount_words', phrase: 'Только сегодня' },
        { rule: 'discount_words', phrase: 'Распродажа' },
      ]),
    );
  });

  it('lets only admin and marketer write; auditor reads and previews; integration has no access', async () => {
    const body = { ...march, name: 'by-auditor' };
    expect((await t.as(auditor).post('/v1/templates').send(body)).status).toBe(403);
    expect((await t.as(integration).post('/v1/templates').send(body)).status).toBe(403);
    expect((await t.as(integration).get('/v1/templates')).status).toBe(403);
    expect((await t.http.get('/v1/templates')).status).toBe(401);
    expect((await t.as(auditor).get('/v1/templates/tips')).status).toBe(200);
    expect((await t.as(auditor).post('/v1/templates/tips/preview').send({})).status).toBe(200);
    expect((await t.admin.post('/v1/templates').send({ ...march, name: 'by-admin' })).status).toBe(
      201,
    );
    const rows = await t.db.query(`SELECT name FROM templates WHERE name LIKE 'by-%'`);
    expect(rows).toEqual([{ name: 'by-admin' }]);
    expect((await t.as(marketer).post('/v1/templates/nothing/preview').send({})).status).toBe(404);
    const bad = await t
      .as(marketer)
      .post('/v1/templates/tips/preview')
      .send({ locales: ['de'] });
    expect(bad.status).toBe(400);
    expect(bad.body.message[0]).toMatch(/^locales: template tips v\d has no locale de/);
  });
});

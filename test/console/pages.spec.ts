import { aCampaign, aCustomer, aDelivery } from '../support/builders';
import { createTestApp, createTopics, type TestApp } from '../support/test-app';
import { signInToConsole } from '../support/console-session';
import { ConsentService } from '../../src/consent/consent.service';
import { DashboardService } from '../../src/console/dashboard.service';

/** Audit, templates, policies and keys pages over plain HTTP with a signed-in cookie. */
describe('console pages: audit, templates, policies, keys', () => {
  let t: TestApp;

  const signIn = (key: string) => signInToConsole(t, key);

  beforeAll(async () => {
    t = await createTestApp();
    await createTopics(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('audit: filters with messages next to the fields, events listed, CSV export', async () => {
    const { cookie } = await signIn(await t.keyFor('auditor'));
    const bad = await t.http
      .get('/console/audit?customerId=nope&type=Bad Type')
      .set('Cookie', cookie);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="customerId-error"[^]*customerId must be a UUID/);
    expect(bad.text).toMatch(/id="type-error"[^]*type must be event types/);
    const ok = await t.http.get('/console/audit?type=admin.*').set('Cookie', cookie);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('admin.api_key_created');
    const href = /href="(\/console\/audit\/export[^"]*format[^"]*csv)"/.exec(ok.text)?.[1] ?? '';
    expect(href.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')).toBe(
      '/console/audit/export?type=admin.*&order=desc&format=csv',
    );
    const csv = await t.http
      .get('/console/audit/export?type=admin.*&format=csv')
      .set('Cookie', cookie);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.split('\n')[0]).toContain('id,at,type');
    expect(csv.text).toContain('admin.api_key_created');
  });

  it('templates: preview per locale with SMS segments, save a version, compile errors on the part', async () => {
    const { cookie, csrf } = await signIn(await t.keyFor('marketer'));
    const list = await t.http.get('/console/templates').set('Cookie', cookie);
    expect(list.text).toContain('href="/console/templates/tips"');
    const save = await t.http.post('/console/templates').set('Cookie', cookie).type('form').send({
      _csrf: csrf,
      name: 'promo',
      'part.en.subject': 'Hello {{customer.name}}',
      'part.en.text': 'Hi {{customer.name}}, FREE!!! Act now, limited time, 100% guaranteed',
      'part.en.sms': 'Hi {{customer.name}}, spring sale',
      'part.ru.sms': 'Привет, {{customer.name}}! Весенняя распродажа',
    });
    expect(save.status).toBe(200);
    expect(save.text).toContain('Saved as version 1');
    expect(save.text).toContain('id="preview-en"');
    expect(save.text).toContain('id="preview-ru"');
    expect(save.text).toMatch(/SMS segments: <strong>\d+<\/strong> \(encoding UCS-2/);
    expect(save.text).toMatch(/SMS segments: <strong>\d+<\/strong> \(encoding GSM-7/);
    const broken = await t.http
      .post('/console/templates')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, name: 'promo', 'part.en.sms': 'Hi {{#if x}}' });
    expect(broken.status).toBe(400);
    expect(broken.text).toMatch(/id="part-en-sms-error"[^]*locales\.en\.sms line 1/);
    const auditor = await signIn(await t.keyFor('auditor'));
    const ro = await t.http.get('/console/templates/promo').set('Cookie', auditor.cookie);
    expect(ro.text).toContain('readonly');
    expect(ro.text).not.toContain('Save as a new version');
  });

  it('campaign live figures: JSON for the page script, moves by role, 404 for an unknown campaign, sign-in required', async () => {
    const id = await aCampaign(t.db, { name: 'live one', status: 'running' });
    const customerId = await aCustomer(t.db, { externalId: 'live-1', email: 'live@mail.example' });
    await aDelivery(t.db, { campaignId: id, customerId, status: 'sent' });
    const marketer = await signIn(await t.keyFor('marketer'));
    const live = await t.http.get(`/console/campaigns/${id}/live`).set('Cookie', marketer.cookie);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({
      status: 'running',
      statusLabel: 'running',
      active: true,
      progress: { sent: 1, planned: 1 },
      moves: { launch: false, pause: true, resume: false, cancel: true },
    });
    const auditor = await signIn(await t.keyFor('auditor'));
    const ro = await t.http.get(`/console/campaigns/${id}/live`).set('Cookie', auditor.cookie);
    expect(ro.body.moves).toEqual({ launch: false, pause: false, resume: false, cancel: false });
    const unknown = await t.http
      .get('/console/campaigns/7d444840-9dc0-11d1-b245-5ffdce74fad2/live')
      .set('Cookie', marketer.cookie);
    expect(unknown.status).toBe(404);
    const anonymous = await t.http.get(`/console/campaigns/${id}/live`);
    expect(anonymous.status).not.toBe(200);
    expect(JSON.stringify(anonymous.body ?? {})).not.toContain('live one');
  });

  it('dashboard: unsubscribes per week count customers per channel, not ledger rows (one STOP = 1)', async () => {
    const dashboard = t.app.get(DashboardService);
    const total = async () => (await dashboard.unsubscribes()).reduce((a, w) => a + w.n, 0);
    const before = await total();
    const consents = t.app.get(ConsentService);
    const customerId = await aCustomer(t.db, { externalId: 'stop-1', phone: '+79160000111' });
    const change = (topic: string, action: 'grant' | 'withdraw') =>
      consents.record({
        customerId,
        channel: 'sms',
        topic,
        action,
        source: action === 'grant' ? 'web-form' : 'sms-keyword',
        confirmed: action === 'grant' ? true : undefined,
        evidence: { wording: 'Yes, text me', wordingVersion: 'sms-1' },
        actor: action === 'grant' ? 'test' : 'sms:SM1',
      });
    for (const topic of ['tips', 'offers']) await change(topic, 'grant');
    // One STOP: every SMS topic withdrawn in the same moment.
    for (const topic of ['tips', 'offers', '*']) await change(topic, 'withdraw');
    expect(await total()).toBe(before + 1);
  });

  it('templates: the SMS preview points at the character that forced UCS-2 and its GSM-7 stand-in', async () => {
    const { cookie, csrf } = await signIn(await t.keyFor('marketer'));
    const save = await t.http.post('/console/templates').set('Cookie', cookie).type('form').send({
      _csrf: csrf,
      name: 'degrees',
      'part.en.subject': 'Care',
      'part.en.text': 'Wash at 30 degrees.',
      'part.en.sms': 'Shop tip: wash at 30° — and dry flat.',
    });
    expect(save.status).toBe(200);
    const hint =
      /<div class="warn sms-hint" id="sms-hint-en">([^]*?)<\/div>/.exec(save.text)?.[1] ?? '';
    expect(hint).toContain('switched the SMS to UCS-2');
    expect(hint).toMatch(/<code>°<\/code> \(character 21\): write instead <code> degrees<\/code>/);
    expect(hint).toMatch(/<code>—<\/code> \(character 23\): write instead <code>-<\/code>/);
    expect(hint).toMatch(/With the stand-ins, segments: <strong>1<\/strong>/);
  });

  it('policies: admin edits with validation messages and sees the history; a marketer only reads', async () => {
    const { cookie, csrf } = await signIn(await t.keyFor('admin'));
    const page = await t.http.get('/console/policies/consumer').set('Cookie', cookie);
    expect(page.status).toBe(200);
    const text = /<textarea id="policy"[^>]*>([^]*?)<\/textarea>/.exec(page.text)?.[1] ?? '';
    const policy = JSON.parse(
      text
        .replace(/&quot;/g, '"')
        .replace(/&#x27;/g, "'")
        .replace(/&amp;/g, '&'),
    );
    const invalid = await t.http
      .post('/console/policies/consumer')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, policy: JSON.stringify({ ...policy, lapseDays: -3 }) });
    expect(invalid.status).toBe(400);
    expect(invalid.text).toMatch(/id="policy-error"[^]*lapseDays/);
    const notJson = await t.http
      .post('/console/policies/consumer')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, policy: '{ nope' });
    expect(notJson.status).toBe(400);
    expect(notJson.text).toContain('policy is not valid JSON');
    const saved = await t.http
      .post('/console/policies/consumer')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, policy: JSON.stringify({ ...policy, lapseDays: 200 }) });
    expect(saved.status).toBe(200);
    expect(saved.text).toContain('Saved as version 2');
    expect(saved.text).toContain('built-in default');
    const marketer = await signIn(await t.keyFor('marketer'));
    const ro = await t.http.get('/console/policies/consumer').set('Cookie', marketer.cookie);
    expect(ro.text).toContain('readonly');
    const post = await t.http
      .post('/console/policies/consumer')
      .set('Cookie', marketer.cookie)
      .type('form')
      .send({ _csrf: marketer.csrf, policy: '{}' });
    expect(post.status).toBe(403);
  });

  it("policies: each version in the history shows that version's policy, nothing of the page", async () => {
    const { cookie, csrf } = await signIn(await t.keyFor('admin'));
    const current = await t.admin.get('/v1/policies/business');
    expect(current.status).toBe(200);
    const {
      kind: _k,
      version: _v,
      createdAt: _a,
      createdBy: _b,
      ...editable
    } = current.body as Record<string, unknown>;
    const saved = await t.http
      .post('/console/policies/business')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, policy: JSON.stringify({ ...editable, lapseDays: 123 }) });
    expect(saved.status).toBe(200);
    const unescape = (s: string) =>
      s
        .replace(/&quot;/g, '"')
        .replace(/&#x27;/g, "'")
        .replace(/&#x3D;/g, '=')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
    const shown = [...saved.text.matchAll(/<summary>v(\d+)<\/summary><pre>([^]*?)<\/pre>/g)].map(
      ([, version, json]) => ({ version: Number(version), policy: JSON.parse(unescape(json)) }),
    );
    expect(shown.map((s) => s.version)).toEqual([2, 1]);
    const versions = await t.admin.get('/v1/policies/business/versions');
    expect(versions.status).toBe(200);
    expect(shown.map((s) => s.policy)).toEqual(
      (versions.body.items as Record<string, unknown>[]).map(
        ({ createdAt: _a, createdBy: _b, ...policy }) => policy,
      ),
    );
    expect(shown[0].policy).toMatchObject({ kind: 'business', version: 2, lapseDays: 123 });
    // The page's own data (the session's CSRF token, the user's permissions) is not in it.
    expect(saved.text.split(csrf).length - 1).toBe(
      (saved.text.match(/name="_csrf" value="/g) ?? []).length +
        (saved.text.match(/data-csrf="/g) ?? []).length,
    );
    expect(saved.text).not.toContain('&quot;csrf&quot;');
  });

  it('keys: an admin creates a key (shown once) and revokes it, which ends its sessions', async () => {
    const { cookie, csrf } = await signIn(await t.keyFor('admin'));
    const bad = await t.http
      .post('/console/keys')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, name: '', role: 'marketer' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="key-name-error"');
    const made = await t.http
      .post('/console/keys')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, name: 'Анна (маркетинг)', role: 'marketer' });
    expect(made.status).toBe(200);
    const key = /<pre id="new-key">([^<]+)<\/pre>/.exec(made.text)?.[1] ?? '';
    expect(key).toMatch(/^tk_/);
    const other = await signIn(key);
    expect((await t.http.get('/console').set('Cookie', other.cookie)).status).toBe(200);
    const [row]: { id: string }[] = await t.db.query(
      `SELECT id FROM api_keys WHERE name = 'Анна (маркетинг)'`,
    );
    const confirm = await t.http.get(`/console/keys/${row.id}/revoke`).set('Cookie', cookie);
    expect(confirm.text).toContain('Revoke this key?');
    const revoked = await t.http
      .post(`/console/keys/${row.id}/revoke`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf });
    expect(revoked.status).toBe(303);
    expect((await t.http.get('/console').set('Cookie', other.cookie)).status).toBe(303);
    const marketerPage = await t.http.get('/console/keys').set('Cookie', other.cookie);
    expect(marketerPage.status).toBe(303);
  });

  it('customers: an admin erases after a confirmation; a marketer has no erase button', async () => {
    const created = await t.admin
      .post('/v1/customers')
      .send({ externalId: 'crm-erase', kind: 'consumer', email: 'erase@mail.example' });
    const id = created.body.id as string;
    const marketer = await signIn(await t.keyFor('marketer'));
    const seen = await t.http.get(`/console/customers/${id}`).set('Cookie', marketer.cookie);
    expect(seen.status).toBe(200);
    expect(seen.text).not.toContain(`/console/customers/${id}/erase`);
    expect(
      (await t.http.get(`/console/customers/${id}/erase`).set('Cookie', marketer.cookie)).status,
    ).toBe(403);
    const { cookie, csrf } = await signIn(await t.keyFor('admin'));
    const confirm = await t.http.get(`/console/customers/${id}/erase`).set('Cookie', cookie);
    expect(confirm.text).toContain('Erase this customer?');
    const done = await t.http
      .post(`/console/customers/${id}/erase`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf });
    expect(done.status).toBe(303);
    const [row]: { email: string | null; erased_at: Date | null }[] = await t.db.query(
      `SELECT email, erased_at FROM customers WHERE id = $1`,
      [id],
    );
    expect(row.email).toBeNull();
    expect(row.erased_at).not.toBeNull();
    const evidence = await t.http.get(`/console/customers/${id}/evidence`).set('Cookie', cookie);
    expect(evidence.status).toBe(200);
    expect(evidence.headers['content-type']).toContain('text/html');
    const search = await t.http
      .get('/console/customers?by=phone&q=not-a-phone')
      .set('Cookie', cookie);
    expect(search.status).toBe(400);
    expect(search.text).toMatch(/id="q-error"[^]*phone must be a valid phone number/);
  });

  it('campaigns: a draft is edited in the form; bad values come back next to their fields', async () => {
    const marketerKey = await t.keyFor('marketer');
    const made = await t
      .as(marketerKey)
      .post('/v1/campaigns')
      .send({
        name: 'Draft',
        topic: 'tips',
        goal: 'engagement',
        template: 'tips',
        channels: ['email'],
        audience: { all: [{ field: 'kind', op: 'eq', value: 'consumer' }] },
        schedule: { type: 'cron', cron: '0 10 * * 1', timezone: 'Europe/Moscow' },
      });
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    const { cookie, csrf } = await signIn(marketerKey);
    const form = await t.http.get(`/console/campaigns/${id}/edit`).set('Cookie', cookie);
    expect(form.status).toBe(200);
    expect(form.text).toContain('value="0 10 * * 1"');
    expect(form.text).toContain('value="Europe/Moscow"');
    const fields = {
      _csrf: csrf,
      name: 'Draft, renamed',
      topic: 'tips',
      goal: 'engagement',
      template: 'tips',
      channels: 'email',
      priority: '70',
      scheduleType: 'cron',
      scheduleCron: '0 10 * * 1',
      scheduleTimezone: 'Europe/Moscow',
      match: 'all',
      'row.field': ['kind', ''],
      'row.op': ['eq', 'eq'],
      'row.value': ['consumer', ''],
      action: 'save',
    };
    const bad = await t.http
      .post(`/console/campaigns/${id}`)
      .set('Cookie', cookie)
      .type('form')
      .send({ ...fields, scheduleTimezone: 'Mars/Olympus', 'row.op': ['like', 'eq'] });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="schedule-error"[^]*schedule.timezone must be an IANA time zone/);
    expect(bad.text).toMatch(/id="row-error-0"[^]*audience.all\[0\]/);
    const counted = await t.http
      .post(`/console/campaigns/${id}`)
      .set('Cookie', cookie)
      .type('form')
      .send({ ...fields, action: 'count' });
    expect(counted.status).toBe(200);
    expect(counted.text).toMatch(/Customers in the audience:[^]*<strong>\d+<\/strong>/);
    const ok = await t.http
      .post(`/console/campaigns/${id}`)
      .set('Cookie', cookie)
      .type('form')
      .send(fields);
    expect(ok.status).toBe(303);
    const after = await t.as(marketerKey).get(`/v1/campaigns/${id}`);
    expect(after.body).toMatchObject({ name: 'Draft, renamed', priority: 70 });
    const json = await t.http
      .post('/console/api/audience-count')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .type('form')
      .send({ 'row.field': 'kind', 'row.op': 'like', 'row.value': 'x' });
    expect(json.status).toBe(200);
    expect(json.body.count).toBeNull();
    expect(json.body.errors[0]).toContain('audience.all[0]');
  });

  it('campaigns: progress shows deliveries of unknown fate apart from failed, with what that means', async () => {
    const marketerKey = await t.keyFor('marketer');
    const made = await t
      .as(marketerKey)
      .post('/v1/campaigns')
      .send({
        name: 'After a crash',
        topic: 'tips',
        goal: 'engagement',
        template: 'tips',
        channels: ['email'],
        audience: {},
        schedule: { type: 'now' },
      });
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    await t.db.query(`UPDATE campaigns SET status = 'completed' WHERE id = $1`, [id]);
    const fates = ['sent', 'sent', 'failed', 'unknown', 'unknown', 'unknown'];
    for (const [i, status] of fates.entries()) {
      const customerId = await aCustomer(t.db, { externalId: `fate-${i}` });
      await aDelivery(t.db, {
        campaignId: id,
        customerId,
        goal: 'engagement',
        templateName: 'tips',
        status,
      });
    }
    const { cookie } = await signIn(marketerKey);
    const en = await t.http.get(`/console/campaigns/${id}`).set('Cookie', cookie);
    expect(en.status).toBe(200);
    expect(en.text).toMatch(/<dd id="progress-failed">1<\/dd>/);
    expect(en.text).toMatch(
      /<dd><span id="progress-unknown">3<\/span> <small[^>]*>fate unknown after a crash; never re-sent<\/small><\/dd>/,
    );
    const ru = await t.http
      .get(`/console/campaigns/${id}`)
      .set('Cookie', cookie.replace('tactful_console_lang=en', 'tactful_console_lang=ru'));
    expect(ru.text).toMatch(
      /<dd><span id="progress-unknown">3<\/span> <small[^>]*>судьба неизвестна после сбоя; повторно не отправляется<\/small><\/dd>/,
    );
    const api = await t.as(marketerKey).get(`/v1/campaigns/${id}/progress`);
    expect(api.body).toMatchObject({
      sent: 2,
      failed: 1,
      unknown: 3,
      unknownMeaning: 'fate unknown after a crash; never re-sent',
    });
  });
});

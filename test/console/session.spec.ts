import { hashKey } from '../../src/auth/api-keys.service';
import { createTestApp, type TestApp } from '../support/test-app';

/** Sign-in, cookies, CSRF and roles over plain HTTP (the browser spec covers the pages). */
describe('console sessions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const cookieOf = (setCookie: string[] | string | undefined, name: string) => {
    const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
    const line = all.find((c) => c.startsWith(`${name}=`));
    return line ? { line, value: line.split(';')[0].slice(name.length + 1) } : null;
  };
  const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

  /** Signs in with a key and returns the session cookie and a page's CSRF token. */
  const signIn = async (key: string) => {
    const form = await t.http.get('/console/login').set('Accept-Language', 'en');
    const pre = cookieOf(form.headers['set-cookie'], 'tactful_console_pre');
    expect(pre).not.toBeNull();
    const res = await t.http
      .post('/console/login')
      .set('Cookie', `tactful_console_pre=${pre?.value}`)
      .type('form')
      .send({ key, _csrf: csrfIn(form.text), next: '/console/campaigns' });
    const session = cookieOf(res.headers['set-cookie'], 'tactful_console');
    return { res, cookie: session ? `tactful_console=${session.value}` : '', line: session?.line };
  };

  it('redirects to the sign-in page without a session', async () => {
    const res = await t.http.get('/console/campaigns');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/login?next=%2Fconsole%2Fcampaigns');
  });

  it('exchanges a key for an HttpOnly, SameSite=Strict session cookie stored hashed', async () => {
    const key = await t.keyFor('marketer');
    const { res, cookie, line } = await signIn(key);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/campaigns');
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Strict/);
    expect(line).toMatch(/Path=\/console/);
    expect(line).not.toMatch(/Secure/); // PUBLIC_URL is http here
    const raw = cookie.split('=')[1];
    const rows: { id_hash: string; role: string }[] = await t.db.query(
      `SELECT id_hash, role FROM console_sessions`,
    );
    expect(rows.some((r) => r.role === 'marketer')).toBe(true);
    expect(rows.some((r) => r.id_hash === raw)).toBe(false);
    const page = await t.http.get('/console/campaigns').set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('New campaign');
  });

  it('refuses a wrong key, an integration key and a sign-in without its CSRF token', async () => {
    expect((await signIn('tk_nope')).res.status).toBe(401);
    expect((await signIn(await t.keyFor('integration'))).res.status).toBe(403);
    const res = await t.http
      .post('/console/login')
      .type('form')
      .send({ key: await t.keyFor('marketer') });
    expect(res.status).toBe(403);
    expect(cookieOf(res.headers['set-cookie'], 'tactful_console')).toBeNull();
  });

  it('answers a POST without the session CSRF token with 403', async () => {
    const { cookie } = await signIn(await t.keyFor('marketer'));
    const res = await t.http
      .post('/console/campaigns')
      .set('Cookie', cookie)
      .type('form')
      .send({ name: 'x', action: 'save' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('did not come from this console');
    const bad = await t.http
      .post('/console/logout')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: 'forged' });
    expect(bad.status).toBe(403);
  });

  it('keeps an auditor out of the edit forms', async () => {
    const { cookie } = await signIn(await t.keyFor('auditor'));
    const list = await t.http.get('/console/campaigns').set('Cookie', cookie);
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('/console/campaigns/new');
    const form = await t.http.get('/console/campaigns/new').set('Cookie', cookie);
    expect(form.status).toBe(403);
    expect(form.text).toContain('Your role may not do this.');
  });

  it('ends the sessions of a revoked key and on sign-out', async () => {
    const key = await t.keyFor('marketer');
    const { cookie } = await signIn(key);
    const [row]: { id: string }[] = await t.db.query(
      `SELECT id FROM api_keys WHERE key_hash = $1`,
      [hashKey(key)],
    );
    const revoke = await t.admin.delete(`/v1/api-keys/${row.id}`);
    expect(revoke.status).toBeLessThan(300);
    const after = await t.http.get('/console').set('Cookie', cookie);
    expect(after.status).toBe(303);

    const second = await signIn(await t.keyFor('auditor'));
    const dash = await t.http.get('/console').set('Cookie', second.cookie);
    expect(dash.status).toBe(200);
    const out = await t.http
      .post('/console/logout')
      .set('Cookie', second.cookie)
      .type('form')
      .send({ _csrf: csrfIn(dash.text) });
    expect(out.status).toBe(303);
    expect((await t.http.get('/console').set('Cookie', second.cookie)).status).toBe(303);
  });

  it('speaks Russian when the browser asks for it, and switches language', async () => {
    const res = await t.http.get('/console/login').set('Accept-Language', 'ru-RU,ru;q=0.9');
    expect(res.text).toContain('Вход в консоль');
    const sw = await t.http.get('/console/lang/en?back=/console/login');
    expect(sw.status).toBe(303);
    const lang = cookieOf(sw.headers['set-cookie'], 'tactful_console_lang');
    const en = await t.http
      .get('/console/login')
      .set('Accept-Language', 'ru')
      .set('Cookie', `tactful_console_lang=${lang?.value}`);
    expect(en.text).toContain('Sign in to the console');
    const evil = await t.http.get('/console/lang/ru?back=//evil.example');
    expect(evil.headers.location).toBe('/console');
  });

  it('throttles failed sign-ins per address, even for a right key afterwards', async () => {
    let last = 0;
    for (let i = 0; i <= t.settings.publicRateLimit; i++)
      last = (await signIn(`tk_wrong_${i}`)).res.status;
    expect(last).toBe(429);
    const right = await signIn(await t.keyFor('marketer'));
    expect(right.res.status).toBe(429);
    expect(right.cookie).toBe('');
  });
});

import { createTestApp, type TestApp } from '../support/test-app';

/** The console's time-zone selector: a cookie beside the language's, validated as an IANA zone. */
describe('console time zone', () => {
  let t: TestApp;
  let session = '';

  const cookieOf = (setCookie: string[] | string | undefined, name: string) => {
    const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
    const line = all.find((c) => c.startsWith(`${name}=`));
    return line ? line.split(';')[0].slice(name.length + 1) : null;
  };

  beforeAll(async () => {
    t = await createTestApp();
    const form = await t.http.get('/console/login').set('Accept-Language', 'en');
    const pre = cookieOf(form.headers['set-cookie'], 'tactful_console_pre');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
    const res = await t.http
      .post('/console/login')
      .set('Cookie', `tactful_console_pre=${pre}`)
      .type('form')
      .send({ key: await t.keyFor('admin'), _csrf: csrf, next: '/console/keys' });
    session = `tactful_console=${cookieOf(res.headers['set-cookie'], 'tactful_console')}`;
  });
  afterAll(async () => {
    await t.close();
  });

  const keysPage = (zoneCookie?: string) =>
    t.http
      .get('/console/keys')
      .set('Accept-Language', 'en')
      .set('Cookie', zoneCookie ? `${session}; tactful_console_zone=${zoneCookie}` : session);

  it('shows times in the company zone by default, named', async () => {
    const res = await keysPage();
    expect(res.status).toBe(200);
    expect(res.text).toContain(`(Moscow time)`);
    expect(t.settings.companyTimezone).toBe('Europe/Moscow');
    expect(res.text).toMatch(/<option value="Europe\/Moscow" selected>/);
  });

  it('applies a valid zone chosen in the selector', async () => {
    const set = await t.http.get('/console/zone?zone=Asia%2FTokyo&back=/console/keys');
    expect(set.status).toBe(303);
    expect(set.headers.location).toBe('/console/keys');
    const zone = cookieOf(set.headers['set-cookie'], 'tactful_console_zone');
    expect(decodeURIComponent(zone ?? '')).toBe('Asia/Tokyo');
    const res = await keysPage(zone ?? '');
    expect(res.text).toContain('(Tokyo, UTC+09:00)');
    expect(res.text).not.toContain('(Moscow time)');
    expect(res.text).toMatch(/<option value="Asia\/Tokyo" selected>/);
  });

  it('ignores an invalid zone, in the selector and in a forged cookie', async () => {
    const set = await t.http.get('/console/zone?zone=Mars%2FOlympus&back=//evil.example');
    expect(set.status).toBe(303);
    expect(set.headers.location).toBe('/console');
    expect(cookieOf(set.headers['set-cookie'], 'tactful_console_zone')).toBeNull();
    const res = await keysPage('Mars%2FOlympus');
    expect(res.status).toBe(200);
    expect(res.text).toContain('(Moscow time)');
    expect(res.text).not.toContain('Olympus');
  });
});

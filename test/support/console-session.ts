import type { TestApp } from './test-app';

/** The CSRF token of a console page's form. */
export const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

const cookieIn = (headers: Record<string, unknown>, name: string) =>
  new RegExp(`${name}=([^;]+)`).exec(
    ((headers['set-cookie'] as string[] | undefined) ?? []).join('\n'),
  )?.[1];

/** The sign-in form: its pre-session cookie and CSRF token (from the address `ip` if given). */
export async function loginForm(t: TestApp, ip?: string): Promise<{ pre?: string; csrf: string }> {
  const req = t.http.get('/console/login');
  const form = await (ip ? req.set('X-Forwarded-For', ip) : req);
  return { pre: cookieIn(form.headers, 'tactful_console_pre'), csrf: csrfIn(form.text) };
}

/** Fills in and posts the sign-in form with `key`: the raw answer (status, cookies). */
export async function postSignIn(t: TestApp, key: string, ip?: string) {
  const { pre, csrf } = await loginForm(t, ip);
  const req = t.http.post('/console/login');
  return (ip ? req.set('X-Forwarded-For', ip) : req)
    .set('Cookie', `tactful_console_pre=${pre}`)
    .type('form')
    .send({ key, _csrf: csrf });
}

/** Signs in with `key`: the English session cookie and the CSRF token of the signed-in pages. */
export async function signInToConsole(
  t: TestApp,
  key: string,
): Promise<{ cookie: string; csrf: string }> {
  const res = await postSignIn(t, key);
  const cookie = `tactful_console=${cookieIn(res.headers, 'tactful_console')}; tactful_console_lang=en`;
  const dash = await t.http.get('/console').set('Cookie', cookie);
  return { cookie, csrf: csrfIn(dash.text) };
}

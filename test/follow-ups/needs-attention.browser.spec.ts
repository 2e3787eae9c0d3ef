import type { Browser, Page } from 'playwright-core';
import { freePort, launchBrowser } from '../support/browser';
import { csrfIn, signInToConsole } from '../support/console-session';
import { createTestApp, type TestApp } from '../support/test-app';

describe('the "needs attention" console page in real headless Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let marketerKey: string;
  let auditorKey: string;
  const ids: Record<string, string> = {};
  const pageErrors: string[] = [];

  const customer = async (externalId: string, name: string, locale: string) => {
    const res = await t.admin
      .post('/v1/customers')
      .send({ externalId, kind: 'consumer', name, locale, email: `${externalId}@mail.example` });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const signIn = async (key: string): Promise<Page> => {
    const page = await (await browser.newContext({ locale: 'en-GB' })).newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/console/login`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/console`);
    return page;
  };
  const openNote = (id: string) =>
    t.db
      .query(`SELECT resolved_at, resolved_by, note FROM follow_ups WHERE customer_id = $1`, [id])
      .then((r: { resolved_at: Date | null; resolved_by: string; note: string }[]) => r[0]);

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp({ env: { PUBLIC_URL: base, TACTFUL_ROLES: 'api' } });
    await t.app.listen(port, '127.0.0.1');
    marketerKey = await t.keyFor('marketer');
    auditorKey = await t.keyFor('auditor');
    ids.anna = await customer('fu-anna', 'Anna Petrova', 'en');
    ids.oleg = await customer('fu-oleg', 'Олег Сидоров', 'ru');
    for (const id of [ids.anna, ids.oleg]) {
      const res = await t.admin
        .post('/v1/events')
        .send({ customerId: id, type: 'satisfaction', score: 1 });
      expect(res.status).toBe(201);
    }
    await t.admin.post('/v1/events').send({ customerId: ids.oleg, type: 'complaint' });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('lists the open follow-ups in English from the nav, and a note resolves one', async () => {
    const page = await signIn(marketerKey);
    await page.getByRole('link', { name: 'Needs attention' }).click();
    await page.waitForURL(`${base}/console/follow-ups`);
    await page.getByRole('heading', { name: 'Needs attention' }).waitFor();
    const annaRow = page.getByRole('row').filter({ hasText: 'Anna Petrova' });
    expect(await annaRow.textContent()).toContain('low satisfaction score');
    const olegRow = page.getByRole('row').filter({ hasText: 'Олег Сидоров' });
    expect(await olegRow.textContent()).toContain('low satisfaction score, complaint');
    // The customer's name leads to their console page.
    expect(await annaRow.getByRole('link', { name: 'Anna Petrova' }).getAttribute('href')).toBe(
      `/console/customers/${ids.anna}`,
    );

    await annaRow.getByLabel('What was done').fill('Called back, replaced the boots');
    await annaRow.getByRole('button', { name: 'Resolved' }).click();
    await page.waitForURL(`${base}/console/follow-ups?done=1`);
    await page.getByText('Marked resolved.').waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'Anna Petrova' }).count()).toBe(0);
    const done = await openNote(ids.anna);
    expect(done).toMatchObject({ note: 'Called back, replaced the boots' });
    expect(done.resolved_at).not.toBeNull();
    expect(done.resolved_by).toMatch(/^key:/);
  });

  it('speaks Russian, and resolves with a Russian note', async () => {
    const page = await signIn(marketerKey);
    await page.goto(`${base}/console/follow-ups`);
    await page.getByRole('link', { name: 'RU' }).click();
    await page.getByRole('heading', { name: 'Ждут ответа' }).waitFor();
    expect(await page.getByRole('link', { name: 'Ждут ответа' }).getAttribute('aria-current')).toBe(
      'page',
    );
    const row = page.getByRole('row').filter({ hasText: 'Олег Сидоров' });
    expect(await row.textContent()).toContain('низкая оценка, жалоба');
    await row.getByLabel('Что сделано').fill('Перезвонили, вернули деньги');
    await row.getByRole('button', { name: 'Решено' }).click();
    await page.getByText('Отмечено как решённое.').waitFor();
    await page.getByText('Никто не ждёт.').waitFor();
    expect((await openNote(ids.oleg)).note).toBe('Перезвонили, вернули деньги');
  });

  it('an auditor reads the page but gets no form; a POST without the CSRF token is refused', async () => {
    const c = await customer('fu-vera', 'Vera', 'en');
    await t.admin.post('/v1/events').send({ customerId: c, type: 'complaint' });
    const page = await signIn(auditorKey);
    await page.getByRole('link', { name: 'Needs attention' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Vera' });
    await row.waitFor();
    expect(await row.getByRole('button').count()).toBe(0);

    const [open] = await t.db.query(`SELECT id FROM follow_ups WHERE customer_id = $1`, [c]);
    const s = await signInToConsole(t, marketerKey);
    const forged = await t.http
      .post(`/console/follow-ups/${open.id}/resolve`)
      .set('Cookie', s.cookie)
      .type('form')
      .send({ note: 'x' });
    expect(forged.status).toBe(403);
    const empty = await t.http
      .post(`/console/follow-ups/${open.id}/resolve`)
      .set('Cookie', s.cookie)
      .type('form')
      .send({ _csrf: s.csrf, note: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('note must have 1 to 2000 characters');
    const asAuditor = await signInToConsole(t, auditorKey);
    const list = await t.http.get('/console/follow-ups').set('Cookie', asAuditor.cookie);
    const refused = await t.http
      .post(`/console/follow-ups/${open.id}/resolve`)
      .set('Cookie', asAuditor.cookie)
      .type('form')
      .send({ _csrf: csrfIn(list.text), note: 'x' });
    expect(refused.status).toBe(403);
    expect((await openNote(c)).resolved_at).toBeNull();
    expect(pageErrors).toEqual([]);
  });
});

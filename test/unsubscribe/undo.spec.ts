import { LinkTokenService } from '../../src/tokens/link-token.service';
import { ManualClock } from '../support/clock';
import { grantConfirmed } from '../support/consent-steps';
import { createTestApp, createTopics, type TestApp } from '../support/test-app';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) undo-test';
const undoOf = (html: string) => /name='undo' value='([^']+)'/.exec(html)?.[1];

/** The unsubscribed page: what was stopped, "undo" for an hour, and the preference page. */
describe('the unsubscribed page and its undo', () => {
  let t: TestApp;
  let tokens: LinkTokenService;
  const clock = new ManualClock(new Date('2026-11-23T10:00:00.000Z'));

  const customer = async (externalId: string, locale = 'en') => {
    const res = await t.admin
      .post('/v1/customers')
      .send({ externalId, kind: 'consumer', email: `${externalId}@mail.example`, locale });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    await grantConfirmed(t, id, 'email', 'tips');
    return id;
  };
  const linkOf = (customerId: string, topic = 'tips') =>
    tokens.issue({ purpose: 'unsubscribe', customerId, channel: 'email', topic });
  const press = (token: string) =>
    t.http
      .post(`/u/${token}`)
      .set('Accept', 'text/html')
      .set('User-Agent', UA)
      .type('form')
      .send({ 'List-Unsubscribe': 'One-Click' });
  const undo = (token: string, field: string | undefined) =>
    t.http
      .post(`/u/${token}/undo`)
      .set('User-Agent', UA)
      .type('form')
      .send(field === undefined ? {} : { undo: field });
  const tipsState = async (id: string) =>
    (
      await t.db.query(
        `SELECT status FROM consent_state WHERE customer_id = $1 AND channel = 'email' AND topic = 'tips'`,
        [id],
      )
    )[0]?.status as string | undefined;
  const events = async (id: string) =>
    (
      await t.db.query(`SELECT count(*)::int AS n FROM consent_events WHERE customer_id = $1`, [id])
    )[0].n as number;

  beforeAll(async () => {
    t = await createTestApp({ clock, env: { PUBLIC_URL: 'https://shop.example' } });
    tokens = t.app.get(LinkTokenService);
    await createTopics(t, {
      tips: { ru: 'Полезные советы', en: 'Useful tips' },
      offers: { ru: 'Акции', en: 'Offers' },
    });
  });
  afterAll(() => t.close());

  it('names the topic and the channel, links to the preferences and undoes exactly what was withdrawn, as the customer', async () => {
    const id = await customer('undo-1');
    const token = linkOf(id);
    const done = await press(token);
    expect(done.status).toBe(200);
    expect(done.text).toContain(
      'You will no longer receive messages about «Useful tips» by e-mail.',
    );
    expect(done.text).toMatch(/href='https:\/\/shop\.example\/p\/[A-Za-z0-9_.-]+'/);
    const field = undoOf(done.text);
    expect(field).toBeDefined();
    expect(await tipsState(id)).toBe('withdrawn');

    clock.advance(30 * 60_000);
    const back = await undo(token, field);
    expect(back.status).toBe(200);
    expect(back.text).toContain('Your subscription is back');
    expect(back.text).toContain('You will receive messages about «Useful tips» by e-mail.');
    expect(await tipsState(id)).toBe('confirmed');
    const [grant] = await t.db.query(
      `SELECT action, source, actor, confirmed, user_agent, data FROM consent_events
        WHERE customer_id = $1 ORDER BY id DESC LIMIT 1`,
      [id],
    );
    expect(grant).toMatchObject({
      action: 'grant',
      source: 'unsubscribe-undo',
      actor: 'customer',
      confirmed: true,
      user_agent: UA,
    });
    const [audit] = await t.db.query(
      `SELECT type, actor FROM audit_events WHERE customer_id = $1 ORDER BY id DESC LIMIT 1`,
      [id],
    );
    expect(audit).toEqual({ type: 'consent.granted', actor: 'customer' });

    // Replayed: the withdrawal is no longer the latest word; nothing is written.
    const count = await events(id);
    const again = await undo(token, field);
    expect(again.status).toBe(410);
    expect(again.text).toContain('can no longer be undone');
    expect(await events(id)).toBe(count);
    // Unsubscribed again within the hour: the old field does not undo the new withdrawal.
    const second = await press(token);
    expect((await undo(token, field)).status).toBe(410);
    expect(await tipsState(id)).toBe('withdrawn');
    expect((await undo(token, undoOf(second.text))).status).toBe(200);
  });

  it('refuses after the hour, on another link, altered or missing, and restores a granted consent as granted', async () => {
    const id = await customer('undo-2', 'ru');
    const other = await customer('undo-3');
    const token = linkOf(id);
    const done = await press(token);
    expect(done.text).toContain(
      'Вы больше не будете получать сообщения на тему «Полезные советы» по электронной почте.',
    );
    const field = undoOf(done.text)!;
    const count = await events(id);
    expect((await undo(linkOf(other), field)).status).toBe(410);
    expect((await undo(token, field.replace('confirmed', 'granted'))).status).toBe(410);
    expect((await undo(token, undefined)).status).toBe(410);
    expect((await undo(token, `${field}\u0000`)).status).toBe(400);
    expect((await undo(token, 'x'.repeat(5000))).status).toBe(410);
    clock.advance(61 * 60_000);
    const late = await undo(token, field);
    expect(late.status).toBe(410);
    expect(late.text).toContain('Отменить отписку уже нельзя');
    expect(await events(id)).toBe(count);
    expect(await tipsState(id)).toBe('withdrawn');
    expect(await tipsState(other)).toBe('confirmed');
  });

  it('offers no undo for a link of every topic or a scope already withdrawn; a bad link gets the link-not-valid page', async () => {
    const id = await customer('undo-4');
    const all = await press(linkOf(id, '*'));
    expect(all.text).toContain('You will no longer receive any messages from us by e-mail.');
    expect(undoOf(all.text)).toBeUndefined();
    const token = linkOf(id);
    await press(token);
    expect(undoOf((await press(token)).text)).toBeUndefined();
    const bad = await undo(`${token.slice(0, -2)}xx`, 'x');
    expect(bad.status).toBe(404);
    expect(bad.text).toContain('This link no longer works');
  });
});

import { ClickTokenService } from '../../src/tokens/click-token.service';
import { LinkTokenService } from '../../src/tokens/link-token.service';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { startTwilioServer, type TwilioTestServer } from '../support/twilio-server';
import { createTopics } from '../support/test-app';
import {
  createDeliveryApp,
  grant,
  insertCampaign,
  insertCustomer,
  insertDelivery,
  type DeliveryTestApp,
} from '../delivery/delivery-app';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36';
/** The path of a tracked link found in a message. */
const path = (link: string | undefined): string => new URL(String(link)).pathname;
const TRACKED = /http:\/\/tactful\.test\/r\/[A-Za-z0-9_.-]+/g;

describe('click tracking', () => {
  let smtp: TestSmtpServer;
  let tw: TwilioTestServer;
  let t: DeliveryTestApp;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    tw = await startTwilioServer();
    t = await createDeliveryApp({
      realTemplates: true,
      env: {
        SMTP_URL: smtp.url,
        TWILIO_ACCOUNT_SID: tw.accountSid,
        TWILIO_AUTH_TOKEN: tw.authToken,
        TWILIO_FROM: '+15005550006',
        TWILIO_API_URL: tw.url,
      },
    });
    await createTopics(t);
    const res = await t.admin.post('/v1/templates').send({
      name: 'spring',
      locales: {
        en: {
          subject: 'Spring, {{customer.name}}',
          html:
            '<p>Hello {{customer.name}}! <a href="https://shop.example/spring?utm=mail&amp;x=2">Spring</a> ' +
            '<a href="https://shop.example/boots">Boots</a> <a href="mailto:help@shop.example">Help</a> ' +
            '<a href="https://shop.example/me?who={{customer.email}}">Account</a></p>',
          text: 'Hello {{customer.name}}! Spring: https://shop.example/spring?utm=mail&x=2. Boots: https://shop.example/boots',
          sms: 'Spring is here: https://shop.example/spring?utm=sms',
        },
      },
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await tw.close();
  });

  const later = (ms: number) => t.clock.set(new Date(t.clock.now().getTime() + ms));

  /** Sends one e-mail of a fresh campaign to a fresh customer; answers ids and the mail. */
  async function sendOne(
    opts: { campaignTracks?: boolean; customerTracks?: boolean; customer?: string } = {},
  ) {
    const campaign = await insertCampaign(t, { topic: 'tips', name: 'Spring tips' });
    if (opts.campaignTracks === false)
      await t.db.query(`UPDATE campaigns SET track_clicks = false WHERE id = $1`, [campaign]);
    const customer = opts.customer ?? (await insertCustomer(t, { name: 'Anna' }));
    if (opts.customerTracks === false)
      await t.db.query(`UPDATE customers SET track_clicks = false WHERE id = $1`, [customer]);
    if (!opts.customer) await grant(t, customer, 'email', 'tips');
    const deliveryId = await insertDelivery(t, {
      campaignId: campaign,
      customerId: customer,
      topic: 'tips',
      notBefore: new Date(t.clock.now().getTime() - 60_000),
    });
    const before = smtp.messages.length;
    expect(await t.sender.tick()).toMatchObject({ sent: 1 });
    const mails = await smtp.waitFor(before + 1);
    return { campaign, customer, deliveryId, mail: mails[before] };
  }

  const clicks = (deliveryId: string) =>
    t.db.query(
      `SELECT method, agent_class, scanner, counted FROM delivery_clicks WHERE delivery_id = $1 ORDER BY id`,
      [deliveryId],
    );

  it('rewrites the message links, redirects a click and records it as engagement', async () => {
    const { customer, deliveryId, mail } = await sendOne();
    const html = String(mail.parsed.html);
    const text = String(mail.parsed.text);
    const htmlLinks = html.match(TRACKED) ?? [];
    // Spring and Boots are tracked; mailto, the link quoting the address and Tactful's own
    // unsubscribe and preference links stay as written.
    expect(htmlLinks).toHaveLength(2);
    expect(html).not.toContain('https://shop.example/spring');
    expect(html).toContain('href="mailto:help@shop.example"');
    expect(html).toContain('https://shop.example/me?who=');
    expect(html).toMatch(/http:\/\/tactful\.test\/u\//);
    expect(html).toMatch(/http:\/\/tactful\.test\/p\//);
    expect(text.match(TRACKED)).toHaveLength(2);
    expect(text).toMatch(/Spring: http:\/\/tactful\.test\/r\/\S+\. Boots:/);
    for (const link of htmlLinks)
      expect(link.length).toBeLessThan('http://tactful.test/r/'.length + 60);

    later(60_000);
    const follow = await t.http.get(path(htmlLinks[0])).set('User-Agent', BROWSER);
    expect(follow.status).toBe(302);
    expect(follow.headers.location).toBe('https://shop.example/spring?utm=mail&x=2');
    expect(await clicks(deliveryId)).toEqual([
      { method: 'GET', agent_class: 'browser', scanner: false, counted: true },
    ]);
    const [c] = await t.db.query(`SELECT last_engagement_at FROM customers WHERE id = $1`, [
      customer,
    ]);
    expect(c.last_engagement_at).toEqual(t.clock.now());
    const events = await t.db.query(
      `SELECT type, data FROM customer_events WHERE customer_id = $1 AND type = 'engagement'`,
      [customer],
    );
    expect(events).toEqual([
      { type: 'engagement', data: expect.objectContaining({ action: 'clicked', deliveryId }) },
    ]);
    const timeline = await t.admin.get(`/v1/customers/${customer}/timeline?locale=en`);
    expect(timeline.body.items.map((i: { sentence: string }) => i.sentence)).toContain(
      'Clicked «shop.example/spring» in campaign “Spring tips”',
    );

    // A second click on the other link counts as a click, not as a second engagement event.
    later(5_000);
    const again = await t.http.get(path(htmlLinks[1])).set('User-Agent', BROWSER);
    expect(again.headers.location).toBe('https://shop.example/boots');
    expect(await clicks(deliveryId)).toHaveLength(2);
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM customer_events WHERE customer_id = $1 AND type = 'engagement'`,
      [customer],
    );
    expect(n).toBe(1);
  });

  it('tracks SMS links too', async () => {
    const campaign = await insertCampaign(t, { topic: 'tips', channels: ['sms'] });
    const customer = await insertCustomer(t, { name: 'Boris' });
    await grant(t, customer, 'sms', 'tips');
    const deliveryId = await insertDelivery(t, {
      campaignId: campaign,
      customerId: customer,
      topic: 'tips',
      channel: 'sms',
      notBefore: new Date(t.clock.now().getTime() - 60_000),
    });
    const before = tw.requests.length;
    expect(await t.sender.tick()).toMatchObject({ sent: 1 });
    const body = tw.requests[before].params.Body;
    const [link] = body.match(TRACKED) ?? [];
    expect(link).toBeDefined();
    expect(body).not.toContain('shop.example');
    later(60_000);
    const follow = await t.http.get(path(link)).set('User-Agent', 'Mozilla/5.0 (iPhone)');
    expect(follow.headers.location).toBe('https://shop.example/spring?utm=sms');
    expect(await clicks(deliveryId)).toEqual([
      { method: 'GET', agent_class: 'mobile', scanner: false, counted: true },
    ]);
  });

  it('answers tampered and unknown tokens with the link-not-valid page, never a redirect', async () => {
    const { mail } = await sendOne();
    const [link] = String(mail.parsed.html).match(TRACKED) ?? [];
    const token = path(link).slice(3);
    const forgedDelivery = t.app.get(ClickTokenService).issue({
      deliveryId: '0193a6f2-7c1e-7d11-8a2b-3c4d5e6f7a8b',
      linkId: 1,
    });
    const bad = [
      token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'),
      token.slice(0, 20),
      `${token}x`,
      forgedDelivery,
      'https%3A%2F%2Fevil.example',
      'x'.repeat(5000),
    ];
    const [{ n: before }] = await t.db.query(`SELECT count(*)::int AS n FROM delivery_clicks`);
    for (const b of bad) {
      const res = await t.http.get(`/r/${b}`).set('User-Agent', BROWSER);
      expect([404, 410]).toContain(res.status);
      expect(res.headers.location).toBeUndefined();
      expect(res.text).toMatch(/<html/i);
    }
    const nul = await t.http.get(`/r/${token}%00`);
    expect(nul.status).toBeGreaterThanOrEqual(400);
    expect(nul.status).toBeLessThan(500);
    expect(nul.headers.location).toBeUndefined();
    const [{ n: after }] = await t.db.query(`SELECT count(*)::int AS n FROM delivery_clicks`);
    expect(after).toBe(before);
  });

  it('keeps scanner hits without counting them: HEAD, a scanner agent, several links within seconds', async () => {
    const { customer, deliveryId, mail } = await sendOne();
    const links = String(mail.parsed.html).match(TRACKED) ?? [];
    expect(links).toHaveLength(2);
    const head = await t.http.head(path(links[0])).set('User-Agent', BROWSER);
    expect(head.status).toBe(302);
    // Two links of the message opened within seconds of the hand-over: a security gateway.
    later(2_000);
    await t.http.get(path(links[0])).set('User-Agent', BROWSER);
    later(1_000);
    const second = await t.http.get(path(links[1])).set('User-Agent', BROWSER);
    expect(second.status).toBe(302);
    later(120_000);
    await t.http
      .get(path(links[1]))
      .set('User-Agent', 'Mozilla/5.0 (compatible; Barracuda Sentinel link scan)');
    expect(await clicks(deliveryId)).toEqual([
      { method: 'HEAD', agent_class: 'browser', scanner: true, counted: false },
      { method: 'GET', agent_class: 'browser', scanner: true, counted: false },
      { method: 'GET', agent_class: 'browser', scanner: true, counted: false },
      { method: 'GET', agent_class: 'scanner', scanner: true, counted: false },
    ]);
    const [c] = await t.db.query(`SELECT last_engagement_at FROM customers WHERE id = $1`, [
      customer,
    ]);
    // The first in-window click counted until the second link showed it was a scanner; the
    // engagement it wrote stays (see ClickService), the click itself no longer counts.
    expect(c.last_engagement_at).not.toBeNull();
    const [{ clicked }] = await t.db.query(
      `SELECT count(*)::int AS clicked FROM audit_events WHERE delivery_id = $1 AND type = 'delivery.clicked'`,
      [deliveryId],
    );
    expect(clicked).toBe(1);
  });

  it('leaves links as written for a customer who opted out and a campaign with trackClicks false', async () => {
    for (const opts of [{ customerTracks: false }, { campaignTracks: false }]) {
      const { mail } = await sendOne(opts);
      expect(String(mail.parsed.html)).not.toMatch(TRACKED);
      expect(String(mail.parsed.text)).not.toMatch(TRACKED);
      expect(String(mail.parsed.html)).toContain(
        'href="https://shop.example/spring?utm=mail&amp;x=2"',
      );
    }
  });

  it('lets a customer say "don\'t track my clicks" on the preference page, and untracks their next message', async () => {
    const customer = await insertCustomer(t, { name: 'Vera' });
    await grant(t, customer, 'email', 'tips');
    const token = t.app
      .get(LinkTokenService)
      .issue({ purpose: 'preferences', customerId: customer, channel: 'email', topic: '*' });
    const page = await t.http.get(`/p/${token}`);
    expect(page.text).toContain('Do not track my clicks');
    expect(page.text).not.toMatch(/name='noClickTracking'\s+checked/);
    const csrf = /name='csrf' value='([^']+)'/.exec(page.text)?.[1] ?? '';
    const shown = [...page.text.matchAll(/name='shown' value='([^']+)'/g)].map((m) => m[1]);
    const fields: Record<string, string | string[]> = { csrf, action: 'save', shown };
    for (const m of page.text.matchAll(/name='([^']+)'\s+value='on'\s+checked/g))
      fields[m[1]] = 'on';
    for (const m of page.text.matchAll(/name='(channel:[a-z]+)'\s+checked/g)) fields[m[1]] = 'on';
    const saved = await t.http
      .post(`/p/${token}`)
      .type('form')
      .send({ ...fields, clicksShown: '1', noClickTracking: 'on' });
    expect(saved.status).toBe(200);
    expect(saved.text).toContain('Link clicks are not tracked');
    const [row] = await t.db.query(`SELECT track_clicks FROM customers WHERE id = $1`, [customer]);
    expect(row.track_clicks).toBe(false);
    const timeline = await t.admin.get(`/v1/customers/${customer}/timeline?locale=en`);
    expect(JSON.stringify(timeline.body.items)).toContain('link clicks not tracked');
    // A form without the box (a page opened before it existed) leaves the choice alone.
    await t.http.post(`/p/${token}`).type('form').send(fields);
    expect(
      (await t.db.query(`SELECT track_clicks FROM customers WHERE id = $1`, [customer]))[0]
        .track_clicks,
    ).toBe(false);

    const { mail } = await sendOne({ customer });
    expect(String(mail.parsed.html)).not.toMatch(TRACKED);
    expect(String(mail.parsed.html)).toContain('https://shop.example/boots');
  });
});

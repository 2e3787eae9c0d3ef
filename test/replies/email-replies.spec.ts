import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { createTopics } from '../support/test-app';
import {
  createDeliveryApp,
  insertCampaign,
  sentTipsEmail,
  type DeliveryTestApp,
} from '../delivery/delivery-app';

/** A reply as a mail client writes it and the support mailbox forwards it to Tactful. */
const reply = (r: {
  from: string;
  inReplyTo?: string;
  references?: string;
  id: string;
  body?: string;
}) =>
  [
    `From: Anna <${r.from}>`,
    'To: Shop support <support@shop.example>',
    'Subject: Re: Spring tips',
    `Message-ID: <${r.id}@mail.example>`,
    ...(r.inReplyTo ? [`In-Reply-To: ${r.inReplyTo}`] : []),
    ...(r.references ? [`References: ${r.references}`] : []),
    'Date: Mon, 23 Nov 2026 12:30:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    r.body ?? 'Thank you! Which cream suits suede?',
    '',
  ].join('\r\n');

describe('e-mail replies are seen (POST /webhooks/email/inbound)', () => {
  let smtp: TestSmtpServer;
  let t: DeliveryTestApp;
  let campaign: string;
  let integration: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createDeliveryApp({ env: { SMTP_URL: smtp.url, REPLY_TO: 'support@shop.example' } });
    await createTopics(t);
    campaign = await insertCampaign(t, { topic: 'tips' });
    integration = await t.keyFor('integration');
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const post = (raw: string, key = integration) =>
    t.as(key).post('/webhooks/email/inbound').set('Content-Type', 'message/rfc822').send(raw);
  const engagements = (customer: string) =>
    t.db.query(`SELECT data FROM customer_events WHERE customer_id = $1 AND type = 'engagement'`, [
      customer,
    ]);

  it('a reply matched by In-Reply-To counts as engagement and shows in the timeline; nothing is answered', async () => {
    const { customer, id, messageId } = await sentTipsEmail(t, campaign, 'anna@mail.example');
    await smtp.waitFor(1);
    smtp.messages.length = 0;
    const res = await post(reply({ from: 'Anna@Mail.Example', inReplyTo: messageId, id: 'r1' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ route: 'reply', handled: true, deliveryId: id });
    expect(await engagements(customer)).toEqual([
      { data: { action: 'replied_email', deliveryId: id, campaignId: campaign } },
    ]);
    const timeline = await t.admin.get(`/v1/customers/${customer}/timeline?locale=ru`);
    expect(timeline.body.items[0].sentence).toBe(
      'Клиент ответил по e-mail, кампания «Spring tips»: ответ передан сотруднику',
    );
    // The same reply forwarded twice counts once; the text is stored nowhere; nobody is mailed.
    expect(
      (await post(reply({ from: 'anna@mail.example', inReplyTo: messageId, id: 'r1' }))).status,
    ).toBe(200);
    expect(await engagements(customer)).toHaveLength(1);
    const dump = JSON.stringify(await t.db.query(`SELECT json_agg(a) AS all FROM audit_events a`));
    expect(dump).not.toContain('suede');
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.messages).toEqual([]);
  });

  it('matches by References too (a later message in the thread)', async () => {
    const { customer, messageId } = await sentTipsEmail(t, campaign, 'boris@mail.example');
    const res = await post(
      reply({
        from: 'boris@mail.example',
        references: `<other@x.example> ${messageId}`,
        inReplyTo: '<r9@mail.example>',
        id: 'r2',
      }),
    );
    expect(res.body).toMatchObject({ route: 'reply', handled: true });
    expect(await engagements(customer)).toHaveLength(1);
  });

  it('a reply to an unknown message is accepted and ignored, without leaking anything', async () => {
    const res = await post(
      reply({
        from: 'anna@mail.example',
        inReplyTo: '<00000000-0000-4000-8000-000000000000@shop.example>',
        id: 'r3',
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      route: 'reply',
      handled: false,
      reason: 'a reply to no message Tactful sent; nothing was recorded',
    });
  });

  it('a forged reply (From is not the delivery address) counts for nothing', async () => {
    const { customer, messageId } = await sentTipsEmail(t, campaign, 'vera@mail.example');
    const res = await post(reply({ from: 'mallory@evil.example', inReplyTo: messageId, id: 'r4' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ route: 'reply', handled: false });
    expect(res.body.reason).not.toContain('vera');
    expect(await engagements(customer)).toEqual([]);
  });

  it('needs the integration key; a marketer is refused', async () => {
    const marketer = await t.keyFor('marketer');
    expect(
      (await post(reply({ from: 'a@b.example', inReplyTo: '<x@y>', id: 'r5' }), marketer)).status,
    ).toBe(403);
  });
});

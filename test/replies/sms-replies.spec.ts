import twilio from 'twilio';
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

const PUBLIC_URL = 'https://tactful.example.ru';
const INBOUND_URL = `${PUBLIC_URL}/webhooks/twilio/inbound`;
const FROM = '+15005550006';
const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

describe('SMS replies reach a person', () => {
  let smtp: TestSmtpServer;
  let tw: TwilioTestServer;
  let t: DeliveryTestApp;
  let campaign: string;
  let sid = 0;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    tw = await startTwilioServer();
    t = await createDeliveryApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        REPLY_TO: 'Shop support <support@shop.example>',
        TWILIO_ACCOUNT_SID: tw.accountSid,
        TWILIO_AUTH_TOKEN: tw.authToken,
        TWILIO_FROM: FROM,
        TWILIO_API_URL: tw.url,
      },
    });
    await createTopics(t);
    campaign = await insertCampaign(t, { topic: 'tips', channels: ['sms'], name: 'Spring SMS' });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await tw.close();
  });
  beforeEach(() => {
    smtp.messages.length = 0;
  });

  const inbound = (
    from: string,
    body: string,
    messageSid = `SM${(++sid).toString(16).padStart(32, '0')}`,
  ) => {
    const params = {
      AccountSid: tw.accountSid,
      MessageSid: messageSid,
      From: from,
      To: FROM,
      Body: body,
    };
    return t.http
      .post('/webhooks/twilio/inbound')
      .type('form')
      .set(
        'X-Twilio-Signature',
        twilio.getExpectedTwilioSignature(tw.authToken, INBOUND_URL, params),
      )
      .send(params);
  };
  /** A customer who got the campaign's SMS (through the Twilio-shaped server). */
  async function smsSentTo(c: {
    phone: string;
    kind?: 'consumer' | 'business';
    company?: string;
    name?: string;
  }) {
    const id = await insertCustomer(t, { ...c, locale: 'en' });
    await grant(t, id, 'sms', 'tips');
    const delivery = await insertDelivery(t, {
      campaignId: campaign,
      customerId: id,
      topic: 'tips',
      channel: 'sms',
    });
    expect((await t.sender.tick()).sent).toBe(1);
    return { id, delivery };
  }
  const engagements = (id: string) =>
    t.db.query(
      `SELECT data, event_id FROM customer_events WHERE customer_id = $1 AND type = 'engagement'`,
      [id],
    );

  it('forwards a reply to support with the customer, the campaign and a console link; counts it; answers nothing', async () => {
    const { id, delivery } = await smsSentTo({ phone: '+79161110001', name: 'Anna Petrova' });
    const sentBefore = tw.created.message;
    const res = await inbound('+7 916 111-00-01', 'When do you open on Saturday?');
    expect(res.status).toBe(200);
    expect(res.text).toBe(EMPTY);

    const [mail] = await smtp.waitFor(1);
    expect(mail.to).toEqual(['support@shop.example']);
    expect(mail.parsed.subject).toContain('Anna Petrova');
    expect(mail.parsed.text).toContain('When do you open on Saturday?');
    expect(mail.parsed.text).toContain('Spring SMS');
    expect(mail.parsed.text).toContain(`${PUBLIC_URL}/console/customers/${id}`);
    // No automatic answer: nothing reached the Twilio-shaped server.
    await new Promise((r) => setTimeout(r, 200));
    expect(tw.created.message).toBe(sentBefore);

    // Engagement (resets fatigue) tied to the delivery it answers; the text is stored nowhere.
    const [e] = await engagements(id);
    expect(e.data).toEqual({ action: 'replied_sms', deliveryId: delivery, campaignId: campaign });
    const [{ last }] = await t.db.query(
      `SELECT last_engagement_at AS last FROM customers WHERE id = $1`,
      [id],
    );
    expect(last).toEqual(t.clock.now());
    const timeline = await t.admin.get(`/v1/customers/${id}/timeline?locale=en`);
    const sentences = timeline.body.items.map((i: { sentence: string }) => i.sentence);
    expect(sentences).toContain(
      'The customer replied by SMS, campaign “Spring SMS”; passed to a person',
    );
    const dump = JSON.stringify(
      await t.db.query(
        `SELECT (SELECT json_agg(a) FROM audit_events a) AS audit, (SELECT json_agg(e) FROM customer_events e) AS events`,
      ),
    );
    expect(dump).not.toContain('Saturday');
    // Not a complaint: no follow-up.
    expect(await t.db.query(`SELECT id FROM follow_ups WHERE customer_id = $1`, [id])).toEqual([]);
  });

  it("a business contact's reply goes to the account manager", async () => {
    const { id } = await smsSentTo({
      phone: '+79161110002',
      kind: 'business',
      company: 'ООО Ромашка',
    });
    await t.db.query(
      `UPDATE customers SET account_manager_email = 'igor@shop.example' WHERE id = $1`,
      [id],
    );
    await inbound('+79161110002', 'Please call me back');
    const [mail] = await smtp.waitFor(1);
    expect(mail.to).toEqual(['igor@shop.example']);
  });

  it('a reply that reads as a complaint opens a follow-up; a replayed webhook does nothing twice', async () => {
    const { id, delivery } = await smsSentTo({ phone: '+79161110003' });
    const res = await inbound(
      '+79161110003',
      'Ужасно, сапоги сломались, верните деньги',
      'SM' + 'c'.repeat(32),
    );
    expect(res.text).toBe(EMPTY);
    const [open] = await t.db.query(
      `SELECT reasons, delivery_ids FROM follow_ups WHERE customer_id = $1 AND resolved_at IS NULL`,
      [id],
    );
    expect(open).toEqual({ reasons: ['sms_complaint'], delivery_ids: [delivery] });
    await smtp.waitFor(2); // the forwarded reply and the follow-up notice
    expect(
      (
        await inbound(
          '+79161110003',
          'Ужасно, сапоги сломались, верните деньги',
          'SM' + 'c'.repeat(32),
        )
      ).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages).toHaveLength(2);
    expect(await engagements(id)).toHaveLength(1);
  });

  it('an unknown number, a keyword or an empty text forwards nothing', async () => {
    await inbound('+79160000000', 'hello?');
    await smsSentTo({ phone: '+79161110004' });
    await inbound('+79161110004', '   ');
    await inbound('+79161110004', 'HELP');
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages).toEqual([]);
  });
});

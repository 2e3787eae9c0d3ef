import twilio from 'twilio';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { startTwilioServer, type TwilioTestServer } from '../support/twilio-server';
import { aTopic } from '../support/builders';
import { createTopics } from '../support/test-app';
import {
  createDeliveryApp,
  grant,
  insertCampaign,
  insertCustomer,
  insertDelivery,
  type DeliveryTestApp,
} from '../delivery/delivery-app';

const FROM = '+15005550006';
const STATUS_URL = 'http://tactful.test/webhooks/twilio/status';

describe('call briefs ahead, and how the call ended', () => {
  let smtp: TestSmtpServer;
  let tw: TwilioTestServer;
  let t: DeliveryTestApp;
  let calls: string;
  let careCalls: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    tw = await startTwilioServer();
    t = await createDeliveryApp({
      env: {
        SMTP_URL: smtp.url,
        TWILIO_ACCOUNT_SID: tw.accountSid,
        TWILIO_AUTH_TOKEN: tw.authToken,
        TWILIO_FROM: FROM,
        TWILIO_API_URL: tw.url,
      },
    });
    await createTopics(t);
    calls = await insertCampaign(t, { topic: 'offers', channels: ['voice'], name: 'Spring visit' });
    // While a follow-up is open only service messages go: the brief's follow-up shows on a care call.
    await aTopic(t.db, { key: 'care', category: 'service', title: { en: 'Care' } });
    careCalls = await insertCampaign(t, {
      topic: 'care',
      goal: 'care',
      channels: ['voice'],
      name: 'After the visit',
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await tw.close();
  });

  const status = (CallSid: string, CallStatus: string) => {
    const params = { CallSid, CallStatus };
    return t.http
      .post('/webhooks/twilio/status')
      .type('form')
      .set(
        'X-Twilio-Signature',
        twilio.getExpectedTwilioSignature(tw.authToken, STATUS_URL, params),
      )
      .send(params);
  };

  async function callTo(phone: string, managerEmail: string | null, care = false) {
    const biz = await insertCustomer(t, {
      kind: 'business',
      name: 'Olga',
      company: 'Romashka LLC',
      phone,
      locale: 'en',
      accountManagerPhone: '+79160000099',
    });
    await t.db.query(`UPDATE customers SET account_manager_email = $2 WHERE id = $1`, [
      biz,
      managerEmail,
    ]);
    await grant(t, biz, 'voice', care ? 'care' : 'offers');
    const id = await insertDelivery(t, {
      campaignId: care ? careCalls : calls,
      customerId: biz,
      topic: care ? 'care' : 'offers',
      channel: 'voice',
      category: care ? 'service' : 'promotional',
      goal: care ? 'care' : 'retention',
    });
    return { biz, id };
  }

  it('mails the brief to the account manager before the call is placed, with purchases and an open follow-up', async () => {
    const { biz } = await callTo('+79160000006', 'igor@shop.example', true);
    await t.admin.post('/v1/events').send([
      {
        customerId: biz,
        type: 'purchase',
        amount: 1200,
        currency: 'RUB',
        occurredAt: '2026-11-01T10:00:00Z',
      },
      { customerId: biz, type: 'complaint' },
    ]);
    await smtp.waitFor(1); // the follow-up notice (no REPLY_TO: the manager's own e-mail)
    smtp.messages.length = 0;
    let mailsWhenCalled = -1;
    tw.setFault(() => {
      mailsWhenCalled = smtp.messages.length;
      return null;
    });
    expect(await t.sender.tick()).toMatchObject({ sent: 1 });
    tw.setFault(null);
    expect(mailsWhenCalled).toBe(1);
    const [brief] = smtp.messages;
    expect(brief.to).toEqual(['igor@shop.example']);
    expect(brief.parsed.subject).toBe('Call brief: Olga (Romashka LLC)');
    expect(brief.parsed.text).toContain('Call Olga of Romashka LLC');
    expect(brief.parsed.text).toContain('1 Nov 2026: 1200 RUB');
    expect(brief.parsed.text).toContain('Waiting for a person: a complaint');
  });

  it('places the call without a brief when the manager has no e-mail', async () => {
    await callTo('+79160000008', null);
    smtp.messages.length = 0;
    const before = tw.created.call;
    expect(await t.sender.tick()).toMatchObject({ sent: 1 });
    expect(tw.created.call).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.messages).toEqual([]);
  });

  it.each([
    ['completed', 'answered', 'The call was answered'],
    ['no-answer', 'no_answer', 'The call was not answered'],
    ['busy', 'busy', 'The line was busy'],
  ])('a call that ends %s lands in the timeline as %s', async (callStatus, outcome, sentence) => {
    const { biz, id } = await callTo(`+7916000${Math.floor(1000 + Math.random() * 8999)}`, null);
    await t.sender.tick();
    const [{ provider_id: sid }] = await t.db.query(
      `SELECT provider_id FROM deliveries WHERE id = $1`,
      [id],
    );
    for (const s of ['initiated', 'ringing', callStatus, callStatus])
      expect((await status(sid, s)).status).toBe(200);
    const rows = await t.db.query(
      `SELECT reason FROM audit_events WHERE delivery_id = $1 AND type = 'call.outcome'`,
      [id],
    );
    expect(rows).toEqual([{ reason: outcome }]);
    const timeline = await t.admin.get(`/v1/customers/${biz}/timeline?locale=en`);
    expect(timeline.body.items.map((i: { sentence: string }) => i.sentence)).toContain(
      `${sentence} (campaign “Spring visit”)`,
    );
  });
});

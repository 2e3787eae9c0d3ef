import { PlannerService } from '../../src/planning/planner.service';
import {
  createDeliveryApp,
  grant,
  insertCustomer,
  type DeliveryTestApp,
} from '../delivery/delivery-app';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { createTopics } from '../support/test-app';
import { startTwilioServer, type TwilioTestServer } from '../support/twilio-server';

const FROM = '+15005550006';

/**
 * The design's channel list is an order of preference decided per customer: one offers campaign
 * over a mixed audience with channels voice, email, sms calls the business contact (bridged from
 * the account manager's phone) and writes or texts the consumers, end to end through the API,
 * the planner, the sender, a real SMTP server and the twilio SDK against a Twilio-shaped server.
 */
describe('a mixed voice campaign: business contacts are called, consumers are written to', () => {
  let tw: TwilioTestServer;
  let smtp: TestSmtpServer;
  let t: DeliveryTestApp;
  let marketer: string;

  beforeAll(async () => {
    tw = await startTwilioServer();
    smtp = await startSmtpServer();
    t = await createDeliveryApp({
      realTemplates: true,
      // Monday 11:00 in Moscow: inside business hours, outside quiet hours.
      now: '2026-11-23T08:00:00Z',
      env: {
        SMTP_URL: smtp.url,
        TWILIO_ACCOUNT_SID: tw.accountSid,
        TWILIO_AUTH_TOKEN: tw.authToken,
        TWILIO_FROM: FROM,
        TWILIO_API_URL: tw.url,
      },
    });
    await createTopics(t);
    marketer = await t.keyFor('marketer');
  });
  afterAll(async () => {
    await t.close();
    await tw.close();
    await smtp.close();
  });

  it('forecasts and launches one call, then calls the business contact once and e-mails or texts the consumers', async () => {
    const moscow = { locale: 'ru', timezone: 'Europe/Moscow' };
    const called = await insertCustomer(t, {
      ...moscow,
      kind: 'business',
      name: 'Ольга',
      company: 'Ромашка',
      email: 'olga@romashka.example',
      phone: '+79160000006',
      accountManagerPhone: '+79160000099',
    });
    // A business contact without a voice consent is written to, not called.
    const bizNoVoice = await insertCustomer(t, {
      ...moscow,
      kind: 'business',
      email: 'buyer@lilia.example',
      accountManagerPhone: '+79160000098',
    });
    // A consumer who granted voice is still never called.
    const consumer = await insertCustomer(t, { ...moscow, email: 'anna@mail.example' });
    const smsOnly = await insertCustomer(t, { ...moscow, email: null, phone: '+79160000008' });
    for (const c of [called, consumer]) await grant(t, c, 'voice', 'offers');
    for (const c of [called, bizNoVoice, consumer]) await grant(t, c, 'email', 'offers');
    await grant(t, smsOnly, 'sms', 'offers');

    const created = await t
      .as(marketer)
      .post('/v1/campaigns')
      .send({
        name: 'autumn offer with calls',
        topic: 'offers',
        goal: 'engagement',
        template: 'offer',
        channels: ['voice', 'email', 'sms'],
        audience: {},
        schedule: { type: 'now' },
      });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const forecast = await t.as(marketer).post(`/v1/campaigns/${id}/forecast`).send({});
    expect(forecast.status).toBe(200);
    expect(forecast.body).toMatchObject({
      audience: 4,
      send: 4,
      calls: 1,
      channels: { voice: 1, email: 2, sms: 1 },
      warnings: [],
    });

    const launched = await t.as(marketer).post(`/v1/campaigns/${id}/launch`).send({});
    expect(launched.status).toBe(202);
    expect(launched.body).toMatchObject({ calls: 1, warnings: [] });

    await t.app.get(PlannerService).tick();
    const planned: { customer_id: string; channel: string }[] = await t.db.query(
      `SELECT customer_id, channel FROM deliveries WHERE campaign_id = $1`,
      [id],
    );
    expect(new Map(planned.map((d) => [d.customer_id, d.channel]))).toEqual(
      new Map([
        [called, 'voice'],
        [bizNoVoice, 'email'],
        [consumer, 'email'],
        [smsOnly, 'sms'],
      ]),
    );

    await t.sender.tick();
    await smtp.waitFor(2);
    const calls = tw.requests.filter((r) => r.kind === 'call');
    expect(calls).toHaveLength(1);
    expect(calls[0].params.To).toBe('+79160000099');
    expect(calls[0].params.Twiml).toContain(`<Dial callerId="${FROM}">+79160000006</Dial>`);
    expect(calls[0].params.Twiml).toContain('Ольга');
    const texts = tw.requests.filter((r) => r.kind !== 'call');
    expect(texts.map((r) => r.params.To)).toEqual(['+79160000008']);
    expect(smtp.messages.flatMap((m) => m.to).sort()).toEqual([
      'anna@mail.example',
      'buyer@lilia.example',
    ]);

    // A second run of both sends nothing more: one call per business contact.
    await t.app.get(PlannerService).tick();
    await t.sender.tick();
    expect(tw.requests.filter((r) => r.kind === 'call')).toHaveLength(1);
  });
});

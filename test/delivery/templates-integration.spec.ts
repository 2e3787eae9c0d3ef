import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { startTwilioServer, type TwilioTestServer } from '../support/twilio-server';
import { createTopics } from '../support/test-app';
import {
  createDeliveryApp,
  delivery,
  grant,
  insertCampaign,
  insertCustomer,
  insertDelivery,
  type DeliveryTestApp,
} from './delivery-app';

describe('sender with the real template renderer', () => {
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
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await tw.close();
  });

  it('renders the stored template in the customer language with the unsubscribe link, for e-mail and SMS', async () => {
    const res = await t.admin.post('/v1/templates').send({
      name: 'spring',
      locales: {
        ru: {
          subject: 'Весенние советы, {{customer.name}}',
          html: '<p>Здравствуйте, {{customer.name}}!</p>',
          text: 'Здравствуйте, {{customer.name}}!',
          sms: 'Здравствуйте, {{customer.name}}! Советы весны.',
        },
        en: {
          subject: 'Spring tips, {{customer.name}}',
          html: '<p>Hello {{customer.name}}!</p>',
          text: 'Hello {{customer.name}}!',
          sms: 'Hello {{customer.name}}! Spring tips.',
        },
      },
    });
    expect(res.status).toBe(201);
    const campaign = await insertCampaign(t, { topic: 'tips', channels: ['email', 'sms'] });
    const anna = await insertCustomer(t, {
      name: 'Анна',
      email: 'anna@mail.example',
      phone: '+79161112233',
      locale: 'ru',
      timezone: 'Europe/Moscow',
    });
    await grant(t, anna, 'email', 'tips');
    await grant(t, anna, 'sms', 'tips');
    const mailId = await insertDelivery(t, {
      campaignId: campaign,
      customerId: anna,
      topic: 'tips',
    });
    const smsId = await insertDelivery(t, {
      campaignId: campaign,
      customerId: anna,
      topic: 'tips',
      channel: 'sms',
      step: 1,
    });
    expect(await t.sender.tick()).toMatchObject({ sent: 2 });
    const [mail] = await smtp.waitFor(1);
    expect(mail.parsed.subject).toBe('Весенние советы, Анна');
    expect(mail.parsed.text).toContain('Здравствуйте, Анна!');
    const listUnsubscribe = mail.parsed.headerLines.find((h) => h.key === 'list-unsubscribe');
    expect(listUnsubscribe?.line).toContain('<http://tactful.test/u/');
    // The visible unsubscribe link the renderer puts in the footer is the same one.
    const url = /<(http:\/\/tactful\.test\/u\/[^>]+)>/.exec(listUnsubscribe!.line)![1];
    expect(mail.parsed.html).toContain(url);
    expect(tw.requests).toHaveLength(1);
    // The renderer appends the localized opt-out line.
    expect(tw.requests[0].params.Body).toMatch(/^Здравствуйте, Анна! Советы весны\.[\s\S]+/);
    expect(tw.requests[0].params.Body.length).toBeGreaterThan(
      'Здравствуйте, Анна! Советы весны.'.length,
    );
    expect((await delivery(t, mailId)).status).toBe('sent');
    expect((await delivery(t, smsId)).status).toBe('sent');
  });
});

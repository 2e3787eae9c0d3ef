import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { createTopics } from '../support/test-app';
import {
  createDeliveryApp,
  feedbackFixture,
  insertCampaign,
  sentTipsEmail,
  type DeliveryTestApp,
} from '../delivery/delivery-app';

describe('follow-ups: a spam complaint about a delivery reaches a person', () => {
  let smtp: TestSmtpServer;
  let t: DeliveryTestApp;
  let campaign: string;
  let integration: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createDeliveryApp({
      env: { SMTP_URL: smtp.url, REPLY_TO: 'support@shop.example' },
    });
    await createTopics(t);
    campaign = await insertCampaign(t, { topic: 'tips' });
    integration = await t.keyFor('integration');
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const post = (raw: string) =>
    t.as(integration).post('/webhooks/email/dsn').set('Content-Type', 'message/rfc822').send(raw);

  it('an ARF complaint opens a follow-up tied to the delivery and tells support, once', async () => {
    const { id, customer, messageId } = await sentTipsEmail(t, campaign, 'angry@mail.example');
    await smtp.waitFor(1);
    smtp.messages.length = 0;
    const raw = feedbackFixture('arf-complaint.eml', {
      RECIPIENT: 'angry@mail.example',
      MESSAGE_ID: messageId,
    });
    expect((await post(raw)).status).toBe(200);
    const rows = await t.db.query(
      `SELECT reasons, delivery_ids FROM follow_ups WHERE customer_id = $1 AND resolved_at IS NULL`,
      [customer],
    );
    expect(rows).toEqual([{ reasons: ['complaint'], delivery_ids: [id] }]);
    const [mail] = await smtp.waitFor(1);
    expect(mail.to).toEqual(['support@shop.example']);
    // The provider repeats the report: nothing more.
    expect((await post(raw)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.messages).toHaveLength(1);
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE customer_id = $1 AND type = 'follow_up.opened'`,
      [customer],
    );
    expect(n).toBe(1);
  });

  it('a complaint naming someone else opens nothing', async () => {
    const { customer, messageId } = await sentTipsEmail(t, campaign, 'calm@mail.example');
    const raw = feedbackFixture('arf-complaint.eml', {
      RECIPIENT: 'stranger@mail.example',
      MESSAGE_ID: messageId,
    });
    expect((await post(raw)).status).toBe(200);
    expect(
      await t.db.query(`SELECT id FROM follow_ups WHERE customer_id = $1`, [customer]),
    ).toEqual([]);
  });
});

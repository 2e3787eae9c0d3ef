import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { createTopics } from '../support/test-app';
import {
  createDeliveryApp,
  delivery,
  grant,
  insertCampaign,
  insertCustomer,
  insertDelivery,
  type DeliveryTestApp,
} from '../delivery/delivery-app';

/**
 * A follow-up that opens after the planner decided still stops the content and offers already
 * planned: the sender checks it at hand-over, as it checks consent and suppression.
 */
describe('follow-ups at hand-over', () => {
  let smtp: TestSmtpServer;
  let t: DeliveryTestApp;
  let integration: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createDeliveryApp({
      env: { SMTP_URL: smtp.url, REPLY_TO: 'Support <support@shop.example>' },
    });
    await createTopics(t);
    integration = await t.keyFor('integration');
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('cancels a planned offer and tip with needs_attention, lets a service message go, and sends again once resolved', async () => {
    const anna = await insertCustomer(t, { email: 'anna@mail.example' });
    const boris = await insertCustomer(t, { email: 'boris@mail.example' });
    for (const c of [anna, boris]) {
      await grant(t, c, 'email', 'offers');
      await grant(t, c, 'email', 'tips');
    }
    const offers = await insertCampaign(t, { topic: 'offers', name: 'Spring offer' });
    const tips = await insertCampaign(t, { topic: 'tips', name: 'Spring tips' });
    const notice = await insertCampaign(t, { topic: 'tips', goal: 'announcement', name: 'Notice' });
    const annaOffer = await insertDelivery(t, {
      campaignId: offers,
      customerId: anna,
      topic: 'offers',
      category: 'promotional',
    });
    const annaTip = await insertDelivery(t, { campaignId: tips, customerId: anna, topic: 'tips' });
    const annaNotice = await insertDelivery(t, {
      campaignId: notice,
      customerId: anna,
      topic: 'tips',
      category: 'service',
      goal: 'announcement',
    });
    const borisOffer = await insertDelivery(t, {
      campaignId: offers,
      customerId: boris,
      topic: 'offers',
      category: 'promotional',
    });

    // Anna rates her purchase 1 after the planner decided: a follow-up opens.
    const res = await t
      .as(integration)
      .post('/v1/events')
      .send({ customerId: anna, type: 'satisfaction', score: 1 });
    expect(res.status).toBeLessThan(300);
    const [open] = await t.db.query(
      `SELECT id FROM follow_ups WHERE customer_id = $1 AND resolved_at IS NULL`,
      [anna],
    );
    expect(open).toBeDefined();

    await t.sender.tick();
    expect((await delivery(t, annaOffer)).status).toBe('cancelled');
    expect((await delivery(t, annaTip)).status).toBe('cancelled');
    expect((await delivery(t, annaNotice)).status).toBe('sent');
    expect((await delivery(t, borisOffer)).status).toBe('sent');
    const reasons = await t.db.query(
      `SELECT delivery_id, reason FROM audit_events
        WHERE type = 'delivery.cancelled' AND customer_id = $1 ORDER BY delivery_id`,
      [anna],
    );
    expect(reasons.map((r: { reason: string }) => r.reason)).toEqual([
      'needs_attention',
      'needs_attention',
    ]);
    // Only the service message and Boris's offer reached an inbox (the support notice aside).
    const to = smtp.messages.map((m) => m.to).join(' ');
    expect(to).toContain('boris@mail.example');
    expect(smtp.messages.filter((m) => m.to.includes('anna@mail.example'))).toHaveLength(1);

    // Resolved: the next offer planned for her goes.
    const marketer = await t.keyFor('marketer');
    expect(
      (
        await t
          .as(marketer)
          .post(`/v1/follow-ups/${open.id}/resolve`)
          .send({ note: 'Called her; replaced the kettle' })
      ).status,
    ).toBeLessThan(300);
    const later = await insertDelivery(t, {
      campaignId: offers,
      customerId: anna,
      topic: 'offers',
      category: 'promotional',
      step: 1,
    });
    await t.sender.tick();
    expect((await delivery(t, later)).status).toBe('sent');
  });
});

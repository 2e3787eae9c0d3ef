import { addressHash } from '../../src/suppression/suppression.service';
import { createTopics } from '../support/test-app';
import {
  auditTypes,
  createDeliveryApp,
  delivery,
  grant,
  insertCampaign,
  insertCustomer,
  insertDelivery,
  type DeliveryTestApp,
  feedbackFixture,
  sentTipsEmail,
} from './delivery-app';

/**
 * Anyone who received one message knows its Message-ID; a report sent to the bounce mailbox
 * naming someone else must not touch that someone else (nor the message's own recipient).
 */
describe('provider feedback: only the delivery’s own address is acted on', () => {
  let t: DeliveryTestApp;
  let campaign: string;
  let integration: string;

  beforeAll(async () => {
    t = await createDeliveryApp();
    await createTopics(t);
    campaign = await insertCampaign(t, { topic: 'tips' });
    integration = await t.keyFor('integration');
  });
  afterAll(() => t.close());

  const sentTo = (email: string) => sentTipsEmail(t, campaign, email);
  /** A customer who is not the recipient of the message the forger holds. */
  const bystander = async (email: string) => {
    const c = await insertCustomer(t, { email });
    await grant(t, c, 'email', 'tips');
    return c;
  };
  const post = (raw: string) =>
    t.as(integration).post('/webhooks/email/dsn').set('Content-Type', 'message/rfc822').send(raw);
  const suppressions = async (email: string) =>
    (
      await t.db.query(
        `SELECT reason FROM suppressions WHERE address_hash = $1 AND lifted_at IS NULL`,
        [addressHash('email', email)],
      )
    ).map((r: { reason: string }) => r.reason);
  const consentStatus = async (customer: string) =>
    (
      await t.db.query(
        `SELECT status FROM consent_state WHERE customer_id = $1 AND channel = 'email' AND topic = 'tips'`,
        [customer],
      )
    )[0]?.status;
  const suppressionCheck = async (email: string) =>
    (await t.admin.get(`/v1/suppressions/check?email=${encodeURIComponent(email)}`)).body;
  /** Nothing stored anywhere holds the bystander's address in clear. */
  const storedInClear = async (email: string) => {
    const [{ n }] = await t.db.query(
      `SELECT (SELECT count(*) FROM audit_events WHERE data::text ILIKE '%' || $1 || '%'
                 OR coalesce(reason, '') ILIKE '%' || $1 || '%')
            + (SELECT count(*) FROM delivery_events WHERE data::text ILIKE '%' || $1 || '%')
            + (SELECT count(*) FROM deliveries WHERE coalesce(last_error, '') ILIKE '%' || $1 || '%')
              AS n`,
      [email],
    );
    return Number(n);
  };
  const ignoredAudit = async (deliveryId: string) =>
    t.db.query(
      `SELECT type, reason, actor, data FROM audit_events
        WHERE delivery_id = $1 AND type = 'delivery.feedback_ignored'`,
      [deliveryId],
    );

  it('a forged hard bounce naming a third party suppresses nobody and is recorded as ignored', async () => {
    const victim = 'victim.bounce@mail.example';
    const third = await bystander(victim);
    const { id, customer, messageId } = await sentTo('forger.bounce@mail.example');
    const raw = feedbackFixture('dsn-hard.eml', {
      RECIPIENT: victim,
      STATUS: '5.1.1',
      DIAGNOSTIC: `550 5.1.1 <${victim}>: Recipient address rejected: User unknown`,
      MESSAGE_ID: messageId,
    });
    const res = await post(raw);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      type: 'bounce',
      deliveryId: id,
      status: 'sent',
      ignored: true,
    });
    expect(res.body.reason).toMatch(/another recipient/);
    expect(await suppressions(victim)).toEqual([]);
    expect(await suppressionCheck(victim)).toMatchObject({ suppressed: false });
    expect(await suppressions('forger.bounce@mail.example')).toEqual([]);
    expect((await delivery(t, id)).status).toBe('sent');
    expect(await consentStatus(third)).toBe('confirmed');
    expect(await consentStatus(customer)).toBe('confirmed');
    // Recorded once, without the other address in clear; a replay adds nothing.
    expect((await post(raw)).body.ignored).toBe(true);
    const rows = await ignoredAudit(id);
    expect(rows).toEqual([
      expect.objectContaining({
        reason: 'recipient_mismatch',
        actor: 'dsn',
        data: expect.objectContaining({ report: 'bounce' }),
      }),
    ]);
    expect(await auditTypes(t, id)).toEqual(['delivery.sent', 'delivery.feedback_ignored']);
    expect(await storedInClear(victim)).toBe(0);
    expect(await storedInClear('victim.bounce')).toBe(0);
  });

  it('a forged complaint naming a third party silences nobody', async () => {
    const victim = 'victim.complaint@mail.example';
    const third = await bystander(victim);
    const { id, customer, messageId } = await sentTo('forger.complaint@mail.example');
    const res = await post(
      feedbackFixture('arf-complaint.eml', { RECIPIENT: victim, MESSAGE_ID: messageId }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'complaint', deliveryId: id, ignored: true });
    expect(await suppressions(victim)).toEqual([]);
    expect(await suppressions('forger.complaint@mail.example')).toEqual([]);
    expect((await delivery(t, id)).status).toBe('sent');
    expect(await consentStatus(third)).toBe('confirmed');
    expect(await consentStatus(customer)).toBe('confirmed');
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM consent_events WHERE customer_id = ANY($1::uuid[]) AND action = 'withdraw'`,
      [[third, customer]],
    );
    expect(n).toBe(0);
    expect(await ignoredAudit(id)).toEqual([
      expect.objectContaining({
        actor: 'arf',
        data: expect.objectContaining({ report: 'complaint' }),
      }),
    ]);
    expect(await storedInClear(victim)).toBe(0);

    // The third party is still reachable: a message to them goes out.
    const next = await insertDelivery(t, {
      campaignId: campaign,
      customerId: third,
      topic: 'tips',
      step: 1,
    });
    expect(await t.sender.tick()).toMatchObject({ sent: 1 });
    expect((await delivery(t, next)).status).toBe('sent');
  });

  it('a genuine report about the own address still works, whatever its case', async () => {
    const { id, customer, messageId } = await sentTo('real.owner@mail.example');
    const res = await post(
      feedbackFixture('arf-complaint.eml', {
        RECIPIENT: 'Real.Owner@MAIL.example',
        MESSAGE_ID: messageId,
      }),
    );
    expect(res.body).toMatchObject({ deliveryId: id, status: 'complained', ignored: false });
    expect(await suppressions('real.owner@mail.example')).toEqual(['complaint']);
    expect(await consentStatus(customer)).toBe('withdrawn');
    expect(await ignoredAudit(id)).toEqual([]);
  });

  it('a DSN listing a third party and the own address acts on the own address only', async () => {
    const victim = 'victim.multi@mail.example';
    await bystander(victim);
    const { id, messageId } = await sentTo('multi.owner@mail.example');
    const raw = feedbackFixture('dsn-hard.eml', {
      RECIPIENT: victim,
      STATUS: '5.1.1',
      DIAGNOSTIC: '550 5.1.1 User unknown',
      MESSAGE_ID: messageId,
    }).replace(
      'Final-Recipient: rfc822; ',
      'Final-Recipient: rfc822; multi.owner@mail.example\nAction: delayed\nStatus: 4.4.7\n\nFinal-Recipient: rfc822; ',
    );
    const res = await post(raw);
    expect(res.status).toBe(200);
    // The own address only soft-bounced: no hard bounce applies to anyone.
    expect(res.body).toMatchObject({ deliveryId: id, status: 'sent' });
    expect(await suppressions(victim)).toEqual([]);
    expect((await delivery(t, id)).status).toBe('sent');
    const [row] = await t.db.query(`SELECT count FROM soft_bounces WHERE address_hash = $1`, [
      addressHash('email', 'multi.owner@mail.example'),
    ]);
    expect(row.count).toBe(1);
    expect(
      await t.db.query(`SELECT 1 FROM soft_bounces WHERE address_hash = $1`, [
        addressHash('email', victim),
      ]),
    ).toEqual([]);
  });

  it('three forged soft bounces naming a third party never suppress them', async () => {
    const victim = 'victim.soft@mail.example';
    await bystander(victim);
    for (let i = 0; i < 4; i++) {
      const { messageId } = await sentTo(`soft.forger${i}@mail.example`);
      const res = await post(
        feedbackFixture('dsn-hard.eml', {
          RECIPIENT: victim,
          STATUS: '4.2.2',
          DIAGNOSTIC: '452 4.2.2 Mailbox full',
          MESSAGE_ID: messageId,
        }),
      );
      expect(res.body.ignored).toBe(true);
    }
    expect(await suppressions(victim)).toEqual([]);
    expect(
      await t.db.query(`SELECT 1 FROM soft_bounces WHERE address_hash = $1`, [
        addressHash('email', victim),
      ]),
    ).toEqual([]);
  });
});

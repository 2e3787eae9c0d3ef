import { addressHash } from '../../src/suppression/suppression.service';
import { createTopics } from '../support/test-app';
import {
  auditTypes,
  createDeliveryApp,
  delivery,
  insertCampaign,
  type DeliveryTestApp,
  feedbackFixture,
  sentTipsEmail,
} from './delivery-app';

describe('provider feedback: DSN bounces and ARF complaints (POST /webhooks/email/dsn)', () => {
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
  const post = (raw: string, key = integration) =>
    t.as(key).post('/webhooks/email/dsn').set('Content-Type', 'message/rfc822').send(raw);
  const suppressions = async (email: string) =>
    (
      await t.db.query(
        `SELECT reason FROM suppressions WHERE address_hash = $1 AND lifted_at IS NULL`,
        [addressHash('email', email)],
      )
    ).map((r: { reason: string }) => r.reason);

  it('a 5.x.x bounce marks the delivery bounced and suppresses the address, once', async () => {
    const { id, messageId } = await sentTo('gone@mail.example');
    const raw = feedbackFixture('dsn-hard.eml', {
      RECIPIENT: 'gone@mail.example',
      STATUS: '5.1.1',
      DIAGNOSTIC: '550 5.1.1 <gone@mail.example>: Recipient address rejected: User unknown',
      MESSAGE_ID: messageId,
    });
    const res = await post(raw);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'bounce', deliveryId: id, status: 'bounced' });
    expect((await delivery(t, id)).status).toBe('bounced');
    expect(await suppressions('gone@mail.example')).toEqual(['hard_bounce']);
    // The same report again changes nothing.
    const again = await post(raw);
    expect(again.status).toBe(200);
    expect(again.body.ignored).toBe(true);
    expect(await auditTypes(t, id)).toEqual(['delivery.sent', 'delivery.bounced']);
  });

  it('4.x.x bounces are counted per address; the third suppresses it', async () => {
    for (let i = 1; i <= 3; i++) {
      const { id, messageId } = await sentTo('full@mail.example');
      const res = await post(
        feedbackFixture('dsn-hard.eml', {
          RECIPIENT: 'full@mail.example',
          STATUS: '4.2.2',
          DIAGNOSTIC: '452 4.2.2 Mailbox full',
          MESSAGE_ID: messageId,
        }),
      );
      expect(res.status).toBe(200);
      expect((await delivery(t, id)).status).toBe('sent');
      expect(await suppressions('full@mail.example')).toEqual(i < 3 ? [] : ['hard_bounce']);
    }
    const [row] = await t.db.query(`SELECT count FROM soft_bounces WHERE address_hash = $1`, [
      addressHash('email', 'full@mail.example'),
    ]);
    expect(row.count).toBe(3);
  });

  it('a soft bounce long after the previous one starts the count again', async () => {
    const bounce = async () => {
      const { messageId } = await sentTo('recovered@mail.example');
      const res = await post(
        feedbackFixture('dsn-hard.eml', {
          RECIPIENT: 'recovered@mail.example',
          STATUS: '4.2.2',
          DIAGNOSTIC: '452 4.2.2 Mailbox full',
          MESSAGE_ID: messageId,
        }),
      );
      expect(res.status).toBe(200);
    };
    const count = async () =>
      (
        await t.db.query(`SELECT count FROM soft_bounces WHERE address_hash = $1`, [
          addressHash('email', 'recovered@mail.example'),
        ])
      )[0].count;
    await bounce();
    await bounce();
    expect(await count()).toBe(2);
    // The last one was 31 days ago: the mailbox took mail since.
    await t.db.query(
      `UPDATE soft_bounces SET last_at = last_at - interval '31 days' WHERE address_hash = $1`,
      [addressHash('email', 'recovered@mail.example')],
    );
    await bounce();
    expect(await count()).toBe(1);
    expect(await suppressions('recovered@mail.example')).toEqual([]);
  });

  it('an ARF complaint marks complained, suppresses and withdraws consent for the topic', async () => {
    const { id, customer, messageId } = await sentTo('angry@mail.example');
    const res = await post(
      feedbackFixture('arf-complaint.eml', {
        RECIPIENT: 'angry@mail.example',
        MESSAGE_ID: messageId,
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'complaint', deliveryId: id, status: 'complained' });
    expect((await delivery(t, id)).status).toBe('complained');
    expect(await suppressions('angry@mail.example')).toEqual(['complaint']);
    const [state] = await t.db.query(
      `SELECT status FROM consent_state WHERE customer_id = $1 AND channel = 'email' AND topic = 'tips'`,
      [customer],
    );
    expect(state.status).toBe('withdrawn');
    const [event] = await t.db.query(
      `SELECT source FROM consent_events WHERE customer_id = $1 AND action = 'withdraw'`,
      [customer],
    );
    expect(event.source).toBe('complaint');
    const types = await auditTypes(t, id);
    expect(types).toEqual(
      expect.arrayContaining(['delivery.sent', 'delivery.complained', 'consent.withdrawn']),
    );
  });

  it('matches by our X-Tactful-Delivery header when the Message-ID was rewritten', async () => {
    const { id } = await sentTo('rewritten@mail.example');
    const raw = feedbackFixture('dsn-hard.eml', {
      RECIPIENT: 'rewritten@mail.example',
      STATUS: '5.2.1',
      DIAGNOSTIC: '550 5.2.1 Mailbox disabled',
      MESSAGE_ID: `<relay-1234@relay.example>\nX-Tactful-Delivery: ${id}`,
    });
    const res = await post(raw);
    expect(res.status).toBe(200);
    expect(res.body.deliveryId).toBe(id);
  });

  it('refuses what it cannot use: no key, not a report, no matching delivery', async () => {
    const raw = feedbackFixture('dsn-hard.eml', {
      RECIPIENT: 'x@mail.example',
      STATUS: '5.1.1',
      DIAGNOSTIC: '550',
      MESSAGE_ID: '<00000000-0000-4000-8000-000000000000@shop.example>',
    });
    expect(
      (await t.http.post('/webhooks/email/dsn').set('Content-Type', 'message/rfc822').send(raw))
        .status,
    ).toBe(401);
    const marketer = await t.keyFor('marketer');
    expect((await post(raw, marketer)).status).toBe(403);
    const unmatched = await post(raw);
    expect(unmatched.status).toBe(422);
    expect(unmatched.body.message[0]).toContain('body');
    const garbage = await post('Subject: hello\r\n\r\njust a mail\r\n');
    expect(garbage.status).toBe(400);
    expect(garbage.body.message[0]).toContain('RFC 3464');
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import twilio from 'twilio';
import { addressHash } from '../../src/suppression/suppression.service';
import { aSuppression, sql } from '../support/builders';
import { startTwilioServer, type TwilioTestServer } from '../support/twilio-server';
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
} from './delivery-app';

const FROM = '+15005550006';
const STATUS_URL = 'http://tactful.test/webhooks/twilio/status';

describe('sender: SMS and bridged calls through a Twilio-shaped server', () => {
  let tw: TwilioTestServer;
  let t: DeliveryTestApp;
  let sms: string;

  const signed = (params: Record<string, string>, token = tw.authToken) =>
    t.http
      .post('/webhooks/twilio/status')
      .type('form')
      .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(token, STATUS_URL, params))
      .send(params);

  beforeAll(async () => {
    tw = await startTwilioServer();
    t = await createDeliveryApp({
      env: {
        TWILIO_ACCOUNT_SID: tw.accountSid,
        TWILIO_AUTH_TOKEN: tw.authToken,
        TWILIO_FROM: FROM,
        TWILIO_API_URL: tw.url,
        SEND_MAX_ATTEMPTS: '3',
      },
    });
    await createTopics(t);
    sms = await insertCampaign(t, { topic: 'tips', channels: ['sms'] });
  });
  afterAll(async () => {
    await t.close();
    await tw.close();
  });
  beforeEach(() => {
    t.clock.set('2026-11-23T12:00:00Z');
    tw.requests.length = 0;
    tw.setFault(null);
  });

  /** A planned SMS of the tips campaign. */
  const plannedSms = (customerId: string) =>
    insertDelivery(t, { campaignId: sms, customerId, topic: 'tips', channel: 'sms' });
  const smsCustomer = async (phone: string) => {
    const id = await insertCustomer(t, { phone });
    await grant(t, id, 'sms', 'tips');
    return id;
  };

  it('sends an SMS through the SDK with the status callback and records the SID', async () => {
    const c = await smsCustomer('+79160000001');
    const id = await plannedSms(c);
    const r = await t.sender.tick();
    expect(r.sent).toBe(1);
    expect(tw.requests).toHaveLength(1);
    const req = tw.requests[0];
    expect(req.kind).toBe('message');
    expect(req.authUser).toBe(tw.accountSid);
    expect(req.params).toMatchObject({
      To: '+79160000001',
      From: FROM,
      Body: expect.stringContaining('Reply STOP'),
      StatusCallback: STATUS_URL,
    });
    const row = await delivery(t, id);
    expect(row.status).toBe('sent');
    expect(row.provider_id).toBe(req.sid);
    expect(row.provider_status).toBe('queued');

    // Status callbacks: forward only, duplicates ignored, signature required.
    const sid = req.sid!;
    expect(
      (
        await t.http
          .post('/webhooks/twilio/status')
          .type('form')
          .send({ MessageSid: sid, MessageStatus: 'delivered' })
      ).status,
    ).toBe(403);
    expect(
      (await signed({ MessageSid: sid, MessageStatus: 'delivered' }, 'wrong-token-123')).status,
    ).toBe(403);
    expect((await delivery(t, id)).status).toBe('sent');

    expect((await signed({ MessageSid: sid, MessageStatus: 'sent' })).status).toBe(200);
    expect((await delivery(t, id)).provider_status).toBe('sent');
    expect((await signed({ MessageSid: sid, MessageStatus: 'delivered' })).status).toBe(200);
    expect((await signed({ MessageSid: sid, MessageStatus: 'delivered' })).status).toBe(200);
    // Late and out of order: 'sent' after 'delivered' changes nothing.
    expect((await signed({ MessageSid: sid, MessageStatus: 'sent' })).status).toBe(200);
    expect((await signed({ MessageSid: sid, MessageStatus: 'queued' })).status).toBe(200);
    const after = await delivery(t, id);
    expect(after.status).toBe('delivered');
    expect(after.provider_status).toBe('delivered');
    expect(await auditTypes(t, id)).toEqual(['delivery.sent', 'delivery.delivered']);
    // Unknown SIDs are acknowledged and ignored.
    expect((await signed({ MessageSid: 'SMdeadbeef', MessageStatus: 'delivered' })).status).toBe(
      200,
    );
  });

  it('a callback that overtakes the commit of its SID is still applied', async () => {
    const c = await smsCustomer('+79160000011');
    const id = await insertDelivery(t, {
      campaignId: sms,
      customerId: c,
      topic: 'tips',
      channel: 'sms',
      status: 'sending',
      leaseUntil: new Date('2026-11-23T12:01:00Z'),
    });
    // The sender's batch: the SID is written but not committed yet.
    const qr = t.db.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    await qr.query(
      `UPDATE deliveries SET status = 'sent', provider_id = 'SMrace0001', provider_status = 'queued' WHERE id = $1`,
      [id],
    );
    const callback = signed({ MessageSid: 'SMrace0001', MessageStatus: 'delivered' }).then(
      (r) => r,
    );
    await new Promise((r) => setTimeout(r, 300));
    await qr.commitTransaction();
    await qr.release();
    expect((await callback).status).toBe(200);
    expect((await delivery(t, id)).status).toBe('delivered');
  });

  it('retries 429 and 500 with backoff, then sends; fails after the attempt limit', async () => {
    const ok = await smsCustomer('+79160000002');
    const never = await smsCustomer('+79160000003');
    const okId = await plannedSms(ok);
    const neverId = await plannedSms(never);
    let round = 0;
    tw.setFault((req) => {
      if (req.params.To === '+79160000003') return { status: 500 };
      return round === 0 ? { status: 429 } : round === 1 ? { status: 500 } : null;
    });
    expect(await t.sender.tick()).toMatchObject({ claimed: 2, retried: 2 });
    round = 1;
    t.clock.advance(31_000);
    expect(await t.sender.tick()).toMatchObject({ claimed: 2, retried: 2 });
    round = 2;
    t.clock.advance(61_000);
    expect(await t.sender.tick()).toMatchObject({ claimed: 2, sent: 1, failed: 1 });
    expect((await delivery(t, okId)).status).toBe('sent');
    const failed = await delivery(t, neverId);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(3);
    expect(failed.last_error).toContain('twilio_20500');
    expect(tw.messagesTo('+79160000002')).toHaveLength(1);
    expect(tw.messagesTo('+79160000003')).toHaveLength(0);
    const retryReasons: { reason: string }[] = await t.db.query(
      `SELECT reason FROM audit_events WHERE delivery_id = $1 AND type = 'delivery.retry' ORDER BY id`,
      [okId],
    );
    expect(retryReasons.map((r) => r.reason)).toEqual(['twilio_20429', 'twilio_20500']);
  });

  it('21610 fails the SMS and withdraws SMS consent, cancelling what else was planned', async () => {
    const c = await smsCustomer('+79160000004');
    const offers = await insertCampaign(t, { topic: 'offers', channels: ['sms'] });
    await grant(t, c, 'sms', 'offers');
    const id = await plannedSms(c);
    const later = await insertDelivery(t, {
      campaignId: offers,
      customerId: c,
      topic: 'offers',
      channel: 'sms',
      category: 'promotional',
      notBefore: new Date('2026-11-24T12:00:00Z'),
    });
    tw.setFault(() => ({ status: 400, code: 21610 }));
    expect(await t.sender.tick()).toMatchObject({ claimed: 1, failed: 1 });
    const row = await delivery(t, id);
    expect(row.status).toBe('failed');
    expect(row.last_error).toContain('twilio_21610');
    const [state] = await t.db.query(
      `SELECT status FROM consent_state WHERE customer_id = $1 AND channel = 'sms' AND topic = '*'`,
      [c],
    );
    expect(state.status).toBe('withdrawn');
    const [event] = await t.db.query(
      `SELECT source, action FROM consent_events WHERE customer_id = $1 ORDER BY id DESC LIMIT 1`,
      [c],
    );
    expect(event).toEqual({ source: 'provider-optout', action: 'withdraw' });
    expect((await delivery(t, later)).status).toBe('cancelled');
  });

  it('21211 fails the SMS and suppresses the number', async () => {
    const c = await smsCustomer('+79160000005');
    const id = await plannedSms(c);
    tw.setFault(() => ({ status: 400, code: 21211 }));
    expect(await t.sender.tick()).toMatchObject({ failed: 1 });
    expect((await delivery(t, id)).status).toBe('failed');
    const rows: { reason: string }[] = await t.db.query(
      `SELECT reason FROM suppressions WHERE address_hash = $1`,
      [addressHash('phone', '+79160000005')],
    );
    expect(rows.map((r) => r.reason)).toEqual(['hard_bounce']);
  });

  it("a complaint about the customer's e-mail stops a planned SMS at send time; a bounced e-mail does not", async () => {
    const complained = await insertCustomer(t, {
      phone: '+79160000011',
      email: 'complained.sms@mail.example',
    });
    const bounced = await insertCustomer(t, {
      phone: '+79160000012',
      email: 'bounced.sms@mail.example',
    });
    const both = await insertCustomer(t, {
      phone: '+79160000013',
      email: 'both.sms@mail.example',
    });
    for (const c of [complained, bounced, both]) await grant(t, c, 'sms', 'tips');
    const stopped = await plannedSms(complained);
    const goes = await plannedSms(bounced);
    const alsoStopped = await plannedSms(both);
    // All were planned before the e-mail feedback arrived; the last address first complained,
    // then bounced.
    const suppress = (address: string, reason: 'complaint' | 'hard_bounce', createdAt = 'now()') =>
      aSuppression(t.db, {
        addressType: 'email',
        addressHash: addressHash('email', address),
        reason,
        createdAt: sql(createdAt),
      });
    await suppress('complained.sms@mail.example', 'complaint');
    await suppress('bounced.sms@mail.example', 'hard_bounce');
    await suppress('both.sms@mail.example', 'complaint', `now() - interval '1 day'`);
    await suppress('both.sms@mail.example', 'hard_bounce');
    const r = await t.sender.tick();
    expect(r).toMatchObject({ sent: 1 });
    expect(tw.requests.map((q) => q.params.To)).toEqual(['+79160000012']);
    expect((await delivery(t, stopped)).status).toBe('cancelled');
    expect((await delivery(t, alsoStopped)).status).toBe('cancelled');
    expect((await delivery(t, goes)).status).toBe('sent');
    const [cancel] = await t.db.query(
      `SELECT reason FROM audit_events WHERE delivery_id = $1 AND type = 'delivery.cancelled'`,
      [stopped],
    );
    expect(cancel.reason).toBe('suppressed');
  });

  it('rings the account manager, reads the brief and bridges a business customer; never a consumer', async () => {
    const calls = await insertCampaign(t, { topic: 'offers', channels: ['voice'] });
    const biz = await insertCustomer(t, {
      kind: 'business',
      name: 'Olga',
      company: 'Romashka LLC',
      phone: '+79160000006',
      locale: 'ru',
      timezone: 'Europe/Moscow',
      accountManagerPhone: '+79160000099',
    });
    const consumer = await insertCustomer(t, { phone: '+79160000007' });
    for (const c of [biz, consumer]) await grant(t, c, 'voice', 'offers');
    const callId = await insertDelivery(t, {
      campaignId: calls,
      customerId: biz,
      topic: 'offers',
      channel: 'voice',
      category: 'promotional',
    });
    const consumerCall = await insertDelivery(t, {
      campaignId: calls,
      customerId: consumer,
      topic: 'offers',
      channel: 'voice',
      category: 'promotional',
    });
    expect(await t.sender.tick()).toMatchObject({ sent: 1, cancelled: 1 });
    expect(tw.requests).toHaveLength(1);
    const req = tw.requests[0];
    expect(req.kind).toBe('call');
    expect(req.params.To).toBe('+79160000099');
    expect(req.params.From).toBe(FROM);
    expect(req.params.StatusCallback).toBe(STATUS_URL);
    expect(req.params.Twiml).toContain('<Say language="ru-RU">Call Olga of Romashka LLC</Say>');
    expect(req.params.Twiml).toContain(`<Dial callerId="${FROM}">+79160000006</Dial>`);
    expect((await delivery(t, consumerCall)).status).toBe('cancelled');
    const [reason] = await t.db.query(
      `SELECT reason FROM audit_events WHERE delivery_id = $1 AND type = 'delivery.cancelled'`,
      [consumerCall],
    );
    expect(reason.reason).toBe('channel_not_allowed');

    const sid = req.sid!;
    for (const status of ['initiated', 'ringing', 'in-progress', 'completed', 'ringing']) {
      expect((await signed({ CallSid: sid, CallStatus: status })).status).toBe(200);
    }
    const row = await delivery(t, callId);
    expect(row.status).toBe('delivered');
    expect(row.provider_status).toBe('completed');
    // How the call ended lands in the timeline once, for its final status only.
    expect(await auditTypes(t, callId)).toEqual([
      'delivery.sent',
      'delivery.delivered',
      'call.outcome',
    ]);
  });

  it('defers a call outside business hours in the customer zone', async () => {
    const calls = await insertCampaign(t, { topic: 'offers', channels: ['voice'] });
    const biz = await insertCustomer(t, {
      kind: 'business',
      timezone: 'America/New_York', // 07:00 local at 12:00Z
      accountManagerPhone: '+79160000098',
    });
    await grant(t, biz, 'voice', 'offers');
    const id = await insertDelivery(t, {
      campaignId: calls,
      customerId: biz,
      topic: 'offers',
      channel: 'voice',
      category: 'promotional',
    });
    expect(await t.sender.tick()).toMatchObject({ deferred: 1 });
    const row = await delivery(t, id);
    expect(row.status).toBe('planned');
    expect(row.next_attempt_at!.toISOString()).toBe('2026-11-23T15:00:00.000Z');
    expect(tw.requests).toHaveLength(0);
  });
});

describe('sender: SMS and calls without Twilio settings go to the outbox folder', () => {
  let t: DeliveryTestApp;
  beforeAll(async () => {
    t = await createDeliveryApp();
    await createTopics(t);
  });
  afterAll(() => t.close());

  it('writes one JSON file per SMS', async () => {
    const campaign = await insertCampaign(t, { topic: 'tips', channels: ['sms'] });
    const c = await insertCustomer(t, { phone: '+79160000010' });
    await grant(t, c, 'sms', 'tips');
    const id = await insertDelivery(t, {
      campaignId: campaign,
      customerId: c,
      topic: 'tips',
      channel: 'sms',
    });
    expect(await t.sender.tick()).toMatchObject({ sent: 1 });
    const dir = join(t.settings.dataDir, 'outbox');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const body = JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
    expect(body).toMatchObject({ deliveryId: id, channel: 'sms', to: '+79160000010' });
    expect(body.body).toContain('Reply STOP');
    expect((await delivery(t, id)).provider_id).toMatch(/^outbox:/);
  });
});

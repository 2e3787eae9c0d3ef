import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { SnsClient } from '../../src/email-events/sns-client';
import { snsStringToSign, type SnsMessage } from '../../src/email-events/sns-message';
import {
  createDeliveryApp,
  delivery,
  emailConsentStatus,
  insertCampaign,
  insertCustomer,
  grant,
  sentTipsEmail,
  suppressionReasons,
  type DeliveryTestApp,
} from '../delivery/delivery-app';
import { createTopics } from '../support/test-app';
import {
  mailgunEventData,
  postmarkBounce,
  postmarkComplaint,
  postmarkDelivery,
  sendgridEvents,
  sesBounce,
  sesComplaint,
  sesDelivery,
} from './provider-samples';

const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-events';
const MAILGUN_KEY = 'key-mailgun-signing-0123456789';
const POSTMARK = { user: 'postmark-hook', password: 'a-long-password-123' };

/** SNS's signing key pair, served by a test SnsClient (no network). */
const sns = generateKeyPairSync('rsa', { modulusLength: 2048 });
const sendgrid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

class TestSnsClient extends SnsClient {
  fetched: string[] = [];
  confirmed: string[] = [];
  certificate(url: string): Promise<string> {
    this.fetched.push(url);
    return Promise.resolve(sns.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  }
  confirm(url: string): Promise<void> {
    this.confirmed.push(url);
    return Promise.resolve();
  }
}

describe('e-mail provider event webhooks', () => {
  let t: DeliveryTestApp;
  let campaign: string;
  const snsClient = new TestSnsClient();
  let seq = 0;

  beforeAll(async () => {
    t = await createDeliveryApp({
      env: {
        SES_WEBHOOK_ENABLED: 'true',
        SES_WEBHOOK_TOPIC_ARNS: `${TOPIC}, arn:aws:sns:eu-west-1:123456789012:other`,
        SENDGRID_WEBHOOK_PUBLIC_KEY: sendgrid.publicKey
          .export({ type: 'spki', format: 'der' })
          .toString('base64'),
        MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
        POSTMARK_WEBHOOK_USER: POSTMARK.user,
        POSTMARK_WEBHOOK_PASSWORD: POSTMARK.password,
      },
      configure: (b) => b.overrideProvider(SnsClient).useValue(snsClient),
    });
    await createTopics(t);
    campaign = await insertCampaign(t, { topic: 'tips' });
  });
  afterAll(() => t.close());

  const nowSeconds = () => String(Math.floor(t.clock.now().getTime() / 1000));
  const sent = async () => {
    const email = `person${++seq}@mail.example`;
    const d = await sentTipsEmail(t, campaign, email);
    return { ...d, email, deliveryId: d.id };
  };
  const suppressed = (email: string) => suppressionReasons(t, email);
  const consentStatus = (customer: string) => emailConsentStatus(t, customer);
  const auditOf = async (deliveryId: string) =>
    (
      await t.db.query(`SELECT type, actor FROM audit_events WHERE delivery_id = $1 ORDER BY id`, [
        deliveryId,
      ])
    ).map((r: { type: string; actor: string }) => `${r.type}:${r.actor}`);

  // --- SES through SNS ---------------------------------------------------------------------

  const snsEnvelope = (message: unknown, over: Partial<SnsMessage> = {}): SnsMessage => {
    const m: SnsMessage = {
      Type: 'Notification',
      MessageId: randomBytes(16).toString('hex'),
      TopicArn: TOPIC,
      Message: JSON.stringify(message),
      Timestamp: t.clock.now().toISOString(),
      SignatureVersion: '2',
      Signature: '',
      SigningCertURL: CERT_URL,
      ...over,
    };
    m.Signature = sign('sha256', Buffer.from(snsStringToSign(m)), sns.privateKey).toString(
      'base64',
    );
    return m;
  };
  const postSes = (m: SnsMessage | string) =>
    t.http
      .post('/webhooks/email/ses')
      .set('Content-Type', 'text/plain; charset=UTF-8')
      .set('x-amz-sns-message-type', typeof m === 'string' ? 'Notification' : m.Type)
      .send(typeof m === 'string' ? m : JSON.stringify(m));

  it('SES: a signed permanent bounce bounces the delivery and suppresses its own address', async () => {
    const d = await sent();
    const res = await postSes(snsEnvelope(sesBounce(d)));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: 1, applied: 1, ignored: 0, unmatched: 0 });
    expect((await delivery(t, d.id)).status).toBe('bounced');
    expect(await suppressed(d.email)).toEqual(['hard_bounce']);
    expect(await auditOf(d.id)).toContain('delivery.bounced:ses');
    expect(snsClient.fetched).toContain(CERT_URL);
  });

  it('SES: a wrong signature, a foreign certificate host or an old timestamp changes nothing', async () => {
    const d = await sent();
    const good = snsEnvelope(sesBounce(d));
    const tampered = {
      ...good,
      Message: JSON.stringify(sesBounce({ ...d, email: 'x@y.example' })),
    };
    expect((await postSes(tampered)).status).toBe(403);
    const evilHost = snsEnvelope(sesBounce(d), {
      SigningCertURL: 'https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem',
    });
    expect((await postSes(evilHost)).status).toBe(403);
    const http = snsEnvelope(sesBounce(d), {
      SigningCertURL: 'http://sns.eu-west-1.amazonaws.com/cert.pem',
    });
    expect((await postSes(http)).status).toBe(403);
    const old = snsEnvelope(sesBounce(d), {
      Timestamp: new Date(t.clock.now().getTime() - 2 * 3600_000).toISOString(),
    });
    expect((await postSes(old)).status).toBe(403);
    expect((await postSes('not json\u0000')).status).toBe(400);
    expect((await delivery(t, d.id)).status).toBe('sent');
    expect(await suppressed(d.email)).toEqual([]);
  });

  it('SES: a correctly signed message from another SNS topic (anyone can have one) is refused', async () => {
    const d = await sent();
    const stranger = snsEnvelope(sesBounce(d), {
      TopicArn: 'arn:aws:sns:eu-west-1:999999999999:attacker',
    });
    expect((await postSes(stranger)).status).toBe(403);
    const confirm = snsEnvelope('subscribe me', {
      Type: 'SubscriptionConfirmation',
      TopicArn: 'arn:aws:sns:eu-west-1:999999999999:attacker',
      SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=x',
      Token: 'x',
    });
    expect((await postSes(confirm)).status).toBe(403);
    expect((await delivery(t, d.id)).status).toBe('sent');
  });

  it('SES: a replayed notification and a late delivery notice change nothing', async () => {
    const d = await sent();
    const bounce = snsEnvelope(sesBounce(d));
    expect((await postSes(bounce)).body).toMatchObject({ applied: 1 });
    const auditBefore = await auditOf(d.id);
    expect((await postSes(bounce)).body).toMatchObject({ applied: 0, ignored: 1 });
    expect((await postSes(snsEnvelope(sesDelivery(d)))).body).toMatchObject({ ignored: 1 });
    expect((await delivery(t, d.id)).status).toBe('bounced');
    expect(await auditOf(d.id)).toEqual(auditBefore);
  });

  it('SES: delivery moves sent → delivered; a complaint withdraws and suppresses', async () => {
    const d = await sent();
    expect((await postSes(snsEnvelope(sesDelivery(d)))).body).toMatchObject({ applied: 1 });
    expect((await delivery(t, d.id)).status).toBe('delivered');
    expect(await consentStatus(d.customer)).toBe('confirmed');
    expect((await postSes(snsEnvelope(sesComplaint(d)))).body).toMatchObject({ applied: 1 });
    expect((await delivery(t, d.id)).status).toBe('complained');
    expect(await consentStatus(d.customer)).toBe('withdrawn');
    expect(await suppressed(d.email)).toEqual(['complaint']);
  });

  it('SES: an event naming another address is ignored and recorded as such', async () => {
    const d = await sent();
    const other = 'someone.else@mail.example';
    const c = await insertCustomer(t, { email: other });
    await grant(t, c, 'email', 'tips');
    const res = await postSes(snsEnvelope(sesComplaint({ ...d, email: other })));
    expect(res.body).toMatchObject({ applied: 0, ignored: 1 });
    expect(await auditOf(d.id)).toContain('delivery.feedback_ignored:ses');
    expect(await consentStatus(d.customer)).toBe('confirmed');
    expect(await consentStatus(c)).toBe('confirmed');
    expect(await suppressed(other)).toEqual([]);
    expect(await suppressed(d.email)).toEqual([]);
  });

  it('SES: a subscription confirmation is visited once verified, and only on an SNS host', async () => {
    const subscribe = 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc';
    const m = snsEnvelope('You have chosen to subscribe', {
      Type: 'SubscriptionConfirmation',
      SubscribeURL: subscribe,
      Token: 'abc',
    });
    const res = await postSes(m);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ subscriptionConfirmed: true });
    expect(snsClient.confirmed).toEqual([subscribe]);
    const elsewhere = snsEnvelope('x', {
      Type: 'SubscriptionConfirmation',
      SubscribeURL: 'https://internal.example/admin',
      Token: 'abc',
    });
    expect((await postSes(elsewhere)).status).toBe(403);
    expect(snsClient.confirmed).toEqual([subscribe]);
  });

  // --- SendGrid ----------------------------------------------------------------------------

  const postSendgrid = (events: unknown, opts: { ts?: string; key?: typeof sendgrid } = {}) => {
    const body = Buffer.from(JSON.stringify(events));
    const ts = opts.ts ?? nowSeconds();
    const signature = sign('sha256', Buffer.concat([Buffer.from(ts), body]), {
      key: (opts.key ?? sendgrid).privateKey,
      dsaEncoding: 'der',
    }).toString('base64');
    return t.http
      .post('/webhooks/email/sendgrid')
      .set('Content-Type', 'application/json')
      .set('X-Twilio-Email-Event-Webhook-Signature', signature)
      .set('X-Twilio-Email-Event-Webhook-Timestamp', ts)
      .send(body.toString('utf8'));
  };

  it('SendGrid: signed events apply; a bounce suppresses, a blocked one only counts', async () => {
    const hard = await sent();
    const soft = await sent();
    const res = await postSendgrid([
      ...sendgridEvents(hard, 'bounce'),
      ...sendgridEvents(soft, 'blocked'),
      ...sendgridEvents(soft, 'open'),
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: 3, applied: 2, ignored: 1, unmatched: 0 });
    expect((await delivery(t, hard.id)).status).toBe('bounced');
    expect(await suppressed(hard.email)).toEqual(['hard_bounce']);
    expect((await delivery(t, soft.id)).status).toBe('sent');
    expect(await suppressed(soft.email)).toEqual([]);
    expect(await auditOf(soft.id)).toContain('delivery.soft_bounce:sendgrid');
  });

  it('SendGrid: another key, a changed body, an old timestamp or no headers are refused', async () => {
    const d = await sent();
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect((await postSendgrid(sendgridEvents(d, 'spamreport'), { key: other })).status).toBe(403);
    const old = String(Number(nowSeconds()) - 3600);
    expect((await postSendgrid(sendgridEvents(d, 'spamreport'), { ts: old })).status).toBe(403);
    const body = JSON.stringify(sendgridEvents(d, 'spamreport'));
    const ts = nowSeconds();
    const signature = sign('sha256', Buffer.from(ts + body), {
      key: sendgrid.privateKey,
      dsaEncoding: 'der',
    }).toString('base64');
    const changed = await t.http
      .post('/webhooks/email/sendgrid')
      .set('Content-Type', 'application/json')
      .set('X-Twilio-Email-Event-Webhook-Signature', signature)
      .set('X-Twilio-Email-Event-Webhook-Timestamp', ts)
      .send(body.replace('spamreport', 'spamreport ')); // a byte more than was signed
    expect(changed.status).toBe(403);
    const bare = await t.http
      .post('/webhooks/email/sendgrid')
      .set('Content-Type', 'application/json')
      .send(body);
    expect(bare.status).toBe(403);
    expect(await consentStatus(d.customer)).toBe('confirmed');
  });

  it('SendGrid: a replayed request and a duplicate event change nothing; 1001 events are refused', async () => {
    const d = await sent();
    const events = sendgridEvents(d, 'spamreport');
    expect((await postSendgrid(events)).body).toMatchObject({ applied: 1 });
    const before = await auditOf(d.id);
    expect((await postSendgrid([...events, ...events])).body).toMatchObject({
      applied: 0,
      ignored: 2,
    });
    expect(await auditOf(d.id)).toEqual(before);
    const many = Array.from({ length: 1001 }, () => events[0]);
    expect((await postSendgrid(many)).status).toBe(400);
  });

  // --- Mailgun -----------------------------------------------------------------------------

  const mailgunBody = (
    eventData: unknown,
    opts: { ts?: string; key?: string; token?: string } = {},
  ) => {
    const timestamp = opts.ts ?? nowSeconds();
    const token = opts.token ?? randomBytes(25).toString('hex');
    const signature = createHmac('sha256', opts.key ?? MAILGUN_KEY)
      .update(timestamp + token)
      .digest('hex');
    return { signature: { timestamp, token, signature }, 'event-data': eventData };
  };
  const postMailgun = (body: unknown) =>
    t.http.post('/webhooks/email/mailgun').send(body as object);

  it('Mailgun: a signed permanent failure bounces; the same token again is refused', async () => {
    const d = await sent();
    const body = mailgunBody(mailgunEventData(d, 'failed', 'permanent'));
    const res = await postMailgun(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: 1 });
    expect((await delivery(t, d.id)).status).toBe('bounced');
    expect(await suppressed(d.email)).toEqual(['hard_bounce']);
    const replay = await postMailgun(body);
    expect(replay.status).toBe(403);
    expect(replay.body.message.join()).toMatch(/already used/);
  });

  it('Mailgun: a wrong key or an old timestamp is refused; temporary failures count', async () => {
    const d = await sent();
    expect(
      (
        await postMailgun(
          mailgunBody(mailgunEventData(d, 'complained'), { key: 'key-other-0123456789abc' }),
        )
      ).status,
    ).toBe(403);
    const old = String(Number(nowSeconds()) - 600);
    expect(
      (await postMailgun(mailgunBody(mailgunEventData(d, 'complained'), { ts: old }))).status,
    ).toBe(403);
    expect(await consentStatus(d.customer)).toBe('confirmed');
    const res = await postMailgun(mailgunBody(mailgunEventData(d, 'failed', 'temporary')));
    expect(res.body).toMatchObject({ applied: 1 });
    expect((await delivery(t, d.id)).status).toBe('sent');
    expect(await auditOf(d.id)).toContain('delivery.soft_bounce:mailgun');
    expect((await postMailgun(mailgunBody(mailgunEventData(d, 'delivered')))).body).toMatchObject({
      applied: 1,
    });
    expect((await delivery(t, d.id)).status).toBe('delivered');
  });

  it('Mailgun: a complaint about another address is ignored', async () => {
    const d = await sent();
    const res = await postMailgun(
      mailgunBody(mailgunEventData({ ...d, email: 'bystander@mail.example' }, 'complained')),
    );
    expect(res.body).toMatchObject({ ignored: 1 });
    expect(await consentStatus(d.customer)).toBe('confirmed');
    expect(await auditOf(d.id)).toContain('delivery.feedback_ignored:mailgun');
  });

  // --- Postmark ----------------------------------------------------------------------------

  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const postPostmark = (body: object, auth = basic(POSTMARK.user, POSTMARK.password)) =>
    t.http.post('/webhooks/email/postmark').set('Authorization', auth).send(body);

  it('Postmark: with its basic auth a hard bounce bounces; a wrong password changes nothing', async () => {
    const d = await sent();
    expect(
      (await postPostmark(postmarkBounce(d), basic(POSTMARK.user, 'wrong-password-123'))).status,
    ).toBe(401);
    expect(
      (await postPostmark(postmarkBounce(d), basic(POSTMARK.user, POSTMARK.password + 'x'))).status,
    ).toBe(401);
    expect((await t.http.post('/webhooks/email/postmark').send(postmarkBounce(d))).status).toBe(
      401,
    );
    expect((await delivery(t, d.id)).status).toBe('sent');
    const res = await postPostmark(postmarkBounce(d));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: 1 });
    expect(await suppressed(d.email)).toEqual(['hard_bounce']);
    // The same record again (Postmark retries): nothing more.
    expect((await postPostmark(postmarkBounce(d))).body).toMatchObject({ ignored: 1 });
  });

  it('Postmark: delivery, then a complaint; a record for an unknown message is unmatched', async () => {
    const d = await sent();
    expect((await postPostmark(postmarkDelivery(d))).body).toMatchObject({ applied: 1 });
    expect((await delivery(t, d.id)).status).toBe('delivered');
    expect((await postPostmark(postmarkComplaint(d))).body).toMatchObject({ applied: 1 });
    expect(await consentStatus(d.customer)).toBe('withdrawn');
    const unknown = await postPostmark(
      postmarkBounce({ ...d, deliveryId: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(unknown.body).toMatchObject({ unmatched: 1 });
  });

  it('Postmark: a bounce naming another address is ignored', async () => {
    const d = await sent();
    const res = await postPostmark(postmarkBounce({ ...d, email: 'other.person@mail.example' }));
    expect(res.body).toMatchObject({ ignored: 1 });
    expect((await delivery(t, d.id)).status).toBe('sent');
    expect(await suppressed('other.person@mail.example')).toEqual([]);
  });
});

describe('e-mail provider webhooks not configured', () => {
  let t: DeliveryTestApp;
  beforeAll(async () => {
    t = await createDeliveryApp();
  });
  afterAll(() => t.close());

  it.each(['ses', 'sendgrid', 'mailgun', 'postmark'])(
    '/webhooks/email/%s answers 404',
    async (p) => {
      const res = await t.http.post(`/webhooks/email/${p}`).send({});
      expect(res.status).toBe(404);
    },
  );
});

import type { ReceivedMail } from '../support/smtp';
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
  feedbackFixture,
} from '../delivery/delivery-app';

/** The List-Unsubscribe mailto of a received mail, as a mail client reads it. */
function mailtoOf(mail: ReceivedMail): { to: string; subject: string } {
  const line = mail.parsed.headerLines.find((h) => h.key === 'list-unsubscribe')!;
  const value = line.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n\s+/g, ' ');
  const mailto = /<(mailto:[^>]+)>/.exec(value)![1];
  const url = new URL(mailto);
  return { to: decodeURIComponent(url.pathname), subject: url.searchParams.get('subject')! };
}

/** What a mail client sends when the reader presses "unsubscribe" (RFC 2369 mailto). */
function reply(o: {
  to: string;
  subject?: string;
  body?: string;
  from?: string;
  messageId?: string;
  extraHeaders?: string;
}): string {
  return [
    `Return-Path: <${o.from ?? 'anna@mail.example'}>`,
    `Delivered-To: ${o.to}`,
    `From: Anna <${o.from ?? 'anna@mail.example'}>`,
    `To: ${o.to}`,
    `Subject: ${o.subject ?? ''}`,
    `Date: Mon, 23 Nov 2026 12:30:00 +0000`,
    `Message-ID: <${o.messageId ?? `${Math.random().toString(36).slice(2)}@mail.example`}>`,
    `MIME-Version: 1.0`,
    `Content-Type: text/plain; charset=utf-8`,
    ...(o.extraHeaders ? [o.extraHeaders] : []),
    '',
    o.body ?? 'This message will unsubscribe you.',
    '',
  ].join('\r\n');
}

describe('POST /webhooks/email/inbound: the List-Unsubscribe mailto, bounces and complaints', () => {
  let smtp: TestSmtpServer;
  let t: DeliveryTestApp;
  let campaign: string;
  let integration: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createDeliveryApp({ env: { SMTP_URL: smtp.url } });
    await createTopics(t);
    campaign = await insertCampaign(t, { topic: 'tips' });
    integration = await t.keyFor('integration');
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const post = (raw: string | Buffer, key: string | null = integration) => {
    const req = t.http.post('/webhooks/email/inbound').set('Content-Type', 'message/rfc822');
    return (key ? req.set('Authorization', `Bearer ${key}`) : req).send(raw);
  };
  /** A customer with e-mail tips and offers and SMS tips, sent one tips e-mail over SMTP. */
  const mailed = async (email: string) => {
    const customer = await insertCustomer(t, { email });
    await grant(t, customer, 'email', 'tips');
    await grant(t, customer, 'email', 'offers');
    await grant(t, customer, 'sms', 'tips');
    const id = await insertDelivery(t, {
      campaignId: campaign,
      customerId: customer,
      topic: 'tips',
    });
    const before = smtp.messages.length;
    expect(await t.sender.tick()).toMatchObject({ sent: 1 });
    const mails = await smtp.waitFor(before + 1);
    const mail = mails.find((m) => m.to[0] === email)!;
    expect(mail).toBeDefined();
    return { customer, id, mail, mailto: mailtoOf(mail) };
  };
  const states = async (customer: string) =>
    Object.fromEntries(
      (
        await t.db.query(
          `SELECT channel || '/' || topic AS k, status FROM consent_state WHERE customer_id = $1`,
          [customer],
        )
      ).map((r: { k: string; status: string }) => [r.k, r.status]),
    );
  const withdrawals = async (customer: string) =>
    t.db.query(
      `SELECT channel, topic, source, actor, data, ip, user_agent FROM consent_events
        WHERE customer_id = $1 AND action = 'withdraw' ORDER BY id`,
      [customer],
    );
  const ALL_GRANTED = {
    'email/tips': 'confirmed',
    'email/offers': 'confirmed',
    'sms/tips': 'confirmed',
  };

  it('answering the mailto withdraws exactly the link’s scope, with mailto-unsubscribe evidence; a replay is harmless', async () => {
    const { customer, id, mailto } = await mailed('anna@mail.example');
    expect(mailto.to).toBe('unsubscribe@shop.example');
    expect(mailto.subject).toMatch(/^unsubscribe-[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

    const raw = reply({
      to: mailto.to,
      subject: mailto.subject,
      messageId: 'unsub-1@mail.example',
    });
    const res = await post(raw);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      route: 'unsubscribe',
      withdrawn: true,
      channel: 'email',
      topic: 'tips',
      repeated: false,
    });
    expect(await states(customer)).toEqual({ ...ALL_GRANTED, 'email/tips': 'withdrawn' });
    const [w] = await withdrawals(customer);
    expect(w).toMatchObject({
      channel: 'email',
      topic: 'tips',
      source: 'mailto-unsubscribe',
      actor: 'customer',
      data: { deliveryId: id, mailMessageId: '<unsub-1@mail.example>' },
    });
    // The campaign report links the unsubscribe to the message through the audit row.
    const [audit] = await t.db.query(
      `SELECT data FROM audit_events WHERE customer_id = $1 AND type = 'consent.withdrawn'`,
      [customer],
    );
    expect(audit.data).toMatchObject({ source: 'mailto-unsubscribe' });

    // The mail server delivers the same message again (a retry, a second webhook): no new entry.
    for (let i = 0; i < 3; i++) {
      const again = await post(raw);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ route: 'unsubscribe', withdrawn: true, repeated: true });
    }
    expect(await withdrawals(customer)).toHaveLength(1);
    expect(await states(customer)).toEqual({ ...ALL_GRANTED, 'email/tips': 'withdrawn' });
  });

  it('the same answer delivered several times at once is withdrawn once', async () => {
    const { customer, mailto } = await mailed('twice@mail.example');
    const raw = reply({ to: mailto.to, subject: mailto.subject, messageId: 'dup@mail.example' });
    const results = await Promise.all(Array.from({ length: 6 }, () => post(raw)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(results.filter((r) => r.body.repeated === false)).toHaveLength(1);
    expect(await withdrawals(customer)).toHaveLength(1);
    // A second, different answer with the same token is a new request: recorded, state unchanged.
    const other = await post(
      reply({ to: mailto.to, subject: mailto.subject, messageId: 'dup2@mail.example' }),
    );
    expect(other.body).toMatchObject({ withdrawn: true, repeated: false });
    expect(await withdrawals(customer)).toHaveLength(2);
    expect(await states(customer)).toEqual({ ...ALL_GRANTED, 'email/tips': 'withdrawn' });
  });

  it('finds the token as mail clients pass it: "Re:" and encoded subjects, the body, the address tag', async () => {
    const variants = [
      (m: { to: string; subject: string }) => ({ to: m.to, subject: `Re: ${m.subject}` }),
      (m: { to: string; subject: string }) => ({
        to: `"Unsubscribe" <${m.to.toUpperCase()}>`,
        subject: `=?UTF-8?B?${Buffer.from(m.subject).toString('base64')}?=`,
      }),
      (m: { to: string; subject: string }) => ({
        to: m.to,
        subject: 'Отписаться',
        body: `Please remove me.\r\n\r\n${m.subject}\r\n`,
      }),
      (m: { to: string; subject: string }) => ({
        to: m.to.replace('@', `+${m.subject.slice('unsubscribe-'.length)}@`),
        subject: 'unsubscribe',
      }),
    ];
    for (const [i, variant] of variants.entries()) {
      const { customer, mailto } = await mailed(`variant${i}@mail.example`);
      const res = await post(reply(variant(mailto)));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ route: 'unsubscribe', withdrawn: true });
      expect(await states(customer)).toEqual({ ...ALL_GRANTED, 'email/tips': 'withdrawn' });
    }
  });

  it('a forged, altered or misdirected token withdraws nothing and says why', async () => {
    const { customer, mailto } = await mailed('boris@mail.example');
    const token = mailto.subject.slice('unsubscribe-'.length);
    const [kid, payload, sig] = token.split('.');
    const flip = (s: string, i: number) =>
      s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    // A payload naming another customer/topic, re-encoded, with the old signature.
    const decoded = Buffer.from(payload, 'base64url').toString();
    const otherPayload = Buffer.from(decoded.replace('tips', 'offers')).toString('base64url');
    const bad = [
      `unsubscribe-${kid}.${payload}.${flip(sig, 5)}`,
      `unsubscribe-${kid}.${flip(payload, 3)}.${sig}`,
      `unsubscribe-${kid}.${otherPayload}.${sig}`,
      `unsubscribe-${token.slice(0, -1)}`,
      `unsubscribe-${token}\u0000`,
      'unsubscribe',
      `unsubscribe-${'A'.repeat(100_000)}.${'B'.repeat(100)}.${'C'.repeat(43)}`,
    ];
    for (const subject of bad) {
      const res = await post(reply({ to: mailto.to, subject, body: 'unsubscribe me' }));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ route: 'unsubscribe', withdrawn: false });
      expect(res.body.reason).toMatch(/no valid unsubscribe token/);
    }
    // A genuine token sent to another mailbox is not an unsubscribe request.
    const elsewhere = await post(reply({ to: 'news@shop.example', subject: mailto.subject }));
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body).toMatchObject({ route: 'none', handled: false });
    expect(elsewhere.body.reason).toBeDefined();
    // A token of another purpose (the preference link) is not an unsubscribe token.
    const pref = /\/p\/([^\s"<>]+)/.exec(t.renderer.calls.at(-1)!.context.links.preferences)![1];
    const prefRes = await post(reply({ to: mailto.to, subject: `unsubscribe-${pref}` }));
    expect(prefRes.body).toMatchObject({ withdrawn: false });

    expect(await withdrawals(customer)).toEqual([]);
    expect(await states(customer)).toEqual(ALL_GRANTED);
  });

  it('refuses a missing or wrong key, another role’s key, and bodies that are not mail', async () => {
    const { customer, mailto } = await mailed('carla@mail.example');
    const raw = reply({ to: mailto.to, subject: mailto.subject });
    expect((await post(raw, null)).status).toBe(401);
    expect((await post(raw, 'not-a-key-0123456789abcdef')).status).toBe(401);
    for (const role of ['marketer', 'auditor'] as const) {
      const res = await post(raw, await t.keyFor(role));
      expect(res.status).toBe(403);
    }
    expect(await withdrawals(customer)).toEqual([]);

    const empty = await post('');
    expect(empty.status).toBe(400);
    expect(empty.body.message[0]).toMatch(/^body/);
    const huge = await post(Buffer.alloc(6 * 1024 * 1024, 'a'));
    expect(huge.status).toBe(413);
    const nul = await post(Buffer.from('Subject: \u0000\u0000\r\nTo: \u0000\r\n\r\n\u0000'));
    expect(nul.status).toBe(200);
    expect(nul.body).toMatchObject({ handled: false });
    expect(await withdrawals(customer)).toEqual([]);
  });

  it('routes bounces and complaints to the provider feedback, as /webhooks/email/dsn does', async () => {
    const bounced = await mailed('gone@mail.example');
    const dsn = feedbackFixture('dsn-hard.eml', {
      RECIPIENT: 'gone@mail.example',
      STATUS: '5.1.1',
      DIAGNOSTIC: '550 5.1.1 User unknown',
      MESSAGE_ID: bounced.mail.parsed.messageId!,
    });
    const res = await post(dsn);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      route: 'report',
      type: 'bounce',
      deliveryId: bounced.id,
      status: 'bounced',
    });
    expect((await delivery(t, bounced.id)).status).toBe('bounced');

    const angry = await mailed('angry@mail.example');
    const arf = feedbackFixture('arf-complaint.eml', {
      RECIPIENT: 'angry@mail.example',
      MESSAGE_ID: angry.mail.parsed.messageId!,
    });
    const complaint = await post(arf);
    expect(complaint.body).toMatchObject({
      route: 'report',
      type: 'complaint',
      status: 'complained',
    });

    // The old endpoint still takes reports, and still refuses anything else.
    const legacy = await t
      .as(integration)
      .post('/webhooks/email/dsn')
      .set('Content-Type', 'message/rfc822')
      .send(dsn);
    expect(legacy.status).toBe(200);
    expect(legacy.body).toMatchObject({ type: 'bounce', ignored: true });
    const notReport = await t
      .as(integration)
      .post('/webhooks/email/dsn')
      .set('Content-Type', 'message/rfc822')
      .send(reply({ to: angry.mailto.to, subject: angry.mailto.subject }));
    expect(notReport.status).toBe(400);
  });
});

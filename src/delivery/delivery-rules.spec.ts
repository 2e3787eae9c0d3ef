import { DEFAULT_POLICIES } from '../policy/engine';
import { networkFailure } from './channels/channel';
import { classifySmtpError } from './channels/email.channel';
import { bridgeTwiml, classifyTwilioError } from './channels/twilio.channels';
import { parseFeedbackReport } from './feedback/report-parser';
import { twilioOutcome, twilioStatusRank } from './feedback/twilio-status';
import { TokenBucket } from './rate-limiter';
import { retryDelayMs, sendTimeProblem, sendWindowDelay, type SendCheckInput } from './send-checks';

describe('SMTP errors', () => {
  it('4xx is transient, 5xx permanent; a rejected recipient suppresses the address', () => {
    expect(
      classifySmtpError({ responseCode: 451, command: 'RCPT TO', response: '451 4.7.1 later' }),
    ).toMatchObject({ kind: 'transient', code: 'smtp_451', action: undefined });
    expect(
      classifySmtpError({ responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 unknown' }),
    ).toMatchObject({ kind: 'permanent', code: 'smtp_550', action: 'suppress_email' });
    // Refused for its content, not its address: failed, but the address stays usable.
    expect(
      classifySmtpError({ responseCode: 554, command: 'DATA', response: '554 5.7.1 spam' }),
    ).toMatchObject({ kind: 'permanent', action: undefined });
  });

  it('a broken connection before the content is transient; during it, ambiguous', () => {
    expect(classifySmtpError({ code: 'ECONNECTION', command: 'CONN' }).kind).toBe('transient');
    expect(classifySmtpError({ code: 'ETIMEDOUT', command: 'DATA' }).kind).toBe('ambiguous');
    expect(classifySmtpError(new Error('boom')).kind).toBe('ambiguous');
  });
});

describe('Twilio errors', () => {
  it('429 and 5xx are transient; 21610 withdraws; 21211 suppresses; other 4xx fail', () => {
    expect(classifyTwilioError({ status: 429, code: 20429 })).toMatchObject({
      kind: 'transient',
      code: 'twilio_20429',
    });
    expect(classifyTwilioError({ status: 503 }).kind).toBe('transient');
    expect(classifyTwilioError({ status: 400, code: 21610 })).toMatchObject({
      kind: 'permanent',
      action: 'withdraw_sms',
    });
    expect(classifyTwilioError({ status: 400, code: 21211 }).action).toBe('suppress_phone');
    expect(classifyTwilioError({ status: 400, code: 21614 })).toMatchObject({
      kind: 'permanent',
      action: undefined,
    });
  });

  it('network errors: refused is transient, a reset mid-request ambiguous', () => {
    expect(classifyTwilioError({ code: 'ECONNREFUSED', message: 'x' }).kind).toBe('transient');
    expect(classifyTwilioError({ code: 'ECONNRESET', message: 'x' }).kind).toBe('ambiguous');
    expect(networkFailure({}).kind).toBe('ambiguous');
  });
});

describe('bridged call TwiML', () => {
  it('says the brief in the customer language, then dials the customer; escapes XML', () => {
    const xml = bridgeTwiml('Olga <ООО "Ромашка"> & co', 'ru', '+79161234567', '+15005550006');
    expect(xml).toContain(
      '<Say language="ru-RU">Olga &lt;ООО &quot;Ромашка&quot;&gt; &amp; co</Say>',
    );
    expect(xml).toContain('<Dial callerId="+15005550006">+79161234567</Dial>');
    expect(bridgeTwiml('x', 'xx', '+1', '+2')).toContain('language="en-US"');
  });
});

describe('retry backoff', () => {
  it('doubles per attempt with jitter between half and the whole step, capped at an hour', () => {
    expect(retryDelayMs(1, () => 0)).toBe(15_000);
    expect(retryDelayMs(1, () => 1)).toBe(30_000);
    expect(retryDelayMs(3, () => 1)).toBe(120_000);
    expect(retryDelayMs(20, () => 1)).toBe(3_600_000);
  });
});

describe('Twilio status order', () => {
  it('only moves forward; finals settle the delivery', () => {
    expect(twilioStatusRank('message', 'delivered')).toBeGreaterThan(
      twilioStatusRank('message', 'sent'),
    );
    expect(twilioStatusRank('message', 'failed')).toBeGreaterThan(
      twilioStatusRank('message', 'delivered'),
    );
    expect(twilioStatusRank('message', null)).toBe(0);
    expect(twilioOutcome('message', 'sent')).toBeNull();
    expect(twilioOutcome('message', 'undelivered')).toBe('failed');
    expect(twilioOutcome('call', 'completed')).toBe('delivered');
    expect(twilioOutcome('call', 'no-answer')).toBe('failed');
  });
});

describe('send-time checks', () => {
  const base: SendCheckInput = {
    channel: 'email',
    category: 'content',
    topic: 'tips',
    goal: 'retention',
    campaignId: 'c1',
    kind: 'consumer',
    erased: false,
    address: 'a@b.c',
    accountManagerPhone: null,
    consent: [{ channel: 'email', topic: 'tips', status: 'confirmed', since: new Date(0) }],
    suppressed: false,
    needsAttention: false,
  };
  it('an open follow-up stops content and offers at hand-over, not service messages', () => {
    expect(sendTimeProblem({ ...base, needsAttention: true })).toBe('needs_attention');
    expect(sendTimeProblem({ ...base, category: 'promotional', needsAttention: true })).toBe(
      'needs_attention',
    );
    // Suppression still comes first: it is the stronger reason to show.
    expect(sendTimeProblem({ ...base, suppressed: true, needsAttention: true })).toBe('suppressed');
    expect(
      sendTimeProblem({
        ...base,
        category: 'service',
        goal: 'announcement',
        needsAttention: true,
      }),
    ).toBeNull();
  });
  it('suppression beats consent; marketing needs a confirmed e-mail consent', () => {
    expect(sendTimeProblem(base)).toBeNull();
    expect(sendTimeProblem({ ...base, suppressed: true })).toBe('suppressed');
    expect(sendTimeProblem({ ...base, address: null })).toBe('unreachable');
    expect(
      sendTimeProblem({
        ...base,
        consent: [{ channel: 'email', topic: 'tips', status: 'granted', since: new Date(0) }],
      }),
    ).toBe('consent_unconfirmed');
    expect(sendTimeProblem({ ...base, consent: [] })).toBe('no_consent');
  });
  it('service needs no consent but honours a channel opt-out; calls only for business', () => {
    expect(sendTimeProblem({ ...base, category: 'service', goal: 'care', consent: [] })).toBeNull();
    expect(
      sendTimeProblem({
        ...base,
        category: 'service',
        goal: 'care',
        consent: [{ channel: 'email', topic: '*', status: 'withdrawn', since: new Date(0) }],
      }),
    ).toBe('consent_withdrawn');
    const call = { ...base, channel: 'voice' as const, accountManagerPhone: '+7916', consent: [] };
    expect(sendTimeProblem({ ...call, category: 'service', goal: 'care' })).toBe(
      'channel_not_allowed',
    );
    expect(
      sendTimeProblem({ ...call, kind: 'business', category: 'service', goal: 'care' }),
    ).toBeNull();
    expect(
      sendTimeProblem({
        ...call,
        kind: 'business',
        category: 'service',
        goal: 'care',
        accountManagerPhone: null,
      }),
    ).toBe('unreachable');
  });
  it('quiet hours and business hours move the send to the next allowed instant', () => {
    const policy = DEFAULT_POLICIES.business;
    const at = (iso: string) => new Date(iso).getTime();
    expect(sendWindowDelay('email', policy, 'UTC', at('2026-11-23T12:00:00Z'))).toBeNull();
    expect(sendWindowDelay('email', policy, 'UTC', at('2026-11-23T21:00:00Z'))).toBe(
      at('2026-11-24T09:00:00Z'),
    );
    // Saturday noon: the call waits for Monday 10:00.
    expect(sendWindowDelay('voice', policy, 'UTC', at('2026-11-28T12:00:00Z'))).toBe(
      at('2026-11-30T10:00:00Z'),
    );
  });
});

describe('token bucket', () => {
  it('lets a second of burst through, then paces to the rate', async () => {
    let now = 0;
    const bucket = new TokenBucket(10, () => now);
    for (let i = 0; i < 10; i++) await bucket.take();
    let done = false;
    const next = bucket.take().then(() => (done = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    now += 100; // one token's worth
    await next;
    expect(done).toBe(true);
  });
});

describe('feedback reports', () => {
  const dsn = (status: string) =>
    Buffer.from(
      [
        'From: MAILER-DAEMON@mx.example',
        'To: news@shop.example',
        'Subject: Undelivered',
        'Message-ID: <dsn-1@mx.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'Could not deliver.',
        '--b',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example',
        '',
        'Final-Recipient: rfc822; someone@mail.example',
        'Action: failed',
        `Status: ${status}`,
        'Diagnostic-Code: smtp; 550 no such user',
        '  (folded line)',
        '',
        '--b',
        'Content-Type: message/rfc822',
        '',
        'From: news@shop.example',
        'Message-ID: <11111111-2222-4333-8444-555555555555@shop.example>',
        'X-Tactful-Delivery: 11111111-2222-4333-8444-555555555555',
        'Subject: hi',
        '',
        'body',
        '--b--',
        '',
      ].join('\r\n'),
    );
  it('reads recipients and status codes of a DSN, and the original ids, not its own', async () => {
    const r = await parseFeedbackReport(dsn('5.1.1'));
    expect(r).toMatchObject({
      type: 'bounce',
      recipients: [
        {
          recipient: 'someone@mail.example',
          action: 'failed',
          status: '5.1.1',
          diagnostic: 'smtp; 550 no such user (folded line)',
        },
      ],
      messageIds: ['11111111-2222-4333-8444-555555555555@shop.example'],
      deliveryIds: ['11111111-2222-4333-8444-555555555555'],
    });
  });
  it('null for a plain message', async () => {
    expect(await parseFeedbackReport(Buffer.from('Subject: x\r\n\r\nhello\r\n'))).toBeNull();
  });
});

import { createHash } from 'node:crypto';
import { aSuppression } from '../support/builders';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
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

describe('sender: e-mail through a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let t: DeliveryTestApp;
  let campaign: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createDeliveryApp({ env: { SMTP_URL: smtp.url, SEND_MAX_ATTEMPTS: '3' } });
    await createTopics(t);
    campaign = await insertCampaign(t, { topic: 'tips' });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });
  beforeEach(() => {
    t.clock.set('2026-11-23T12:00:00Z');
    smtp.messages.length = 0;
    smtp.setResponder(null);
  });

  it('sends one e-mail with working one-click headers, records it and never sends it twice', async () => {
    const anna = await insertCustomer(t, { name: 'Anna', email: 'anna@mail.example' });
    await grant(t, anna, 'email', 'tips');
    const id = await insertDelivery(t, { campaignId: campaign, customerId: anna, topic: 'tips' });

    const first = await t.sender.tick();
    expect(first.sent).toBe(1);
    const [mail] = await smtp.waitFor(1);
    expect(mail.to).toEqual(['anna@mail.example']);
    expect(mail.parsed.subject).toBe('Spring tips for Anna');
    expect(mail.parsed.text).toContain('Hello Anna');
    expect(mail.parsed.html).toContain('Hello Anna');
    expect(mail.parsed.messageId).toBe(`<${id}@shop.example>`);
    const header = (name: string) => {
      const line = mail.parsed.headerLines.find((h) => h.key === name.toLowerCase());
      return line ? line.line.slice(line.line.indexOf(':') + 1).trim() : undefined;
    };
    expect(header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(header('Feedback-ID')).toBe(`${campaign}:tips:shop-example`);
    const listUnsubscribe = header('List-Unsubscribe')!.replace(/\r?\n\s+/g, ' ');
    const m =
      /^<(http:\/\/tactful\.test\/u\/([^>]+))>, <mailto:unsubscribe@shop\.example\?subject=unsubscribe-([^>]+)>$/.exec(
        listUnsubscribe,
      );
    expect(m).not.toBeNull();
    expect(m![3]).toBe(m![2]);
    // The visible link in the body is the same one.
    expect(mail.parsed.text).toContain(m![1]);

    const row = await delivery(t, id);
    expect(row.status).toBe('sent');
    expect(row.provider_id).toBe(`<${id}@shop.example>`);
    const rendered = t.renderer.calls.find((c) => c.context.links.unsubscribe === m![1])!;
    expect(rendered.name).toBe('spring');
    expect(rendered.context.reason).toContain('tips');
    const [sentAudit] = await t.db.query(
      `SELECT data, policy_version FROM audit_events WHERE delivery_id = $1 AND type = 'delivery.sent'`,
      [id],
    );
    expect(sentAudit.data).toMatchObject({ templateName: 'spring', templateVersion: 1 });
    expect(sentAudit.data.contentHash).toBe(row.content_hash);
    expect(row.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(sentAudit.policy_version).toBe(1);
    // Traceable to the consent in force at the hand-over (promise 7).
    const [grantEvent] = await t.db.query(
      `SELECT id::text AS id FROM consent_events WHERE customer_id = $1 AND topic = 'tips'`,
      [anna],
    );
    expect(sentAudit.data.consentAtSend).toEqual({ topic: grantEvent.id, all: null });
    // The rendered content is kept beside the audit (purgeable), under the same hash.
    const [content] = await t.db.query(
      `SELECT content, content_hash FROM audit_content WHERE delivery_id = $1`,
      [id],
    );
    expect(content.content_hash).toBe(row.content_hash);
    expect(content.content.subject).toBe('Spring tips for Anna');

    // Nothing is due any more: a second tick sends nothing.
    const second = await t.sender.tick();
    expect(second.claimed).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.messages).toHaveLength(1);

    // The one-click URL works as a mailbox provider calls it.
    const res = await t.http
      .post(new URL(m![1]).pathname)
      .type('form')
      .send('List-Unsubscribe=One-Click');
    expect(res.status).toBe(200);
    const [state] = await t.db.query(
      `SELECT status FROM consent_state WHERE customer_id = $1 AND channel = 'email' AND topic = 'tips'`,
      [anna],
    );
    expect(state.status).toBe('withdrawn');
    const [withdrawal] = await t.db.query(
      `SELECT delivery_id FROM audit_events WHERE customer_id = $1 AND type = 'consent.withdrawn'`,
      [anna],
    );
    expect(withdrawal.delivery_id).toBe(id);
  });

  it('does not send when consent is missing, withdrawn, unconfirmed or the address is suppressed', async () => {
    const none = await insertCustomer(t);
    const withdrawnAfterClaim = await insertCustomer(t);
    const unconfirmed = await insertCustomer(t);
    const suppressed = await insertCustomer(t, { email: 'bounced@mail.example' });
    const withdrawnWhilePlanned = await insertCustomer(t);
    for (const c of [withdrawnAfterClaim, suppressed, withdrawnWhilePlanned])
      await grant(t, c, 'email', 'tips');
    await t.consent.record({
      customerId: unconfirmed,
      channel: 'email',
      topic: 'tips',
      action: 'grant',
      source: 'web-form',
      evidence: { wording: 'Yes', wordingVersion: 'v1' },
      actor: 'test',
    });
    await aSuppression(t.db, {
      addressType: 'email',
      addressHash: createHash('sha256').update('email:bounced@mail.example').digest('hex'),
      reason: 'hard_bounce',
    });
    const ids = {
      none: await insertDelivery(t, { campaignId: campaign, customerId: none, topic: 'tips' }),
      withdrawnAfterClaim: await insertDelivery(t, {
        campaignId: campaign,
        customerId: withdrawnAfterClaim,
        topic: 'tips',
      }),
      unconfirmed: await insertDelivery(t, {
        campaignId: campaign,
        customerId: unconfirmed,
        topic: 'tips',
      }),
      suppressed: await insertDelivery(t, {
        campaignId: campaign,
        customerId: suppressed,
        topic: 'tips',
      }),
      withdrawnWhilePlanned: await insertDelivery(t, {
        campaignId: campaign,
        customerId: withdrawnWhilePlanned,
        topic: 'tips',
      }),
    };
    // A withdrawal through the ledger cancels the planned delivery at once (promise 5).
    await t.consent.withdraw({
      customerId: withdrawnWhilePlanned,
      channel: 'email',
      topic: 'tips',
      source: 'api',
      actor: 'test',
    });
    expect((await delivery(t, ids.withdrawnWhilePlanned)).status).toBe('cancelled');
    // One that lands after the planner (the state only, as a concurrent commit would look to the
    // sender) is caught by the re-check at hand-over.
    await t.db.query(
      `UPDATE consent_state SET status = 'withdrawn', since = $2 WHERE customer_id = $1`,
      [withdrawnAfterClaim, t.clock.now()],
    );

    const r = await t.sender.tick();
    expect(r.sent).toBe(0);
    expect(r.cancelled).toBe(4);
    const reason = async (id: string) =>
      (
        await t.db.query(
          `SELECT reason FROM audit_events WHERE delivery_id = $1 AND type = 'delivery.cancelled'`,
          [id],
        )
      )[0]?.reason;
    expect(await reason(ids.none)).toBe('no_consent');
    expect(await reason(ids.withdrawnAfterClaim)).toBe('consent_withdrawn');
    expect(await reason(ids.unconfirmed)).toBe('consent_unconfirmed');
    expect(await reason(ids.suppressed)).toBe('suppressed');
    for (const id of Object.values(ids)) expect((await delivery(t, id)).status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.messages).toHaveLength(0);
  });

  it('sends nothing for a paused campaign and nothing before its time', async () => {
    const paused = await insertCampaign(t, { topic: 'tips', status: 'paused' });
    const c = await insertCustomer(t);
    await grant(t, c, 'email', 'tips');
    const id = await insertDelivery(t, { campaignId: paused, customerId: c, topic: 'tips' });
    const c2 = await insertCustomer(t);
    await grant(t, c2, 'email', 'tips');
    const later = await insertDelivery(t, {
      campaignId: campaign,
      customerId: c2,
      topic: 'tips',
      notBefore: new Date('2026-11-23T13:00:00Z'),
    });
    expect((await t.sender.tick()).claimed).toBe(0);
    expect((await delivery(t, id)).status).toBe('planned');
    expect((await delivery(t, later)).status).toBe('planned');
    await t.db.query(`UPDATE campaigns SET status = 'cancelled' WHERE id = $1`, [paused]);
  });

  it('defers a message that drifted into quiet hours instead of sending it', async () => {
    const c = await insertCustomer(t, { timezone: 'Asia/Vladivostok' }); // 22:00 local at 12:00Z
    await grant(t, c, 'email', 'tips');
    const id = await insertDelivery(t, { campaignId: campaign, customerId: c, topic: 'tips' });
    const r = await t.sender.tick();
    expect(r.deferred).toBe(1);
    const row = await delivery(t, id);
    expect(row.status).toBe('planned');
    expect(row.attempts).toBe(0);
    // 09:00 in Vladivostok (UTC+10) is 23:00Z.
    expect(row.next_attempt_at!.toISOString()).toBe('2026-11-23T23:00:00.000Z');
    expect(await auditTypes(t, id)).toEqual(['delivery.deferred']);
    await t.db.query(`UPDATE deliveries SET status = 'cancelled' WHERE id = $1`, [id]);
  });

  it('retries 4xx answers with backoff up to the limit and fails 5xx at once with a suppression', async () => {
    const soft = await insertCustomer(t, { email: 'greylisted@mail.example' });
    const recovers = await insertCustomer(t, { email: 'busy@mail.example' });
    const hard = await insertCustomer(t, { email: 'nobody@mail.example' });
    for (const c of [soft, recovers, hard]) await grant(t, c, 'email', 'tips');
    const ids = {
      soft: await insertDelivery(t, { campaignId: campaign, customerId: soft, topic: 'tips' }),
      recovers: await insertDelivery(t, {
        campaignId: campaign,
        customerId: recovers,
        topic: 'tips',
      }),
      hard: await insertDelivery(t, { campaignId: campaign, customerId: hard, topic: 'tips' }),
    };
    let busy = true;
    smtp.setResponder((rcpt) => {
      if (rcpt === 'greylisted@mail.example' || (rcpt === 'busy@mail.example' && busy))
        return { code: 451, message: '4.7.1 Greylisted, try again later' };
      if (rcpt === 'nobody@mail.example') return { code: 550, message: '5.1.1 No such user' };
      return null;
    });

    const r1 = await t.sender.tick();
    expect(r1).toMatchObject({ claimed: 3, sent: 0, retried: 2, failed: 1 });
    const hardRow = await delivery(t, ids.hard);
    expect(hardRow.status).toBe('failed');
    expect(hardRow.last_error).toContain('smtp_550');
    const [supp] = await t.db.query(
      `SELECT reason FROM suppressions WHERE address_hash = $1 AND lifted_at IS NULL`,
      [createHash('sha256').update('email:nobody@mail.example').digest('hex')],
    );
    expect(supp.reason).toBe('hard_bounce');
    const softRow = await delivery(t, ids.soft);
    expect(softRow.status).toBe('planned');
    const wait = softRow.next_attempt_at!.getTime() - t.clock.now().getTime();
    expect(wait).toBeGreaterThanOrEqual(15_000);
    expect(wait).toBeLessThanOrEqual(30_000);

    // Not due yet: nothing happens.
    expect((await t.sender.tick()).claimed).toBe(0);

    busy = false;
    t.clock.advance(31_000);
    const r2 = await t.sender.tick();
    expect(r2).toMatchObject({ claimed: 2, sent: 1, retried: 1 });
    expect((await delivery(t, ids.recovers)).status).toBe('sent');
    t.clock.advance(61_000);
    const r3 = await t.sender.tick();
    expect(r3).toMatchObject({ claimed: 1, failed: 1 });
    const softFinal = await delivery(t, ids.soft);
    expect(softFinal.status).toBe('failed');
    expect(softFinal.attempts).toBe(3);
    expect(await auditTypes(t, ids.soft)).toEqual([
      'delivery.retry',
      'delivery.retry',
      'delivery.failed',
    ]);
    expect(await auditTypes(t, ids.recovers)).toEqual(['delivery.retry', 'delivery.sent']);
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.messages.map((m) => m.to[0])).toEqual(['busy@mail.example']);
  });

  it('marks marketing whose lease ran out as unknown and never re-sends it; retries service', async () => {
    const service = await insertCampaign(t, { topic: 'tips', goal: 'care', name: 'Care' });
    const a = await insertCustomer(t, { email: 'lost@mail.example' });
    const b = await insertCustomer(t, { email: 'care@mail.example' });
    await grant(t, a, 'email', 'tips');
    const marketing = await insertDelivery(t, {
      campaignId: campaign,
      customerId: a,
      topic: 'tips',
      status: 'sending',
      leaseUntil: new Date('2026-11-23T11:59:00Z'),
    });
    const care = await insertDelivery(t, {
      campaignId: service,
      customerId: b,
      topic: 'tips',
      category: 'service',
      goal: 'care',
      status: 'sending',
      leaseUntil: new Date('2026-11-23T11:59:00Z'),
    });
    // A lease still running is left alone.
    const c = await insertCustomer(t);
    const live = await insertDelivery(t, {
      campaignId: campaign,
      customerId: c,
      topic: 'tips',
      status: 'sending',
      leaseUntil: new Date('2026-11-23T12:00:30Z'),
    });

    const r = await t.sender.tick();
    expect(r.expired).toBe(2);
    expect(r.sent).toBe(1);
    expect((await delivery(t, marketing)).status).toBe('unknown');
    expect(await auditTypes(t, marketing)).toEqual(['delivery.unknown']);
    const careRow = await delivery(t, care);
    expect(careRow.status).toBe('sent');
    expect(careRow.attempts).toBe(2);
    expect(await auditTypes(t, care)).toEqual(['delivery.retry', 'delivery.sent']);
    expect((await delivery(t, live)).status).toBe('sending');
    const mails = await smtp.waitFor(1);
    expect(mails.map((m) => m.to[0])).toEqual(['care@mail.example']);
    // Later ticks never touch the unknown one again.
    t.clock.advance(3_600_000);
    await t.sender.tick();
    expect((await delivery(t, marketing)).status).toBe('unknown');
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.messages.filter((m) => m.to[0] === 'lost@mail.example')).toHaveLength(0);
  });

  it('fails a delivery whose template cannot be rendered, without sending anything', async () => {
    const broken = await insertCampaign(t, { topic: 'tips', template: 'broken' });
    const c = await insertCustomer(t);
    await grant(t, c, 'email', 'tips');
    const id = await insertDelivery(t, {
      campaignId: broken,
      customerId: c,
      topic: 'tips',
      template: 'broken',
    });
    const r = await t.sender.tick();
    expect(r.failed).toBe(1);
    const row = await delivery(t, id);
    expect(row.status).toBe('failed');
    expect(row.last_error).toContain('render_error');
    expect(smtp.messages).toHaveLength(0);
  });
});

import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../support/smtp';
import { aCampaign } from '../support/builders';
import { createTopics } from '../support/test-app';
import {
  createDeliveryApp,
  grant,
  insertCustomer,
  insertDelivery,
  type DeliveryTestApp,
} from '../delivery/delivery-app';

/** A campaign of the built-in tips template (which asks for replies), to everyone, now. */
const campaignBody = {
  name: 'Tips',
  topic: 'tips',
  goal: 'retention',
  template: 'tips',
  channels: ['email'],
  audience: {},
  schedule: { type: 'now' },
};

const header = (mail: ReceivedMail, name: string): string | undefined => {
  const line = mail.parsed.headerLines.find((h) => h.key === name.toLowerCase());
  return line ? line.line.slice(line.line.indexOf(':') + 1).trim() : undefined;
};

describe('replies go to people: the Reply-To header', () => {
  let smtp: TestSmtpServer;
  let t: DeliveryTestApp;
  let campaign: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createDeliveryApp({
      env: { SMTP_URL: smtp.url, REPLY_TO: 'Shop support <support@shop.example>' },
    });
    await createTopics(t);
    campaign = await aCampaign(t.db, { name: 'Tips', templateName: 'spring', templateVersion: 1 });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });
  beforeEach(() => {
    smtp.messages.length = 0;
  });

  async function sendTo(customerId: string, campaignId = campaign): Promise<ReceivedMail> {
    await grant(t, customerId, 'email', 'tips');
    await insertDelivery(t, { campaignId, customerId, topic: 'tips' });
    expect((await t.sender.tick()).sent).toBe(1);
    const [mail] = await smtp.waitFor(1);
    return mail;
  }

  it('a consumer replies to REPLY_TO, the From stays the sender', async () => {
    const anna = await insertCustomer(t, { name: 'Anna', email: 'anna@mail.example' });
    const mail = await sendTo(anna);
    expect(header(mail, 'Reply-To')).toBe('Shop support <support@shop.example>');
    expect(mail.parsed.replyTo?.value).toEqual([
      { address: 'support@shop.example', name: 'Shop support' },
    ]);
    expect(mail.parsed.from?.value[0].address).toBe('news@shop.example');
  });

  it('a business contact replies to their account manager when one has an e-mail', async () => {
    const res = await t.admin.post('/v1/customers').send({
      externalId: 'b2b-1',
      kind: 'business',
      name: 'Oleg',
      email: 'oleg@romashka.example',
      company: 'ООО Ромашка',
      accountManager: { name: 'Igor', phone: '+79160001001', email: 'Igor@Shop.Example' },
    });
    expect(res.status).toBe(201);
    expect(res.body.accountManager).toEqual({
      name: 'Igor',
      phone: '+79160001001',
      email: 'igor@shop.example',
    });
    const mail = await sendTo(res.body.id);
    expect(mail.parsed.replyTo?.value).toEqual([{ address: 'igor@shop.example', name: '' }]);
  });

  it('a business contact whose manager has no e-mail replies to REPLY_TO', async () => {
    const b = await insertCustomer(t, {
      kind: 'business',
      company: 'ООО Лютик',
      accountManagerPhone: '+79160001002',
    });
    const mail = await sendTo(b);
    expect(mail.parsed.replyTo?.value[0].address).toBe('support@shop.example');
  });

  it("a campaign's own replyTo replaces REPLY_TO for consumers", async () => {
    const own = await aCampaign(t.db, {
      name: 'Own',
      templateName: 'spring',
      templateVersion: 1,
      replyTo: 'Spring team <spring@shop.example>',
    });
    const c = await insertCustomer(t, {});
    const mail = await sendTo(c, own);
    expect(mail.parsed.replyTo?.value).toEqual([
      { address: 'spring@shop.example', name: 'Spring team' },
    ]);
  });

  it('refuses a bad account manager e-mail or campaign replyTo, naming the field', async () => {
    const bad = await t.admin.post('/v1/customers').send({
      externalId: 'b2b-bad',
      kind: 'business',
      company: 'X',
      accountManager: { name: 'Igor', phone: '+79160001001', email: 'not an address' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('accountManager.email must be an email');
    for (const replyTo of [
      'nobody',
      'a@b.example\r\nBcc: x@y.example',
      'x'.repeat(400) + '@a.example',
    ]) {
      const r = await t.admin.post('/v1/campaigns').send({ ...campaignBody, replyTo });
      expect(r.status).toBe(400);
      expect(r.body.message.join()).toMatch(/^replyTo must/);
    }
    const ok = await t.admin
      .post('/v1/campaigns')
      .send({ ...campaignBody, replyTo: 'team@shop.example' });
    expect(ok.status).toBe(201);
    expect(ok.body.replyTo).toBe('team@shop.example');
    const cleared = await t.admin.patch(`/v1/campaigns/${ok.body.id}`).send({ replyTo: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.replyTo).toBeNull();
  });
});

describe('replies go to people: a template asking for replies nobody reads', () => {
  let t: DeliveryTestApp;
  const unread = (check: { findings: { rule: string; phrase: string }[] }) =>
    check.findings.filter((f) => f.rule === 'reply_unread').map((f) => f.phrase);

  beforeAll(async () => {
    // A no-reply sender and no REPLY_TO: the built-in tips template says "just reply".
    t = await createDeliveryApp({
      env: { MAIL_FROM: 'Shop <no-reply@shop.example>' },
      realTemplates: true,
    });
    await createTopics(t);
  });
  afterAll(() => t.close());

  it('warns at preview, in both languages', async () => {
    const res = await t.admin.post('/v1/templates/tips/preview').send({});
    expect(res.status).toBe(200);
    expect(res.body.locales.en.contentCheck.level).toBe('warn');
    expect(unread(res.body.locales.en.contentCheck)).toContain('reply to this e-mail');
    expect(unread(res.body.locales.ru.contentCheck)).toContain('просто ответьте');
  });

  it('warns at launch, and not when the campaign names its own Reply-To', async () => {
    const bare = await t.admin.post('/v1/campaigns').send(campaignBody);
    const launched = await t.admin.post(`/v1/campaigns/${bare.body.id}/launch`).send({});
    expect(launched.status).toBe(202);
    expect(launched.body.campaign.contentCheck.level).toBe('warn');
    expect(unread(launched.body.campaign.contentCheck).length).toBeGreaterThan(0);

    const own = await t.admin
      .post('/v1/campaigns')
      .send({ ...campaignBody, name: 'With team', replyTo: 'team@shop.example' });
    const ok = await t.admin.post(`/v1/campaigns/${own.body.id}/launch`).send({});
    expect(ok.status).toBe(202);
    expect(unread(ok.body.campaign.contentCheck)).toEqual([]);
  });
});

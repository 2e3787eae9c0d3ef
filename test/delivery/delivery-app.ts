import { readFileSync } from 'node:fs';
import { join } from 'node:path';
export { ManualClock } from '../support/clock';
import { ManualClock } from '../support/clock';
import { ConsentService } from '../../src/consent/consent.service';
import { MessageRenderer } from '../../src/delivery/renderer';
import { SenderService } from '../../src/delivery/sender.service';
import { addressHash } from '../../src/suppression/suppression.service';
import type { Category, Channel } from '../../src/policy/engine';
import type { RenderedMessage, TemplateContext } from '../../src/templates/template-context';
import { aCampaign, aCustomer, aDelivery } from '../support/builders';
import type { TestingModuleBuilder } from '@nestjs/testing';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * A renderer with the same contract as TemplatesService.render: deterministic text built from
 * the context, links included, so tests see exactly what the sender passed in.
 */
export class FakeRenderer extends MessageRenderer {
  calls: { name: string; version: number; channel: Channel; context: TemplateContext }[] = [];

  async render(
    name: string,
    version: number,
    channel: Channel,
    context: TemplateContext,
  ): Promise<RenderedMessage> {
    this.calls.push({ name, version, channel, context });
    if (name === 'broken') throw new Error('missing variables: customer.nickname');
    const hello = `Hello ${context.customer.name ?? 'there'}`;
    if (channel === 'email') {
      return {
        channel,
        subject: `${context.campaign.name} for ${context.customer.name}`,
        html: `<p>${hello}</p><p>${context.reason ?? ''}</p><a href="${context.links.unsubscribe}">Unsubscribe</a>`,
        text: `${hello}\n${context.reason ?? ''}\nUnsubscribe: ${context.links.unsubscribe}`,
      };
    }
    if (channel === 'sms') {
      return { channel, body: `${hello}. Reply STOP to opt out`, segments: 1, encoding: 'GSM-7' };
    }
    return { channel, brief: `Call ${context.customer.name} of ${context.customer.company}` };
  }
}

export interface DeliveryTestApp extends TestApp {
  clock: ManualClock;
  renderer: FakeRenderer;
  sender: SenderService;
  consent: ConsentService;
}

/** createTestApp with the worker role off (tests tick by hand) and the renderer replaced. */
export async function createDeliveryApp(
  opts: {
    env?: Record<string, string>;
    now?: string;
    realTemplates?: boolean;
    /** A second instance on the same database (the first one drops it). */
    shareWith?: DeliveryTestApp;
    /** More provider overrides (after the renderer's). */
    configure?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  } = {},
): Promise<DeliveryTestApp> {
  const clock = new ManualClock(new Date(opts.now ?? '2026-11-23T12:00:00Z'));
  const renderer = new FakeRenderer();
  const t = await createTestApp({
    env: {
      TACTFUL_ROLES: 'api',
      MAIL_FROM: 'Shop <news@shop.example>',
      COMPANY_NAME: 'Shop Example',
      ...opts.env,
    },
    clock,
    shareDatabaseOf: opts.shareWith,
    configure: (builder) => {
      const b = opts.realTemplates
        ? builder
        : builder.overrideProvider(MessageRenderer).useValue(renderer);
      return opts.configure ? opts.configure(b) : b;
    },
  });
  return {
    ...t,
    clock,
    renderer,
    sender: t.app.get(SenderService),
    consent: t.app.get(ConsentService),
  };
}

let seq = 0;

export async function insertCustomer(
  t: TestApp,
  c: {
    kind?: 'consumer' | 'business';
    name?: string;
    email?: string | null;
    phone?: string | null;
    locale?: string;
    timezone?: string;
    company?: string | null;
    accountManagerPhone?: string | null;
  } = {},
): Promise<string> {
  seq++;
  return aCustomer(t.db, {
    externalId: `ext-${seq}-${Math.random().toString(36).slice(2)}`,
    kind: c.kind ?? 'consumer',
    name: c.name ?? `Customer ${seq}`,
    email: c.email === undefined ? `customer${seq}@mail.example` : c.email,
    phone: c.phone === undefined ? `+7916${String(1000000 + seq).slice(-7)}` : c.phone,
    locale: c.locale ?? 'en',
    timezone: c.timezone ?? 'UTC',
    company: c.company ?? null,
    accountManagerName: c.accountManagerPhone ? 'Igor' : null,
    accountManagerPhone: c.accountManagerPhone ?? null,
  });
}

/** A confirmed consent with evidence, through the real ledger. */
export async function grant(
  t: DeliveryTestApp,
  customerId: string,
  channel: Channel,
  topic: string,
): Promise<void> {
  await t.consent.record({
    customerId,
    channel,
    topic,
    action: 'grant',
    confirmed: true,
    source: 'web-form',
    evidence: { wording: 'Yes, send me tips', wordingVersion: 'tips-1' },
    actor: 'test',
  });
}

export async function insertCampaign(
  t: TestApp,
  c: {
    topic: string;
    goal?: string;
    status?: string;
    channels?: Channel[];
    name?: string;
    template?: string;
  },
): Promise<string> {
  return aCampaign(t.db, {
    name: c.name ?? 'Spring tips',
    topic: c.topic,
    goal: c.goal ?? 'retention',
    templateName: c.template ?? 'spring',
    templateVersion: 1,
    channels: c.channels ?? ['email'],
    status: c.status ?? 'running',
  });
}

export async function insertDelivery(
  t: TestApp,
  d: {
    campaignId: string;
    customerId: string;
    channel?: Channel;
    category?: Category;
    topic: string;
    goal?: string;
    notBefore?: Date;
    step?: number;
    status?: string;
    leaseUntil?: Date | null;
    template?: string;
  },
): Promise<string> {
  const { template, ...row } = d;
  return aDelivery(t.db, {
    ...row,
    templateName: template ?? 'spring',
    notBefore: d.notBefore ?? new Date('2026-11-23T11:00:00Z'),
    leasedBy: d.status === 'sending' ? 'dead-instance' : null,
    attempts: d.status === 'sending' ? 1 : 0,
  });
}

export async function delivery(t: TestApp, id: string) {
  const [row] = await t.db.query(`SELECT * FROM deliveries WHERE id = $1`, [id]);
  return row as {
    status: string;
    attempts: number;
    provider_id: string | null;
    provider_status: string | null;
    content_hash: string | null;
    next_attempt_at: Date | null;
    last_error: string | null;
  };
}

export async function auditTypes(t: TestApp, deliveryId: string): Promise<string[]> {
  const rows: { type: string }[] = await t.db.query(
    `SELECT type FROM audit_events WHERE delivery_id = $1 ORDER BY id`,
    [deliveryId],
  );
  return rows.map((r) => r.type);
}

/** A DSN or ARF report from test/delivery/fixtures, with its {{placeholders}} filled in. */
export const feedbackFixture = (name: string, vars: Record<string, string>): string =>
  Object.entries(vars).reduce(
    (text, [k, v]) => text.replaceAll(`{{${k}}}`, v),
    readFileSync(join(__dirname, 'fixtures', name), 'utf8'),
  );

/**
 * A tips e-mail to `email`, sent by the sender (to the outbox), as provider feedback finds it: the
 * customer, the delivery and its Message-ID.
 */
export async function sentTipsEmail(
  t: DeliveryTestApp,
  campaign: string,
  email: string,
): Promise<{ customer: string; id: string; messageId: string }> {
  const c = await insertCustomer(t, { email });
  await grant(t, c, 'email', 'tips');
  const id = await insertDelivery(t, { campaignId: campaign, customerId: c, topic: 'tips' });
  expect(await t.sender.tick()).toMatchObject({ sent: 1 });
  const row = await delivery(t, id);
  expect(row.status).toBe('sent');
  return { customer: c, id, messageId: row.provider_id! };
}

/** The live suppression reasons of an e-mail address. */
export async function suppressionReasons(t: TestApp, email: string): Promise<string[]> {
  const rows: { reason: string }[] = await t.db.query(
    `SELECT reason FROM suppressions WHERE address_hash = $1 AND lifted_at IS NULL`,
    [addressHash('email', email)],
  );
  return rows.map((r) => r.reason);
}

/** A customer's e-mail consent status on a topic (tips unless named). */
export async function emailConsentStatus(
  t: TestApp,
  customer: string,
  topic = 'tips',
): Promise<string | undefined> {
  const rows: { status: string }[] = await t.db.query(
    `SELECT status FROM consent_state WHERE customer_id = $1 AND channel = 'email' AND topic = $2`,
    [customer, topic],
  );
  return rows[0]?.status;
}

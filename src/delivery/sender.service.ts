import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource, EntityManager } from 'typeorm';
import { contentHash } from '../audit/audit-content.service';
import { AuditService, type AuditEntry } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { safeError } from '../common/log-safety';
import { maskPersonal, type PersonalValues } from '../common/mask-personal';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { FLOW_SOURCES } from '../consent/consent-sources';
import { ConsentService } from '../consent/consent.service';
import { lifecycleStage } from '../customers/lifecycle';
import type {
  Category,
  Channel,
  ConsentEntry,
  ContactPolicy,
  CustomerKind,
  Goal,
} from '../policy/engine';
import { PoliciesService } from '../policy/policies.service';
import {
  SuppressionService,
  suppressedFor,
  suppressionsByCustomer,
  type SuppressionHit,
} from '../suppression/suppression.service';
import { LinkTokenService } from '../tokens/link-token.service';
import { SendFailure, type ChannelSender, type FailureAction } from './channels/channel';
import { CHANNEL_SENDERS } from './channels/channel-registry';
import { MessageRenderer, type RenderedMessage, type TemplateContext } from './renderer';
import { TokenBucket } from './rate-limiter';
import { retryDelayMs, sendTimeProblem, sendWindowDelay } from './send-checks';

/** A claimed delivery with what the sender needs from its campaign and topic. */
interface ClaimedRow {
  id: string;
  campaign_id: string;
  step: number;
  customer_id: string;
  channel: Channel;
  category: Category;
  topic: string;
  goal: Goal;
  template_name: string;
  template_version: number;
  policy_version: number;
  consent_event_id: string | null;
  attempts: number;
  campaign_name: string;
  effective_at: Date | null;
  topic_title: Record<string, string> | null;
}

interface CustomerRow {
  id: string;
  kind: CustomerKind;
  name: string | null;
  email: string | null;
  phone: string | null;
  company: string | null;
  locale: string;
  timezone: string;
  attributes: Record<string, unknown>;
  purchase_count: number;
  last_purchase_at: Date | null;
  account_manager_phone: string | null;
  erased: boolean;
}

/** What became of one claimed delivery. */
type Outcome =
  | {
      kind: 'sent';
      content: RenderedMessage;
      /** consent_events ids of the channel's topic and '*' states read at the hand-over. */
      consentAtSend?: { topic: string | null; all: string | null };
      providerId: string;
      providerStatus: string | null;
      contentHash: string;
      transport: string;
    }
  | { kind: 'cancelled'; reason: string }
  /** Not an attempt: the send window moved (quiet or business hours). */
  | { kind: 'deferred'; until: Date; reason: string }
  | { kind: 'retry'; until: Date; code: string; error: string }
  | { kind: 'failed'; code: string; error: string; action?: FailureAction }
  | { kind: 'unknown'; code: string; error: string };

export interface SenderRunResult {
  claimed: number;
  sent: number;
  cancelled: number;
  deferred: number;
  retried: number;
  failed: number;
  unknown: number;
  /** Leases that had run out: marketing → unknown, service → planned again. */
  expired: number;
}

const emptyResult = (): SenderRunResult => ({
  claimed: 0,
  sent: 0,
  cancelled: 0,
  deferred: 0,
  retried: 0,
  failed: 0,
  unknown: 0,
  expired: 0,
});

const STATUS_OF: Record<Outcome['kind'], string> = {
  sent: 'sent',
  cancelled: 'cancelled',
  deferred: 'planned',
  retry: 'planned',
  failed: 'failed',
  unknown: 'unknown',
};

const AUDIT_OF: Record<Outcome['kind'], string> = {
  sent: 'delivery.sent',
  cancelled: 'delivery.cancelled',
  deferred: 'delivery.deferred',
  retry: 'delivery.retry',
  failed: 'delivery.failed',
  unknown: 'delivery.unknown',
};

const REASON_TEXT: Record<'ru' | 'en', Record<Category, string>> = {
  en: {
    content: 'You receive this because you subscribed to “{topic}” from {company}.',
    promotional: 'You receive this because you agreed to receive “{topic}” from {company}.',
    service: 'This is a service message from {company} about your purchases with us.',
  },
  ru: {
    content:
      'Вы получили это сообщение, потому что подписались на рассылку «{topic}» от {company}.',
    promotional:
      'Вы получили это сообщение, потому что согласились получать «{topic}» от {company}.',
    service: 'Это служебное сообщение от {company} о ваших покупках у нас.',
  },
};

const DEFAULT_BATCH = 100;
const WORKER_INTERVAL_MS = 1000;
const POLICY_TTL_MS = 10_000;
/** Parallel claim-send-record loops in one tick: the database and the provider overlap. */
const LOOPS = 4;

/**
 * The worker: claims due deliveries with FOR UPDATE SKIP LOCKED and a lease, re-checks consent,
 * suppression and the send window under a share lock on the customer (a withdrawal waits for the
 * hand-over, or the hand-over sees the withdrawal), renders, hands over, records — and never
 * re-sends marketing whose fate is unknown.
 */
@Injectable()
export class SenderService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SenderService.name);
  readonly instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly buckets: Record<Channel, TokenBucket>;
  private readonly senders: Map<Channel, ChannelSender>;
  private running: Promise<SenderRunResult> | null = null;
  private stopping = false;
  private readonly mailDomain: string;
  private readonly companySlug: string;
  /**
   * Deliveries claimed per batch by the worker tick. A crash turns at most LOOPS × batchSize
   * claimed marketing deliveries into `unknown`; larger batches amortise the database round trips.
   */
  batchSize = DEFAULT_BATCH;
  /** Claim-send-record loops run in parallel by one tick, so database work and sends overlap. */
  loops = LOOPS;
  private readonly policyCache = new Map<CustomerKind, { policy: ContactPolicy; until: number }>();

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(CHANNEL_SENDERS) senders: ChannelSender[],
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly consent: ConsentService,
    private readonly suppression: SuppressionService,
    private readonly policies: PoliciesService,
    private readonly tokens: LinkTokenService,
    private readonly renderer: MessageRenderer,
    private readonly clock: Clock,
    private readonly scheduler: SchedulerRegistry,
  ) {
    this.senders = new Map(senders.map((s) => [s.channel, s]));
    const { emailRatePerSecond, smsRatePerSecond } = settings.delivery;
    this.buckets = {
      email: new TokenBucket(emailRatePerSecond),
      sms: new TokenBucket(smsRatePerSecond),
      // Calls are rung to people one at a time; the SMS rate is a generous ceiling.
      voice: new TokenBucket(smsRatePerSecond),
    };
    this.mailDomain = /@([^@\s<>]+)>?\s*$/.exec(settings.mailFrom)?.[1] ?? 'localhost';
    this.companySlug =
      settings.company.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'company';
  }

  onApplicationBootstrap(): void {
    if (!this.settings.roles.includes('worker')) return;
    const timer = setInterval(() => {
      this.tick().catch((err: unknown) =>
        this.logger.error({ error: safeError(err) }, 'sender tick failed'),
      );
    }, WORKER_INTERVAL_MS);
    this.scheduler.addInterval('delivery-sender', timer);
    this.logger.log(`sender ${this.instanceId} started`);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.scheduler.doesExist('interval', 'delivery-sender')) {
      this.scheduler.deleteInterval('delivery-sender');
    }
    await this.running?.catch(() => undefined);
  }

  /**
   * Sends everything that is due now (several claim loops in parallel) and returns the totals.
   * A tick already in progress is joined rather than doubled.
   */
  tick(batchSize = this.batchSize): Promise<SenderRunResult> {
    if (this.running) return this.running;
    const run = (async () => {
      const total = emptyResult();
      total.expired = await this.recoverExpiredLeases();
      const loop = async () => {
        while (!this.stopping) {
          const r = await this.runOnce(batchSize, false);
          addInto(total, r);
          if (r.claimed === 0) return;
        }
      };
      await Promise.all(Array.from({ length: this.loops }, loop));
      return total;
    })();
    this.running = run;
    return run.finally(() => {
      this.running = null;
    });
  }

  /** One batch: recover expired leases, claim up to `limit` due deliveries, send, record. */
  async runOnce(limit = this.batchSize, recover = true): Promise<SenderRunResult> {
    const result = emptyResult();
    if (recover) result.expired = await this.recoverExpiredLeases();
    const now = this.clock.now();
    const rows = await this.claim(now, limit);
    result.claimed = rows.length;
    if (!rows.length) return result;
    const outcomes = await this.process(rows);
    for (const o of outcomes.values()) {
      if (o.kind === 'sent') result.sent++;
      else if (o.kind === 'cancelled') result.cancelled++;
      else if (o.kind === 'deferred') result.deferred++;
      else if (o.kind === 'retry') result.retried++;
      else if (o.kind === 'failed') result.failed++;
      else result.unknown++;
    }
    return result;
  }

  /**
   * At most once: a lease that ran out while `sending` means the process died between claim and
   * record — the message may or may not have gone out. Marketing becomes `unknown` and is never
   * re-sent; service messages go back to `planned` (or fail when out of attempts).
   */
  async recoverExpiredLeases(): Promise<number> {
    const now = this.clock.now();
    const rows: { n: string }[] = await this.dataSource.query(
      `WITH expired AS (
         SELECT id FROM deliveries
          WHERE status = 'sending' AND lease_until < $1
          ORDER BY lease_until
          FOR UPDATE SKIP LOCKED
          LIMIT 1000
       ), moved AS (
         UPDATE deliveries d
            SET status = CASE
                  WHEN d.category <> 'service' THEN 'unknown'
                  WHEN d.attempts < $2 THEN 'planned'
                  ELSE 'failed' END,
                next_attempt_at = CASE WHEN d.category = 'service' THEN $1::timestamptz END,
                finished_at = CASE WHEN d.category = 'service' AND d.attempts < $2 THEN NULL ELSE $1::timestamptz END,
                last_error = 'lease expired while sending (' || coalesce(d.leased_by, '?') || ')',
                lease_until = NULL, updated_at = $1
           FROM expired e
          WHERE d.id = e.id
         RETURNING d.id, d.campaign_id, d.customer_id, d.channel, d.status, d.attempts, d.leased_by, d.policy_version
       ), audited AS (
         INSERT INTO audit_events (at, type, customer_id, campaign_id, delivery_id, channel, reason, policy_version, actor, data)
         SELECT $1, CASE status WHEN 'unknown' THEN 'delivery.unknown' WHEN 'failed' THEN 'delivery.failed'
                     ELSE 'delivery.retry' END,
                customer_id, campaign_id, id, channel, 'lease_expired', policy_version, 'system',
                jsonb_build_object('attempts', attempts, 'leasedBy', leased_by)
           FROM moved
         RETURNING 1
       )
       SELECT count(*)::text AS n FROM audited`,
      [now, this.settings.delivery.maxAttempts],
    );
    const n = Number(rows[0]?.n ?? 0);
    if (n) this.logger.warn(`${n} deliveries had an expired lease`);
    return n;
  }

  /** Claims due deliveries of running campaigns; the lease marks them as being handed over. */
  private async claim(now: Date, limit: number): Promise<ClaimedRow[]> {
    const leaseUntil = new Date(now.getTime() + this.settings.delivery.leaseSeconds * 1000);
    return this.dataSource.query(
      `WITH due AS (
         SELECT d.id FROM deliveries d
           JOIN campaigns c ON c.id = d.campaign_id
          WHERE d.status = 'planned' AND d.not_before <= $1
            AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= $1)
            AND c.status = 'running'
          ORDER BY d.not_before
          FOR UPDATE OF d SKIP LOCKED
          LIMIT $2
       ), claimed AS (
         UPDATE deliveries d
            SET status = 'sending', lease_until = $3, leased_by = $4, attempts = d.attempts + 1,
                updated_at = $1
           FROM due WHERE d.id = due.id
         RETURNING d.*
       )
       SELECT cl.id, cl.campaign_id, cl.step, cl.customer_id, cl.channel, cl.category, cl.topic, cl.goal,
              cl.template_name, cl.template_version, cl.policy_version, cl.consent_event_id::text AS consent_event_id,
              cl.attempts, c.name AS campaign_name, c.effective_at, t.title AS topic_title
         FROM claimed cl
         JOIN campaigns c ON c.id = cl.campaign_id
         LEFT JOIN topics t ON t.key = cl.topic`,
      [now, limit, leaseUntil, this.instanceId],
    );
  }

  /** Check, render, hand over and record one claimed batch. */
  private async process(claimed: ClaimedRow[]): Promise<Map<string, Outcome>> {
    const outcomes = new Map<string, Outcome>();
    const sideEffects: { row: ClaimedRow; customer: CustomerRow; action: FailureAction }[] = [];
    await this.dataSource.transaction(async (m) => {
      // Rows still ours (a lease recovered elsewhere would no longer match) stay locked until the
      // outcome is recorded, so no other instance can declare them unknown meanwhile.
      const held: { id: string }[] = await m.query(
        `SELECT id FROM deliveries WHERE id = ANY($1::uuid[]) AND status = 'sending' AND leased_by = $2
         ORDER BY id FOR UPDATE`,
        [claimed.map((r) => r.id), this.instanceId],
      );
      const heldIds = new Set(held.map((h) => h.id));
      const rows = claimed.filter((r) => heldIds.has(r.id));
      if (!rows.length) return;
      const customers = await this.lockCustomers(
        m,
        rows.map((r) => r.customer_id),
      );
      // Read after the share lock: a withdrawal in flight has committed (or waits for us).
      const consent = await this.consentState(m, [...customers.keys()]);
      const suppressed = await suppressionsByCustomer(m, [...customers.values()]);
      const policies = await this.policiesFor(rows, customers);
      const now = this.clock.now();

      const toSend: { row: ClaimedRow; customer: CustomerRow }[] = [];
      for (const row of rows) {
        const customer = customers.get(row.customer_id);
        const pre = customer
          ? this.preCheck(
              row,
              customer,
              consent.entries.get(customer.id) ?? [],
              suppressed.get(customer.id) ?? [],
              policies,
              now,
            )
          : ({ kind: 'cancelled', reason: 'unreachable' } as const);
        if (pre) outcomes.set(row.id, pre);
        else toSend.push({ row, customer: customer! });
      }

      await Promise.all(
        toSend.map(async ({ row, customer }) => {
          const outcome = await this.sendOne(row, customer, now);
          if (outcome.kind === 'sent') {
            // Promise 7: the consent rows in force at the hand-over, not only at planning.
            const key = `${customer.id}:${row.channel}`;
            outcome.consentAtSend = {
              topic: consent.eventIds.get(`${key}:${row.topic}`) ?? null,
              all: consent.eventIds.get(`${key}:*`) ?? null,
            };
          }
          outcomes.set(row.id, outcome);
          if (outcome.kind === 'failed' && outcome.action) {
            sideEffects.push({ row, customer, action: outcome.action });
          }
        }),
      );
      await this.record(m, rows, outcomes);
    });
    // Suppressions and withdrawals in their own transactions: they take the customer lock that
    // other senders may share, and a failure here must not undo the record of what was sent.
    for (const effect of sideEffects) {
      await this.applyAction(effect.row, effect.customer, effect.action).catch((err: unknown) =>
        this.logger.error(
          { error: safeError(err), deliveryId: effect.row.id, action: effect.action },
          'delivery side effect failed',
        ),
      );
    }
    return outcomes;
  }

  private async lockCustomers(m: EntityManager, ids: string[]): Promise<Map<string, CustomerRow>> {
    const rows: CustomerRow[] = await m.query(
      `SELECT id, kind, name, email, phone, company, locale, timezone, attributes, purchase_count,
              last_purchase_at, account_manager_phone, erased_at IS NOT NULL AS erased
         FROM customers WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Current consent entries (the engine's shape) and the ledger row behind each state. */
  private async consentState(
    m: EntityManager,
    customerIds: string[],
  ): Promise<{ entries: Map<string, ConsentEntry[]>; eventIds: Map<string, string> }> {
    const rows: {
      customer_id: string;
      channel: Channel;
      topic: string;
      status: ConsentEntry['status'];
      since: Date;
      last_event_id: string;
      needs_confirmation: boolean;
    }[] = await m.query(
      `SELECT customer_id, channel, topic, status, since, last_event_id::text AS last_event_id,
              needs_confirmation
         FROM consent_state WHERE customer_id = ANY($1::uuid[]) ORDER BY customer_id, since, consent_state.last_event_id`,
      [customerIds],
    );
    const entries = new Map<string, ConsentEntry[]>();
    const eventIds = new Map<string, string>();
    for (const r of rows) {
      let list = entries.get(r.customer_id);
      if (!list) entries.set(r.customer_id, (list = []));
      list.push({
        channel: r.channel,
        topic: r.topic,
        status: r.status,
        since: r.since,
        ...(r.needs_confirmation ? { needsConfirmation: true } : {}),
      });
      eventIds.set(`${r.customer_id}:${r.channel}:${r.topic}`, r.last_event_id);
    }
    return { entries, eventIds };
  }

  private async policiesFor(
    rows: ClaimedRow[],
    customers: Map<string, CustomerRow>,
  ): Promise<Map<CustomerKind, ContactPolicy>> {
    const kinds = new Set<CustomerKind>();
    for (const r of rows) {
      const c = customers.get(r.customer_id);
      if (c) kinds.add(c.kind);
    }
    const out = new Map<CustomerKind, ContactPolicy>();
    const now = Date.now();
    for (const kind of kinds) {
      // A policy edit reaches the sender within POLICY_TTL_MS; the planner applied it already.
      let cached = this.policyCache.get(kind);
      if (!cached || cached.until < now) {
        cached = { policy: (await this.policies.current(kind)).policy, until: now + POLICY_TTL_MS };
        this.policyCache.set(kind, cached);
      }
      out.set(kind, cached.policy);
    }
    return out;
  }

  /** Consent, suppression and the send window, before anything is rendered. */
  private preCheck(
    row: ClaimedRow,
    customer: CustomerRow,
    consent: ConsentEntry[],
    suppressions: readonly SuppressionHit[],
    policies: Map<CustomerKind, ContactPolicy>,
    now: Date,
  ): Outcome | null {
    const address = row.channel === 'email' ? customer.email : customer.phone;
    const problem = sendTimeProblem({
      channel: row.channel,
      category: row.category,
      topic: row.topic,
      goal: row.goal,
      campaignId: row.campaign_id,
      kind: customer.kind,
      erased: customer.erased,
      address,
      accountManagerPhone: customer.account_manager_phone,
      consent,
      // The planner's rule: a complaint about the e-mail also stops a planned SMS or call.
      suppressed: suppressedFor(row.channel === 'email' ? 'email' : 'phone', suppressions),
    });
    if (problem) return { kind: 'cancelled', reason: problem };
    const policy = policies.get(customer.kind);
    const until = policy
      ? sendWindowDelay(row.channel, policy, customer.timezone, now.getTime())
      : null;
    if (until !== null) {
      return {
        kind: 'deferred',
        until: new Date(until),
        reason: row.channel === 'voice' ? 'outside_business_hours' : 'quiet_hours',
      };
    }
    return null;
  }

  private async sendOne(row: ClaimedRow, customer: CustomerRow, now: Date): Promise<Outcome> {
    const sender = this.senders.get(row.channel);
    if (!sender) return { kind: 'failed', code: 'no_channel', error: `no ${row.channel} channel` };
    const unsubscribe = this.tokens.issue({
      purpose: 'unsubscribe',
      customerId: customer.id,
      channel: row.channel,
      topic: row.topic,
      deliveryId: row.id,
    });
    const preferences = this.tokens.issue({
      purpose: 'preferences',
      customerId: customer.id,
      channel: row.channel,
      topic: row.topic,
      deliveryId: row.id,
    });
    const unsubscribeUrl = `${this.settings.publicUrl}/u/${unsubscribe}`;
    let rendered: RenderedMessage;
    try {
      rendered = await this.renderer.render(
        row.template_name,
        row.template_version,
        row.channel,
        this.context(
          row,
          customer,
          now,
          unsubscribeUrl,
          `${this.settings.publicUrl}/p/${preferences}`,
        ),
      );
    } catch (err) {
      const error = maskPersonal((err as Error).message, personOf(customer)).slice(0, 300);
      return { kind: 'failed', code: 'render_error', error };
    }
    const messageId = `<${row.id}@${this.mailDomain}>`;
    const headers: Record<string, string> | undefined =
      row.channel === 'email'
        ? {
            'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:${this.settings.unsubscribeMailto}?subject=unsubscribe-${unsubscribe}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            'Feedback-ID': `${row.campaign_id}:${row.topic}:${this.companySlug}`,
            'X-Tactful-Delivery': row.id,
          }
        : undefined;
    // The same canonical hash the audit module keeps beside the (purgeable) content.
    const hash = contentHash(rendered);
    await this.buckets[row.channel].take();
    try {
      const accepted = await sender.send({
        deliveryId: row.id,
        channel: row.channel,
        to: (row.channel === 'email' ? customer.email : customer.phone)!,
        rendered,
        locale: customer.locale,
        headers,
        messageId,
        accountManagerPhone: customer.account_manager_phone,
      });
      return {
        kind: 'sent',
        content: rendered,
        providerId: accepted.providerId,
        providerStatus: accepted.providerStatus,
        contentHash: hash,
        transport: sender.transport,
      };
    } catch (err) {
      const f =
        err instanceof SendFailure
          ? err
          : new SendFailure('ambiguous', 'error', (err as Error)?.message ?? String(err));
      return this.afterFailure(row, f, now, customer);
    }
  }

  private afterFailure(row: ClaimedRow, f: SendFailure, now: Date, c: CustomerRow): Outcome {
    // SMTP answers and Twilio messages quote the address, number or name; the audit row is
    // append-only, so they are masked before anything is stored.
    const error = maskPersonal(f.message, personOf(c)).slice(0, 300);
    const code = maskPersonal(f.code).slice(0, 60);
    if (f.kind === 'permanent') return { kind: 'failed', code, error, action: f.action };
    // At most once: marketing that may have gone out is never tried again.
    if (f.kind === 'ambiguous' && row.category !== 'service') {
      return { kind: 'unknown', code, error };
    }
    if (row.attempts >= this.settings.delivery.maxAttempts) {
      return { kind: 'failed', code, error: `${error} (after ${row.attempts} attempts)` };
    }
    return {
      kind: 'retry',
      until: new Date(now.getTime() + retryDelayMs(row.attempts)),
      code,
      error,
    };
  }

  private context(
    row: ClaimedRow,
    c: CustomerRow,
    now: Date,
    unsubscribe: string,
    preferences: string,
  ): TemplateContext {
    const lang = c.locale?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
    const topicTitle = row.topic_title?.[lang] ?? row.topic_title?.en ?? row.topic;
    const reason = REASON_TEXT[lang][row.category]
      .replace('{topic}', topicTitle)
      .replace('{company}', this.settings.company.name);
    return {
      customer: {
        name: c.name,
        email: c.email,
        phone: c.phone,
        company: c.company,
        locale: c.locale,
        timezone: c.timezone,
        lifecycleStage: lifecycleStage(
          { purchaseCount: c.purchase_count, lastPurchaseAt: c.last_purchase_at },
          now,
        ),
        attributes: c.attributes ?? {},
      },
      company: { ...this.settings.company },
      campaign: {
        name: row.campaign_name,
        topic: row.topic,
        goal: row.goal,
        effectiveAt: row.effective_at,
      },
      links: { unsubscribe, preferences },
      now,
      reason,
    };
  }

  /** One UPDATE and one multi-row audit INSERT for the whole batch, in the batch's transaction. */
  private async record(
    m: EntityManager,
    rows: ClaimedRow[],
    outcomes: Map<string, Outcome>,
  ): Promise<void> {
    const now = this.clock.now();
    const ids: string[] = [];
    const statuses: string[] = [];
    const next: (Date | null)[] = [];
    const providerIds: (string | null)[] = [];
    const providerStatuses: (string | null)[] = [];
    const hashes: (string | null)[] = [];
    const errors: (string | null)[] = [];
    const attemptDelta: number[] = [];
    const audits: AuditEntry[] = [];
    for (const row of rows) {
      const o = outcomes.get(row.id);
      if (!o) continue;
      ids.push(row.id);
      statuses.push(STATUS_OF[o.kind]);
      next.push(o.kind === 'retry' || o.kind === 'deferred' ? o.until : null);
      providerIds.push(o.kind === 'sent' ? o.providerId : null);
      providerStatuses.push(o.kind === 'sent' ? o.providerStatus : null);
      hashes.push(o.kind === 'sent' ? o.contentHash : null);
      errors.push(
        o.kind === 'retry' || o.kind === 'failed' || o.kind === 'unknown'
          ? `${o.code}: ${o.error}`
          : null,
      );
      attemptDelta.push(o.kind === 'deferred' ? -1 : 0);
      audits.push({
        type: AUDIT_OF[o.kind],
        customerId: row.customer_id,
        campaignId: row.campaign_id,
        deliveryId: row.id,
        channel: row.channel,
        policyVersion: row.policy_version,
        actor: 'system',
        at: now,
        reason:
          o.kind === 'cancelled' || o.kind === 'deferred'
            ? o.reason
            : o.kind === 'retry' || o.kind === 'failed' || o.kind === 'unknown'
              ? o.code
              : null,
        data: auditData(row, o),
      });
    }
    if (!ids.length) return;
    await m.query(
      `UPDATE deliveries d
          SET status = v.status,
              next_attempt_at = v.next_at,
              provider_id = coalesce(v.provider_id, d.provider_id),
              provider_status = coalesce(v.provider_status, d.provider_status),
              content_hash = coalesce(v.content_hash, d.content_hash),
              last_error = coalesce(v.error, d.last_error),
              attempts = d.attempts + v.delta,
              sent_at = CASE WHEN v.status = 'sent' THEN $9::timestamptz ELSE d.sent_at END,
              finished_at = CASE WHEN v.status IN ('cancelled', 'failed', 'unknown') THEN $9::timestamptz END,
              lease_until = NULL,
              updated_at = $9
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[])
              AS v(id, status, next_at, provider_id, provider_status, content_hash, error, delta)
        WHERE d.id = v.id`,
      [ids, statuses, next, providerIds, providerStatuses, hashes, errors, attemptDelta, now],
    );
    await this.audit.record(audits, m);
    // Rendered content beside the chained audit (purged after the retention period, hash kept).
    const sent = rows.flatMap((r) => {
      const o = outcomes.get(r.id);
      return o?.kind === 'sent' ? [{ row: r, o }] : [];
    });
    if (sent.length) {
      // One row of scalar parameters per message rather than arrays: a jsonb[] array literal of
      // whole messages costs escaping here and parsing there, for every quote in the HTML.
      const params: unknown[] = [now];
      const values = sent.map((s) => {
        const b = params.length;
        params.push(s.row.id, s.row.customer_id, JSON.stringify(s.o.content), s.o.contentHash);
        return `($${b + 1}::uuid, $${b + 2}::uuid, $${b + 3}::jsonb, $${b + 4}, $1::timestamptz)`;
      });
      await m.query(
        `INSERT INTO audit_content (delivery_id, customer_id, content, content_hash, stored_at)
         VALUES ${values.join(', ')}
         ON CONFLICT (delivery_id) DO UPDATE
           SET content = EXCLUDED.content, content_hash = EXCLUDED.content_hash,
               stored_at = EXCLUDED.stored_at, purged_at = NULL`,
        params,
      );
    }
  }

  /** What a permanent failure means for the address or the consent (Twilio 21610, 21211, SMTP 5.1.x). */
  private async applyAction(
    row: ClaimedRow,
    customer: CustomerRow,
    action: FailureAction,
  ): Promise<void> {
    const actor = `delivery:${row.id}`;
    if (action === 'withdraw_sms') {
      // The recipient replied STOP to the provider: the ledger must say so too.
      await this.consent.withdraw({
        customerId: customer.id,
        channel: 'sms',
        topic: '*',
        source: FLOW_SOURCES.providerOptout,
        actor: 'system',
        data: { deliveryId: row.id, provider: 'twilio', code: 21610 },
      });
      return;
    }
    const type = action === 'suppress_email' ? 'email' : 'phone';
    const value = type === 'email' ? customer.email : customer.phone;
    if (!value) return;
    await this.dataSource.transaction((m) =>
      this.suppression.add(
        {
          type,
          value,
          reason: 'hard_bounce',
          customerId: customer.id,
          note:
            type === 'email' ? 'rejected by the mail server' : 'invalid phone number (provider)',
        },
        actor,
        m,
      ),
    );
  }
}

/** The values of the recipient that diagnostics may quote. */
const personOf = (c: CustomerRow): PersonalValues => ({
  names: [c.name, c.company],
  emails: [c.email],
  phones: [c.phone, c.account_manager_phone],
});

function auditData(row: ClaimedRow, o: Outcome): Record<string, unknown> {
  const base = { attempts: row.attempts, step: row.step, topic: row.topic };
  switch (o.kind) {
    case 'sent':
      return {
        ...base,
        templateName: row.template_name,
        templateVersion: row.template_version,
        contentHash: o.contentHash,
        providerId: o.providerId,
        transport: o.transport,
        consentEventId: row.consent_event_id,
        consentAtSend: o.consentAtSend ?? null,
      };
    case 'deferred':
      return { ...base, until: o.until.toISOString() };
    case 'retry':
      return { ...base, until: o.until.toISOString(), error: o.error };
    case 'failed':
    case 'unknown':
      return {
        ...base,
        error: o.error,
        ...(o.kind === 'failed' && o.action ? { action: o.action } : {}),
      };
    default:
      return base;
  }
}

function addInto(total: SenderRunResult, r: SenderRunResult): void {
  for (const k of Object.keys(total) as (keyof SenderRunResult)[]) total[k] += r[k];
}

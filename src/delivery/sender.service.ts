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
import type { PoolClient } from 'pg';
import { DataSource, EntityManager, type QueryRunner } from 'typeorm';
import { contentHash } from '../audit/audit-content.service';
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
import {
  SendFailure,
  type ChannelSender,
  type FailureAction,
  type OutgoingMessage,
} from './channels/channel';
import { CHANNEL_SENDERS } from './channels/channel-registry';
import { HandOverPipeline, type HandOverJob } from './hand-over-pipeline';
import { HandOverWindow } from './hand-over-window';
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

/** A message checked and rendered under the batch's locks, ready to be marked and handed over. */
interface PreparedMessage {
  row: ClaimedRow;
  customer: CustomerRow;
  sender: ChannelSender;
  message: OutgoingMessage;
  contentHash: string;
  /** consent_events ids of the channel's topic and '*' states read under the batch's locks. */
  consentAtSend: { topic: string | null; all: string | null };
}

/** A prepared message as a job of the hand-over pipeline. */
interface SenderJob extends HandOverJob<Outcome> {
  prepared: PreparedMessage;
}

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
 * Messages one instance may have marked `sending` without their outcome recorded: all that a crash
 * of the instance can turn into `unknown`. A group is at most the transport's concurrency (10 for
 * Twilio, 5 for the SMTP pool) and never more than the room left: once the first group fills the
 * window, each step marks as many as it records, so the transport stays busy and, the busier the
 * database, the more messages share a step (and its commit).
 */
const IN_FLIGHT = 10;
/** Advisory lock space (two-int form) of deliveries held by a live sender's batch. */
const DELIVERY_LOCK_NAMESPACE = 0x7ac7de11;
/** Due rows looked at per claim, beyond which rows held by other batches are not searched. */
const CLAIM_LOOKAHEAD = 1000;

/**
 * The worker: claims due deliveries with transaction advisory locks (skipping rows other batches
 * hold), re-checks consent, suppression and the send window under a share lock on the customer (a
 * withdrawal waits for the hand-over, or the hand-over sees the withdrawal), renders, then marks
 * each small group `sending` just before handing it over and records it right after (the
 * hand-over pipeline) — and never re-sends marketing whose fate is unknown.
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
   * Deliveries claimed per batch by the worker tick. Claimed rows stay `planned` (another worker
   * takes them over at once if this one dies), so the batch size does not bound a crash's loss:
   * the hand-over window does. Larger batches amortise the checks' round trips.
   */
  batchSize = DEFAULT_BATCH;
  /** Claim-send-record loops run in parallel by one tick, so database work and sends overlap. */
  loops = LOOPS;
  /** Marked and not yet recorded, across all loops of this instance (see IN_FLIGHT). */
  readonly window = new HandOverWindow(IN_FLIGHT);
  /**
   * The pipeline's connection, kept for the service's life: each statement on it records what has
   * been handed over and marks the next group. Taken before any batch holds locks (ensureWriter).
   */
  private writer: QueryRunner | null = null;
  private readonly pipeline = new HandOverPipeline<Outcome, SenderJob>(this.window, (done, mark) =>
    this.withWriter(async (w) => {
      const outcomes = new Map(done.map((d) => [d.job.key, d.result]));
      const marked = await this.record(
        w,
        done.map((d) => d.job.prepared.row),
        outcomes,
        'sending',
        mark,
      );
      return { recorded: new Set(outcomes.keys()), marked };
    }),
  );
  private readonly policyCache = new Map<CustomerKind, { policy: ContactPolicy; until: number }>();

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(CHANNEL_SENDERS) senders: ChannelSender[],
    private readonly dataSource: DataSource,
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
    if (this.writer) await releaseWriter(this.writer);
    this.writer = null;
  }

  /** Connects the pipeline's writer if needed; before any lock, so the pool is never awaited holding one. */
  private async ensureWriter(): Promise<void> {
    if (this.writer) return;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    // The writer only touches rows by id: with prepared statements, one plan per statement made
    // once (no planning per step) and kept a by-id lookup whatever the statistics say (a plan
    // made while the table was small would otherwise keep a sequential scan as it grows). Behind
    // PgBouncer in transaction mode there is no session to hold either (see writerStep).
    if (this.settings.databasePreparedStatements) {
      await runner.query(
        `SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off; SET enable_bitmapscan = off`,
      );
    }
    this.writer = runner;
  }

  /** Runs on the writer; a failed writer is dropped (and connected again before the next batch). */
  private async withWriter<R>(fn: (w: QueryRunner) => Promise<R>): Promise<R> {
    const writer = this.writer;
    if (!writer) throw new Error('the sender connection is not open');
    try {
      return await fn(writer);
    } catch (err) {
      if (this.writer === writer) this.writer = null;
      await releaseWriter(writer);
      throw err;
    }
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
    const { claimed, outcomes } = await this.process(limit);
    result.claimed = claimed;
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
   * At most once: a lease that ran out while `sending` means the process died between marking a
   * group just before its hand-over and recording it — the message may or may not have gone out.
   * Marketing becomes `unknown` and is never re-sent; service messages go back to `planned` (or
   * fail when out of attempts). Claimed rows that were never marked are still `planned` and are
   * simply claimed again.
   */
  async recoverExpiredLeases(): Promise<number> {
    const now = this.clock.now();
    const rows: { n: string }[] = await this.dataSource.query(
      `WITH expired AS (
         SELECT d.id FROM deliveries d
          WHERE d.status = 'sending' AND d.lease_until < $1
            -- A live sender holds its batch's advisory locks until every outcome is recorded: its
            -- rows are being handed over, however long that takes, and are left alone.
            AND pg_try_advisory_xact_lock($3, hashtext(d.id::text))
          ORDER BY d.lease_until
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
      [now, this.settings.delivery.maxAttempts, DELIVERY_LOCK_NAMESPACE],
    );
    const n = Number(rows[0]?.n ?? 0);
    if (n) this.logger.warn(`${n} deliveries had an expired lease`);
    return n;
  }

  /**
   * Claims due deliveries of running campaigns inside the batch's transaction: a transaction
   * advisory lock per row, not a write. The rows stay `planned` (cancellable by a withdrawal or a
   * campaign cancel) until their own group is marked `sending`; if this process dies, its locks go
   * with its connection and the rows are at once claimable by another worker.
   */
  private async claim(m: EntityManager, now: Date, limit: number): Promise<ClaimedRow[]> {
    // Right after a campaign is planned in bulk, the statistics (until autovacuum analyses) say
    // few rows are planned, and the planner reads and sorts every planned row (a bitmap scan) at
    // each claim: work per message that grows with the backlog. Walking the due index in order
    // reads only the look-ahead, whatever the statistics say.
    await m.query(`SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off`);
    const rows: ClaimedRow[] = await m.query(
      `WITH due AS MATERIALIZED (
         SELECT d.id FROM deliveries d
          WHERE d.status = 'planned' AND d.not_before <= $1
            AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= $1)
            AND (SELECT c.status FROM campaigns c WHERE c.id = d.campaign_id) = 'running'
          ORDER BY d.not_before
          LIMIT $3
       ), claimed AS MATERIALIZED (
         -- In due order, and only until the batch is full: the lock is taken row by row.
         SELECT id FROM due WHERE pg_try_advisory_xact_lock($4, hashtext(id::text)) LIMIT $2
       )
       SELECT d.id, d.campaign_id, d.step, d.customer_id, d.channel, d.category, d.topic, d.goal,
              d.template_name, d.template_version, d.policy_version, d.consent_event_id::text AS consent_event_id,
              d.attempts, c.name AS campaign_name, c.effective_at, t.title AS topic_title
         FROM claimed cl
         JOIN deliveries d ON d.id = cl.id
         JOIN campaigns c ON c.id = d.campaign_id
         LEFT JOIN topics t ON t.key = d.topic`,
      [now, limit, limit + CLAIM_LOOKAHEAD, DELIVERY_LOCK_NAMESPACE],
    );
    await m.query(`RESET enable_bitmapscan; RESET enable_sort`);
    return rows;
  }

  /**
   * Claim, check, render, hand over and record one batch. One transaction holds the batch's
   * advisory locks and its customers FOR SHARE from the claim through every hand-over, so a
   * withdrawal waits or is seen and lease recovery leaves the batch alone. The hand-over pipeline,
   * on a connection of its own, marks each small group `sending` and commits just before the group
   * is handed over, and records its outcome right after: a crash leaves at most the hand-over window `sending` (→ unknown) and
   * the rest of the batch `planned`. No row lock is held on the batch (each marking and recording
   * update of a locked row would make a multixact); the writes check the status instead.
   */
  private async process(
    limit: number,
  ): Promise<{ claimed: number; outcomes: Map<string, Outcome> }> {
    let claimed = 0;
    const outcomes = new Map<string, Outcome>();
    const sideEffects: { row: ClaimedRow; customer: CustomerRow; action: FailureAction }[] = [];
    // Before any lock: waiting for a pooled connection while holding customer locks could wait on
    // a withdrawal that waits on those locks.
    await this.ensureWriter();
    {
      await this.dataSource.transaction(async (m) => {
        const rows = await this.claim(m, this.clock.now(), limit);
        claimed = rows.length;
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

        const settled: ClaimedRow[] = [];
        const toSend: PreparedMessage[] = [];
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
          // Promise 7: the consent rows in force at the hand-over, not only at planning.
          const key = `${row.customer_id}:${row.channel}`;
          const prepared =
            pre ??
            (await this.prepare(row, customer!, now, {
              topic: consent.eventIds.get(`${key}:${row.topic}`) ?? null,
              all: consent.eventIds.get(`${key}:*`) ?? null,
            }));
          if ('kind' in prepared) {
            outcomes.set(row.id, prepared);
            settled.push(row);
          } else {
            toSend.push(prepared);
          }
        }
        // Nothing was handed over for these: recorded only if still planned.
        await this.withWriter((w) => this.record(w, settled, outcomes, 'planned'));

        const results = await this.pipeline.submit(
          toSend.map((p) => ({
            key: p.row.id,
            lane: p.row.channel,
            groupLimit: Math.min(p.sender.concurrency, this.window.size),
            pace: () => this.buckets[p.row.channel].take(),
            run: (attempts) => {
              p.row.attempts = attempts;
              return this.deliver(p, now);
            },
            prepared: p,
          })),
        );
        toSend.forEach((p, i) => {
          const outcome = results[i];
          // Not marked (a campaign cancel took it) or not recorded: nothing to count.
          if (!outcome) return;
          outcomes.set(p.row.id, outcome);
          if (outcome.kind === 'failed' && outcome.action) {
            sideEffects.push({ row: p.row, customer: p.customer, action: outcome.action });
          }
        });
      });
    }
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
    return { claimed, outcomes };
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

  /** Tokens, links, headers and the rendered message; a failed outcome if it cannot be sent. */
  private async prepare(
    row: ClaimedRow,
    customer: CustomerRow,
    now: Date,
    consentAtSend: PreparedMessage['consentAtSend'],
  ): Promise<PreparedMessage | Outcome> {
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
    const headers: Record<string, string> | undefined =
      row.channel === 'email'
        ? {
            'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:${this.settings.unsubscribeMailto}?subject=unsubscribe-${unsubscribe}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            'Feedback-ID': `${row.campaign_id}:${row.topic}:${this.companySlug}`,
            'X-Tactful-Delivery': row.id,
          }
        : undefined;
    return {
      row,
      customer,
      sender,
      message: {
        deliveryId: row.id,
        channel: row.channel,
        to: (row.channel === 'email' ? customer.email : customer.phone)!,
        rendered,
        locale: customer.locale,
        headers,
        messageId: `<${row.id}@${this.mailDomain}>`,
        accountManagerPhone: customer.account_manager_phone,
      },
      // The same canonical hash the audit module keeps beside the (purgeable) content.
      contentHash: contentHash(rendered),
      consentAtSend,
    };
  }

  /** The hand-over itself; a failure is classified by the channel's taxonomy. */
  private async deliver(p: PreparedMessage, now: Date): Promise<Outcome> {
    try {
      const accepted = await p.sender.send(p.message);
      return {
        kind: 'sent',
        content: p.message.rendered,
        providerId: accepted.providerId,
        providerStatus: accepted.providerStatus,
        contentHash: p.contentHash,
        transport: p.sender.transport,
        consentAtSend: p.consentAtSend,
      };
    } catch (err) {
      const f =
        err instanceof SendFailure
          ? err
          : new SendFailure('ambiguous', 'error', (err as Error)?.message ?? String(err));
      return this.afterFailure(p.row, f, now, p.customer);
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

  /**
   * Records outcomes and commits at once: one UPDATE, one multi-row audit INSERT, the content.
   * Only rows still in `expected` status are recorded (a campaign cancel may have taken a planned
   * one meanwhile); the others lose their outcome here, so nothing is audited twice.
   */
  private async record(
    writer: QueryRunner,
    rows: ClaimedRow[],
    outcomes: Map<string, Outcome>,
    expected: 'planned' | 'sending',
    /** Planned deliveries to mark `sending` in the same statement (the next group to hand over). */
    mark: string[] = [],
  ): Promise<Map<string, number>> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.settings.delivery.leaseSeconds * 1000);
    const ids: string[] = [];
    const statuses: string[] = [];
    const next: (Date | null)[] = [];
    const providerIds: (string | null)[] = [];
    const providerStatuses: (string | null)[] = [];
    const hashes: (string | null)[] = [];
    const errors: (string | null)[] = [];
    const types: string[] = [];
    const reasons: (string | null)[] = [];
    const data: string[] = [];
    // The content's parameters after the 17 fixed ones (see below).
    const params: unknown[] = [];
    const contentRows: string[] = [];
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
      types.push(AUDIT_OF[o.kind]);
      reasons.push(
        o.kind === 'cancelled' || o.kind === 'deferred'
          ? o.reason
          : o.kind === 'retry' || o.kind === 'failed' || o.kind === 'unknown'
            ? o.code
            : null,
      );
      data.push(JSON.stringify(auditData(row, o)));
      if (o.kind === 'sent') {
        // One row of scalar parameters per message rather than arrays: a jsonb[] array literal of
        // whole messages costs escaping here and parsing there, for every quote in the HTML.
        const b = 17 + params.length;
        params.push(row.id, JSON.stringify(o.content), o.contentHash);
        contentRows.push(`($${b + 1}::uuid, $${b + 2}::jsonb, $${b + 3})`);
      }
    }
    if (!ids.length && !mark.length) return new Map();
    // One statement, committed at once: the deliveries still in `expected` status, their audit
    // rows (as AuditWriter.record writes them), the rendered content of the sent ones, and the
    // marking of the next group, so the window's count moves atomically.
    const written = await writerStep<{ kind: 'r' | 'm'; id: string; attempts: number }>(
      writer,
      this.settings.databasePreparedStatements
        ? `tactful_sender_record_${contentRows.length}`
        : null,
      `WITH v AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[],
                              $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[])
           AS v(id, status, next_at, provider_id, provider_status, content_hash, error, type, reason, data)
       ), recorded AS (
         UPDATE deliveries d
            SET status = v.status,
                next_attempt_at = v.next_at,
                provider_id = coalesce(v.provider_id, d.provider_id),
                provider_status = coalesce(v.provider_status, d.provider_status),
                content_hash = coalesce(v.content_hash, d.content_hash),
                last_error = coalesce(v.error, d.last_error),
                sent_at = CASE WHEN v.status = 'sent' THEN $11::timestamptz ELSE d.sent_at END,
                finished_at = CASE WHEN v.status IN ('cancelled', 'failed', 'unknown') THEN $11::timestamptz END,
                lease_until = NULL,
                updated_at = $11
           FROM v
          -- (status || '') hides the status from the partial indexes (WHERE status = 'planned' /
          -- 'sending'), so only the primary key serves these few ids: with a literal status the
          -- planner may walk the whole backlog's partial index to find them.
          WHERE d.id = v.id AND (d.status || '') = $12
         RETURNING d.id, d.customer_id, d.campaign_id, d.channel, d.policy_version
       ), audited AS (
         INSERT INTO audit_events (at, type, customer_id, campaign_id, delivery_id, channel, reason,
                                   policy_version, actor, data)
         SELECT $11, v.type, r.customer_id, r.campaign_id, r.id, r.channel, v.reason,
                r.policy_version, $13, v.data
           FROM recorded r JOIN v ON v.id = r.id
          ORDER BY array_position($1::uuid[], r.id)
       )${
         contentRows.length
           ? `, stored AS (
         -- Rendered content beside the chained audit (purged after the retention period, hash kept).
         INSERT INTO audit_content (delivery_id, customer_id, content, content_hash, stored_at)
         SELECT c.delivery_id, r.customer_id, c.content, c.content_hash, $11
           FROM (VALUES ${contentRows.join(', ')}) AS c(delivery_id, content, content_hash)
           JOIN recorded r ON r.id = c.delivery_id
         ON CONFLICT (delivery_id) DO UPDATE
           SET content = EXCLUDED.content, content_hash = EXCLUDED.content_hash,
               stored_at = EXCLUDED.stored_at, purged_at = NULL
       )`
           : ''
       }
       , marked AS (
         UPDATE deliveries
            SET status = 'sending', lease_until = $15, leased_by = $16, attempts = attempts + 1,
                updated_at = $11
          WHERE id = ANY($14::uuid[]) AND (status || '') = $17
         RETURNING id, attempts
       )
       SELECT 'r' AS kind, id, 0 AS attempts FROM recorded
       UNION ALL
       SELECT 'm', id, attempts FROM marked`,
      [
        ids,
        statuses,
        next,
        providerIds,
        providerStatuses,
        hashes,
        errors,
        types,
        reasons,
        data,
        now,
        expected,
        'system',
        mark,
        leaseUntil,
        this.instanceId,
        'planned',
        ...params,
      ],
    );
    const done = new Set<string>();
    const marked = new Map<string, number>();
    for (const w of written) {
      if (w.kind === 'r') done.add(w.id);
      else marked.set(w.id, w.attempts);
    }
    if (done.size < ids.length) {
      for (const id of ids) if (!done.has(id)) outcomes.delete(id);
    }
    return marked;
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

/**
 * One step of the hand-over pipeline, committed at once. With a name, a prepared statement on the
 * writer's connection: parsed and planned once per connection instead of at every group, which the
 * sender runs twice per handful of messages. Without one (DATABASE_PREPARED_STATEMENTS=false, behind
 * PgBouncer in transaction mode before 1.21), an unnamed statement: the next transaction may run on
 * another server connection, where a named statement would not exist.
 */
async function writerStep<T>(
  writer: QueryRunner,
  name: string | null,
  text: string,
  values: unknown[],
): Promise<T[]> {
  // TypeORM's PostgresQueryRunner keeps its pg client here once connected.
  const client = (writer as unknown as { databaseConnection: PoolClient }).databaseConnection;
  const result = await client.query<T & Record<string, unknown>>(
    name ? { name, text, values } : { text, values },
  );
  return result.rows;
}

/**
 * Gives the writer's connection back to the pool with the server's planner settings: the ones the
 * writer set for its own by-id statements would make other work's scans slow.
 */
async function releaseWriter(writer: QueryRunner): Promise<void> {
  await writer.query('RESET ALL').catch(() => undefined);
  await writer.release().catch(() => undefined);
}

function addInto(total: SenderRunResult, r: SenderRunResult): void {
  for (const k of Object.keys(total) as (keyof SenderRunResult)[]) total[k] += r[k];
}

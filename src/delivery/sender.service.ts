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
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { instruments } from '../common/instruments';
import { safeError } from '../common/log-safety';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import type { Channel } from '../policy/engine';
import { PoliciesService } from '../policy/policies.service';
import { suppressionsByCustomer } from '../suppression/suppression.service';
import { SendFailure, type FailureAction } from './channels/channel';
import { FailureActions } from './failure-actions';
import { HandOverPipeline, type HandOverJob } from './hand-over-pipeline';
import { HandOverWindow } from './hand-over-window';
import { MessagePreparer, type PreparedMessage } from './message-preparer';
import { outcomeRecord } from './outcome-record';
import { TokenBucket } from './rate-limiter';
import { checkBeforeSend, failureOutcome, type Outcome } from './send-outcome';
import { SendPolicies } from './send-policies';
import { addInto, countOutcomes, emptyResult, type SenderRunResult } from './sender-run-result';
import { claimDueDeliveries, type ClaimedDelivery } from './sql/claim-due-deliveries';
import { lockRecipients, type Recipient } from './sql/lock-recipients';
import { consentIdsAtSend, readConsentState } from './sql/read-consent-state';
import { recordAndMark } from './sql/record-and-mark';
import { recoverExpiredLeases } from './sql/recover-expired-leases';
import { WriterConnection } from './writer-connection';

export type { SenderRunResult } from './sender-run-result';

/** A prepared message as a job of the hand-over pipeline. */
interface SenderJob extends HandOverJob<Outcome> {
  prepared: PreparedMessage;
}

const DEFAULT_BATCH = 100;
const WORKER_INTERVAL_MS = 1000;
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
  private readonly policies: SendPolicies;
  private running: Promise<SenderRunResult> | null = null;
  private stopping = false;
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
  private readonly writer: WriterConnection;
  private readonly pipeline = new HandOverPipeline<Outcome, SenderJob>(this.window, (done, mark) =>
    this.record(
      done.map((d) => d.job.prepared.row),
      new Map(done.map((d) => [d.job.key, d.result])),
      'sending',
      mark,
    ),
  );

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly dataSource: DataSource,
    policies: PoliciesService,
    private readonly preparer: MessagePreparer,
    private readonly clock: Clock,
    private readonly scheduler: SchedulerRegistry,
    private readonly failureActions: FailureActions,
  ) {
    const { emailRatePerSecond, smsRatePerSecond } = settings.delivery;
    this.buckets = {
      email: new TokenBucket(emailRatePerSecond),
      sms: new TokenBucket(smsRatePerSecond),
      // Calls are rung to people one at a time; the SMS rate is a generous ceiling.
      voice: new TokenBucket(smsRatePerSecond),
    };
    this.policies = new SendPolicies(policies);
    this.writer = new WriterConnection(dataSource, settings.databasePreparedStatements);
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
    await this.writer.close();
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
    countOutcomes(result, outcomes.values());
    return result;
  }

  /** Leases that ran out while `sending` (see recover-expired-leases.ts). */
  async recoverExpiredLeases(): Promise<number> {
    const n = await recoverExpiredLeases(
      this.dataSource,
      this.clock.now(),
      this.settings.delivery.maxAttempts,
    );
    if (n) this.logger.warn(`${n} deliveries had an expired lease`);
    return n;
  }

  /**
   * Claim, check, render, hand over and record one batch. One transaction holds the batch's
   * advisory locks and its customers FOR SHARE from the claim through every hand-over, so a
   * withdrawal waits or is seen and lease recovery leaves the batch alone. The hand-over pipeline,
   * on a connection of its own, marks each small group `sending` and commits just before the group
   * is handed over, and records its outcome right after: a crash leaves at most the hand-over
   * window `sending` (→ unknown) and the rest of the batch `planned`. No row lock is held on the
   * batch (each marking and recording update of a locked row would make a multixact); the writes
   * check the status instead.
   */
  private async process(
    limit: number,
  ): Promise<{ claimed: number; outcomes: Map<string, Outcome> }> {
    let claimed = 0;
    const outcomes = new Map<string, Outcome>();
    const sideEffects: { row: ClaimedDelivery; customer: Recipient; action: FailureAction }[] = [];
    // Before any lock: waiting for a pooled connection while holding customer locks could wait on
    // a withdrawal that waits on those locks.
    await this.writer.open();
    await this.dataSource.transaction(async (m) => {
      const rows = await claimDueDeliveries(m, this.clock.now(), limit);
      claimed = rows.length;
      if (!rows.length) return;
      const { settled, toSend, now } = await this.checkAndRender(m, rows, outcomes);
      // Nothing was handed over for these: recorded only if still planned.
      await this.record(settled, outcomes, 'planned');
      const handedOver = await this.handOver(toSend, now);
      toSend.forEach((p, i) => {
        const outcome = handedOver[i];
        // Not marked (a campaign cancel took it) or not recorded: nothing to count.
        if (!outcome) return;
        outcomes.set(p.row.id, outcome);
        if (outcome.kind === 'failed' && outcome.action) {
          sideEffects.push({ row: p.row, customer: p.customer, action: outcome.action });
        }
      });
    });
    // Suppressions and withdrawals in their own transactions: they take the customer lock that
    // other senders may share, and a failure here must not undo the record of what was sent.
    for (const { row, customer, action } of sideEffects) {
      await this.failureActions
        .apply(row.id, customer, action)
        .catch((err: unknown) =>
          this.logger.error(
            { error: safeError(err), deliveryId: row.id, action },
            'delivery side effect failed',
          ),
        );
    }
    return { claimed, outcomes };
  }

  /**
   * Under the batch's locks: the customers (share-locked), their consent and suppressions, then
   * each delivery checked and, if it may go, rendered. Settled ones have their outcome set.
   */
  private async checkAndRender(
    m: EntityManager,
    rows: ClaimedDelivery[],
    outcomes: Map<string, Outcome>,
  ): Promise<{ settled: ClaimedDelivery[]; toSend: PreparedMessage[]; now: Date }> {
    const customers = await lockRecipients(
      m,
      rows.map((r) => r.customer_id),
    );
    // Read after the share lock: a withdrawal in flight has committed (or waits for us).
    const consent = await readConsentState(m, [...customers.keys()]);
    const suppressed = await suppressionsByCustomer(m, [...customers.values()]);
    const policies = await this.policies.forKinds(
      rows.flatMap((r) => customers.get(r.customer_id)?.kind ?? []),
    );
    const now = this.clock.now();
    const settled: ClaimedDelivery[] = [];
    const toSend: PreparedMessage[] = [];
    for (const row of rows) {
      const customer = customers.get(row.customer_id);
      const settledAs: Outcome | null = customer
        ? checkBeforeSend(
            row,
            customer,
            consent.entries.get(customer.id) ?? [],
            suppressed.get(customer.id) ?? [],
            policies.get(customer.kind),
            now,
          )
        : { kind: 'cancelled', reason: 'unreachable' };
      // Promise 7: the consent rows in force at the hand-over, not only at planning.
      const prepared =
        settledAs ??
        (await this.preparer.prepare(row, customer!, now, consentIdsAtSend(consent, row)));
      if ('kind' in prepared) {
        outcomes.set(row.id, prepared);
        settled.push(row);
      } else {
        toSend.push(prepared);
      }
    }
    return { settled, toSend, now };
  }

  /** Through the pipeline: paced per channel, marked in groups, handed over, recorded. */
  private handOver(toSend: PreparedMessage[], now: Date): Promise<(Outcome | undefined)[]> {
    return this.pipeline.submit(
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
  }

  /** The hand-over itself; a failure is classified by the channel's taxonomy. */
  private async deliver(p: PreparedMessage, now: Date): Promise<Outcome> {
    const timer = instruments.handOverSeconds.startTimer({ channel: p.row.channel });
    try {
      const accepted = await p.sender.send(p.message);
      timer();
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
      timer();
      instruments.providerErrors.inc({ channel: p.row.channel, kind: f.kind });
      return failureOutcome(p.row, f, p.customer, this.settings.delivery.maxAttempts, now);
    }
  }

  /**
   * Records outcomes and marks the next group (`mark`) in one statement on the writer, committed
   * at once. Only rows still in `expected` status are recorded (a campaign cancel may have taken a
   * planned one meanwhile); the others lose their outcome here, so nothing is audited twice.
   */
  private async record(
    rows: ClaimedDelivery[],
    outcomes: Map<string, Outcome>,
    expected: 'planned' | 'sending',
    mark: string[] = [],
  ): Promise<{ recorded: Set<string>; marked: Map<string, number> }> {
    return this.writer.use(async (w) => {
      const now = this.clock.now();
      const records = rows.flatMap((row) => {
        const o = outcomes.get(row.id);
        return o ? [outcomeRecord(row, o)] : [];
      });
      if (!records.length && !mark.length)
        return { recorded: new Set<string>(), marked: new Map() };
      const result = await recordAndMark(w, this.writer.prepared, {
        records,
        expected,
        mark,
        now,
        leaseUntil: new Date(now.getTime() + this.settings.delivery.leaseSeconds * 1000),
        leasedBy: this.instanceId,
      });
      for (const r of records) if (!result.recorded.has(r.id)) outcomes.delete(r.id);
      return result;
    });
  }
}

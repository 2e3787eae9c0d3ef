import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { AudienceFilter } from '../audiences/audience-filter';
import { AudiencesService } from '../audiences/audiences.service';
import { compileAudience } from '../audiences/compile-audience';
import { nextCronRun } from '../campaigns/schedule';
import { Clock } from '../common/clock';
import { lockContacts } from '../common/contact-lock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { plainArray, textArray } from '../database/pg-array';
import {
  requiredHistoryDays,
  type CampaignMessage,
  type Category,
  type Channel,
  type ContactPolicy,
  type CustomerKind,
  type Goal,
} from '../policy/engine';
import { DEFAULT_DOUBLE_OPT_IN } from '../policy/engine/consent';
import { PoliciesService } from '../policy/policies.service';
import { DecisionContextLoader } from './decision-context.loader';
import { planBatch, type PlanItem, type PlannedBatch } from './plan-batch';
import { safeError } from '../common/log-safety';

/** What a written batch reports: how many were decided and how. */
export interface BatchSummary {
  decided: number;
  counts: PlannedBatch['counts'];
}

/** Tuning and test switches; provide PLANNER_OPTIONS to override the defaults. */
export interface PlannerOptions {
  /** Customers per batch transaction. */
  batchSize: number;
  /** Scheduler tick period; the tick only runs on instances with the `scheduler` role. */
  intervalMs: number;
  /** false: no timer at all (tests call tick() themselves). Off by default under NODE_ENV=test. */
  timer: boolean;
  /** Channels whose marketing needs a confirmed (double opt-in) consent. */
  doubleOptIn: Partial<Record<Channel, boolean>>;
  /** A step's id space is planned in this many lanes side by side (one connection each). */
  lanes: number;
}
export const PLANNER_OPTIONS = Symbol('PLANNER_OPTIONS');

export const DEFAULT_PLANNER_OPTIONS: PlannerOptions = {
  // Measured with bench:plan: 2,000 beat 4,000 and 6,000 (less of each batch survives a young
  // GC while the database works), and holds contact locks for a shorter time.
  batchSize: 2000,
  intervalMs: 5000,
  timer: process.env.NODE_ENV !== 'test',
  // The one double opt-in rule shared with the sender's send-time check and the forecast.
  doubleOptIn: DEFAULT_DOUBLE_OPT_IN,
  lanes: 3,
};

const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const laneBoundary = (lane: number, lanes: number) => Math.floor((lane * 0x1_0000_0000) / lanes);

/** Where each lane's keyset starts (exclusive): null, then the uuid just below each boundary. */
export function laneStarts(lanes: number): (string | null)[] {
  return Array.from({ length: lanes }, (_, lane) =>
    lane === 0 ? null : `${hex8(laneBoundary(lane, lanes) - 1)}-ffff-ffff-ffff-ffffffffffff`,
  );
}

/** The first uuid past a lane (exclusive end), or null for the last lane. */
export function laneEnd(lane: number, lanes: number): string | null {
  return lane === lanes - 1
    ? null
    : `${hex8(laneBoundary(lane + 1, lanes))}-0000-0000-0000-000000000000`;
}

export interface StepReport {
  campaignId: string;
  step: number;
  /** locked: another instance is planning this campaign; skipped: nothing (left) to plan. */
  outcome: 'planned' | 'locked' | 'skipped' | 'stopped';
  batches: number;
  decided: number;
  send: number;
  defer: number;
  skip: number;
}

export interface TickReport {
  steps: StepReport[];
  triggers: StepReport[];
  completed: string[];
}

export interface PlanStepOptions {
  batchSize?: number;
  /** Called after each committed batch (tests: simulate a crash by throwing). */
  afterBatch?: (batch: number) => void | Promise<void>;
}

interface CampaignRow {
  id: string;
  topic: string;
  goal: Goal;
  template_name: string;
  template_version: number | null;
  reminder_template_version: number | null;
  channels: Channel[];
  priority: number;
  audience: unknown;
  schedule: CampaignSchedule;
  effective_at: Date | null;
  status: string;
  launched_at: Date | null;
}

type CampaignSchedule =
  | { type: 'now' }
  | { type: 'once'; at: string }
  | { type: 'cron'; cron: string; timezone: string }
  | {
      type: 'trigger';
      event: 'purchase' | 'satisfaction' | 'lapsed';
      delayHours: number;
      minScore?: number;
      reminder?: { afterDays: number; template: string; unless?: 'review_posted' };
    };

interface PlanningSetup {
  campaign: CampaignRow;
  category: Category;
  cadenceDays: number | null;
  policies: Record<CustomerKind, ContactPolicy>;
  historyDays: number;
}

// Advisory lock namespace: (PLAN_LOCK, hashtext(campaign id)) serialises planning per campaign.
const PLAN_LOCK = 0x7ac7f001;
const RETRYABLE = new Set(['40P01', '40001']);
const HOUR_MS = 3_600_000;
/** Trigger events read per campaign per tick; the rest waits for the next tick. */
const TRIGGER_BATCH = 2000;

/**
 * The planner: turns due campaign steps and trigger events into decisions, deliveries (budget
 * reservations) and audit rows. Several instances may run it against one database: planning of
 * one campaign is serialised with an advisory lock, and a batch takes its customers' contact locks
 * before reading their contact history, so concurrent campaigns never overbook a customer.
 */
@Injectable()
export class PlannerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PlannerService.name);
  private readonly options: PlannerOptions;
  private ticking: Promise<TickReport> | null = null;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly policiesService: PoliciesService,
    private readonly audiences: AudiencesService,
    private readonly loader: DecisionContextLoader,
    @Optional() private readonly scheduler?: SchedulerRegistry,
    @Optional() @Inject(PLANNER_OPTIONS) options?: Partial<PlannerOptions>,
  ) {
    this.options = { ...DEFAULT_PLANNER_OPTIONS, ...options };
  }

  onApplicationBootstrap(): void {
    if (!this.options.timer || !this.settings.roles.includes('scheduler') || !this.scheduler)
      return;
    const handle = setInterval(() => {
      if (this.ticking === null && !this.stopped)
        this.tick().catch((err: unknown) =>
          this.logger.error({ error: safeError(err) }, 'planner tick failed'),
        );
    }, this.options.intervalMs);
    this.scheduler.addInterval('planner', handle);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.scheduler?.doesExist('interval', 'planner')) this.scheduler.deleteInterval('planner');
    // Let a running tick finish its batch rather than cut it off mid-transaction.
    await this.ticking?.catch(() => undefined);
  }

  /** One scheduler pass: due steps in priority order, trigger campaigns, completions. */
  tick(): Promise<TickReport> {
    if (this.ticking) return this.ticking;
    this.ticking = this.runTick().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async runTick(): Promise<TickReport> {
    const report: TickReport = { steps: [], triggers: [], completed: [] };
    const now = this.clock.now();
    const due: { campaign_id: string; step: number }[] = await this.dataSource.query(
      `SELECT s.campaign_id, s.step FROM campaign_steps s JOIN campaigns c ON c.id = s.campaign_id
        WHERE s.status IN ('pending', 'planning') AND s.due_at <= $1
          AND c.status IN ('scheduled', 'running') AND c.schedule->>'type' <> 'trigger'
        ORDER BY c.priority DESC, c.launched_at, c.id, s.step`,
      [now],
    );
    for (const s of due) {
      if (this.stopped) break;
      report.steps.push(await this.planStep(s.campaign_id, s.step));
    }
    const triggers: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM campaigns WHERE status IN ('scheduled', 'running') AND schedule->>'type' = 'trigger'
        ORDER BY priority DESC, launched_at, id`,
    );
    for (const c of triggers) {
      if (this.stopped) break;
      report.triggers.push(await this.planTriggers(c.id));
    }
    report.completed = await this.completeFinished();
    return report;
  }

  /**
   * Plans one campaign step: the audience in keyset batches after the step's cursor, one
   * transaction per batch (decisions, deliveries, audit and the cursor commit together), so a
   * crash resumes after the last committed batch and nobody is decided twice.
   */
  async planStep(
    campaignId: string,
    step: number,
    opts: PlanStepOptions = {},
  ): Promise<StepReport> {
    const report: StepReport = {
      campaignId,
      step,
      outcome: 'skipped',
      batches: 0,
      decided: 0,
      send: 0,
      defer: 0,
      skip: 0,
    };
    const limit = opts.batchSize ?? this.options.batchSize;
    return this.withCampaignLock(campaignId, report, async (qr) => {
      const setup = await this.setup(campaignId, qr.manager, ['scheduled', 'running']);
      if (setup === null) return report;
      const started: { n: number }[] = await qr.manager.query(
        `SELECT 1 AS n FROM campaign_steps WHERE campaign_id = $1 AND step = $2 AND status IN ('pending', 'planning')`,
        [campaignId, step],
      );
      if (!started.length) return report;
      await this.start(qr, setup.campaign, step);
      // The id space is cut into lanes planned side by side, each on its own connection with
      // its own checkpoint; a resumed step keeps the lanes it started with.
      await qr.manager.query(
        `INSERT INTO campaign_step_lanes (campaign_id, step, lane, lanes, cursor)
         SELECT $1, $2, l, $3, ($4::uuid[])[l + 1]
           FROM generate_series(0, $3 - 1) l
          WHERE NOT EXISTS (SELECT 1 FROM campaign_step_lanes WHERE campaign_id = $1 AND step = $2)`,
        [campaignId, step, this.options.lanes, laneStarts(this.options.lanes)],
      );
      const lanes: { lane: number; lanes: number; done: boolean }[] = await qr.manager.query(
        `SELECT lane, lanes, done FROM campaign_step_lanes WHERE campaign_id = $1 AND step = $2 ORDER BY lane`,
        [campaignId, step],
      );
      const abort = { reason: null as unknown };
      const results = await Promise.allSettled(
        lanes
          .filter((l) => !l.done)
          .map((l) => this.planLane(setup, step, l.lane, l.lanes, limit, report, abort, opts)),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      if (results.some((r) => r.status === 'fulfilled' && r.value === 'stopped') || this.stopped) {
        report.outcome = 'stopped';
        return report;
      }
      const finished = await this.inTransaction(qr, async (m) => {
        const rows: { n: number }[] = await m.query(
          `SELECT 1 AS n FROM campaign_steps s JOIN campaigns c ON c.id = s.campaign_id
            WHERE s.campaign_id = $1 AND s.step = $2 AND s.status = 'planning' AND c.status = 'running'
            FOR UPDATE OF s`,
          [campaignId, step],
        );
        if (!rows.length) return false;
        await this.finishStep(m, setup.campaign, step, this.clock.now());
        return true;
      });
      report.outcome = finished ? 'planned' : 'stopped';
      if (finished)
        this.logger.log({ campaignId, step, decided: report.decided }, 'campaign step planned');
      return report;
    });
  }

  /** One lane of a step: keyset batches from the lane's checkpoint to the lane's end. */
  private async planLane(
    setup: PlanningSetup,
    step: number,
    lane: number,
    lanes: number,
    limit: number,
    report: StepReport,
    abort: { reason: unknown },
    opts: PlanStepOptions,
  ): Promise<'done' | 'stopped'> {
    const c = setup.campaign;
    const end = laneEnd(lane, lanes);
    const message = this.message(setup, step, false);
    const templateVersion = c.template_version ?? 1;
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    try {
      for (;;) {
        if (this.stopped || abort.reason !== null) return 'stopped';
        const result = await this.inTransaction(qr, async (m) => {
          // The step row in share mode: lanes run side by side, while a cancel (which updates
          // the row) waits for the batch, and a batch after a pause or cancel does nothing.
          const rows: { cursor: string | null; done: boolean }[] = await m.query(
            `SELECT l.cursor, l.done FROM campaign_steps s
               JOIN campaigns c ON c.id = s.campaign_id
               JOIN campaign_step_lanes l ON l.campaign_id = s.campaign_id AND l.step = s.step AND l.lane = $3
              WHERE s.campaign_id = $1 AND s.step = $2 AND s.status = 'planning' AND c.status = 'running'
              FOR SHARE OF s FOR UPDATE OF l`,
            [c.id, step, lane],
          );
          if (!rows.length) return 'stopped' as const;
          if (rows[0].done) return 'done' as const;
          const page = await this.audiences.page(c.audience, rows[0].cursor, limit, m);
          const ids = end === null ? page : page.filter((id) => id < end);
          const now = this.clock.now();
          let planned: BatchSummary | null = null;
          if (ids.length) {
            const items: PlanItem[] = ids.map((customerId) => ({
              customerId,
              message,
              at: now,
              templateName: c.template_name,
              templateVersion,
            }));
            planned = await this.decideAndWrite(m, setup, ids, items, now);
          }
          const done = ids.length < page.length || page.length < limit;
          await m.query(
            `UPDATE campaign_step_lanes SET cursor = coalesce($4, cursor), done = $5
              WHERE campaign_id = $1 AND step = $2 AND lane = $3`,
            [c.id, step, lane, ids.length ? ids[ids.length - 1] : null, done],
          );
          return { planned, done };
        });
        if (result === 'stopped' || result === 'done') return result;
        if (result.planned !== null) {
          const p = result.planned;
          report.batches++;
          report.decided += p.decided;
          report.send += p.counts.send;
          report.defer += p.counts.defer;
          report.skip += p.counts.skip;
          try {
            await opts.afterBatch?.(report.batches);
          } catch (err) {
            abort.reason = err;
            throw err;
          }
        }
        if (result.done) return 'done';
      }
    } catch (err) {
      abort.reason ??= err;
      throw err;
    } finally {
      await qr.release();
    }
  }

  /**
   * Trigger campaigns: new customer events since the campaign's watermark (purchase,
   * satisfaction ≥ minScore), customers who became lapsed, and review reminders that fell due,
   * each planned for its single customer with notBefore = event time + delay. Steps are
   * per-customer occurrence numbers, so "one message per customer per step" still holds.
   */
  async planTriggers(campaignId: string): Promise<StepReport> {
    const report: StepReport = {
      campaignId,
      step: 0,
      outcome: 'skipped',
      batches: 0,
      decided: 0,
      send: 0,
      defer: 0,
      skip: 0,
    };
    return this.withCampaignLock(campaignId, report, async (qr) => {
      const setup = await this.setup(campaignId, qr.manager, ['scheduled', 'running']);
      if (setup === null || setup.campaign.schedule.type !== 'trigger') return report;
      await this.start(qr, setup.campaign, 0);
      const result = await this.inTransaction(qr, (m) => this.triggerBatch(m, setup));
      report.outcome = 'planned';
      if (result !== null) {
        report.batches = 1;
        report.decided = result.decided;
        report.send = result.counts.send;
        report.defer = result.counts.defer;
        report.skip = result.counts.skip;
      }
      return report;
    });
  }

  private async triggerBatch(m: EntityManager, setup: PlanningSetup): Promise<BatchSummary | null> {
    const c = setup.campaign;
    const schedule = c.schedule as Extract<CampaignSchedule, { type: 'trigger' }>;
    const now = this.clock.now();
    const launchedAt = c.launched_at ?? now;
    await m.query(
      `INSERT INTO campaign_trigger_watermarks (campaign_id, last_event_id, lapses_until, reminders_until)
       SELECT $1, coalesce((SELECT max(id) FROM customer_events WHERE recorded_at < $2), 0), $2, $2
       ON CONFLICT (campaign_id) DO NOTHING`,
      [c.id, launchedAt],
    );
    const [mark]: { last_event_id: string; lapses_until: Date; reminders_until: Date }[] =
      await m.query(
        `SELECT last_event_id, lapses_until, reminders_until FROM campaign_trigger_watermarks
          WHERE campaign_id = $1 FOR UPDATE`,
        [c.id],
      );
    const params: unknown[] = [];
    const audience = compileAudience((c.audience ?? {}) as AudienceFilter, { now, params });
    const delayMs = schedule.delayHours * HOUR_MS;
    const main = this.message(setup, 0, false);
    const items: PlanItem[] = [];
    let lastEventId = mark.last_event_id;
    let lapsesUntil = mark.lapses_until;

    if (schedule.event === 'purchase' || schedule.event === 'satisfaction') {
      const minScore = schedule.minScore ?? setup.policies.consumer.review.minScore;
      // The watermark moves over every event read, matching or not; events past it wait.
      const [{ max }]: { max: string | null }[] = await m.query(
        `SELECT max(id)::text AS max FROM (SELECT id FROM customer_events WHERE type = $1 AND id > $2
           ORDER BY id LIMIT $3) e`,
        [schedule.event, mark.last_event_id, TRIGGER_BATCH],
      );
      if (max !== null) lastEventId = max;
      const n = params.length;
      // The occurrence number counts this customer's events of the type up to this one (by id,
      // so it never changes once given).
      const events: { id: string; customer_id: string; occurred_at: Date; n: number }[] =
        max === null
          ? []
          : await m.query(
              `SELECT e.id, e.customer_id, e.occurred_at,
                      (SELECT count(*) FROM customer_events e2
                        WHERE e2.customer_id = e.customer_id AND e2.type = e.type AND e2.id <= e.id)::int AS n
                 FROM customer_events e JOIN customers c ON c.id = e.customer_id
                WHERE e.type = $${n + 1} AND e.id > $${n + 2} AND e.id <= $${n + 3} AND c.erased_at IS NULL
                  AND ($${n + 1} <> 'satisfaction' OR (e.data->>'score')::numeric >= $${n + 4})
                  AND ${audience}
                ORDER BY e.id`,
              [...params, schedule.event, mark.last_event_id, max, minScore],
            );
      for (const e of events) {
        // Review requests take even steps, their reminder the odd step after.
        const step = schedule.event === 'satisfaction' ? 2 * e.n : e.n;
        const due = new Date(e.occurred_at.getTime() + delayMs);
        items.push({
          customerId: e.customer_id,
          message: { ...main, step },
          at: due > now ? due : now,
          templateName: c.template_name,
          templateVersion: c.template_version ?? 1,
          data: { trigger: schedule.event, eventId: String(e.id) },
        });
      }
    } else {
      // Became lapsed since the last tick: last purchase + lapseDays (per kind) crossed now.
      const n = params.length;
      const lapses: { id: string; purchase_count: number; lapsed_at: Date }[] = await m.query(
        `SELECT c.id, c.purchase_count, c.last_purchase_at + make_interval(days =>
                  CASE c.kind WHEN 'business' THEN $${n + 3}::int ELSE $${n + 4}::int END) AS lapsed_at
           FROM customers c
          WHERE c.erased_at IS NULL AND c.last_purchase_at IS NOT NULL
            AND c.last_purchase_at > $${n + 1}::timestamptz - make_interval(days => greatest($${n + 3}::int, $${n + 4}::int))
            AND c.last_purchase_at + make_interval(days =>
                  CASE c.kind WHEN 'business' THEN $${n + 3}::int ELSE $${n + 4}::int END) > $${n + 1}
            AND c.last_purchase_at + make_interval(days =>
                  CASE c.kind WHEN 'business' THEN $${n + 3}::int ELSE $${n + 4}::int END) <= $${n + 2}
            AND ${audience}
          ORDER BY lapsed_at, c.id`,
        [
          ...params,
          mark.lapses_until,
          now,
          setup.policies.business.lapseDays,
          setup.policies.consumer.lapseDays,
        ],
      );
      lapsesUntil = now;
      for (const l of lapses) {
        const due = new Date(l.lapsed_at.getTime() + delayMs);
        items.push({
          customerId: l.id,
          // One win-back per lapse: a lapse is identified by the purchase count it followed.
          message: { ...main, step: l.purchase_count },
          at: due > now ? due : now,
          templateName: c.template_name,
          templateVersion: c.template_version ?? 1,
          data: { trigger: 'lapsed', lapsedAt: l.lapsed_at.toISOString() },
        });
      }
    }

    let remindersUntil = mark.reminders_until;
    const reminder = schedule.reminder;
    if (reminder) {
      const due: { customer_id: string; step: number; at: Date }[] = await m.query(
        `SELECT d.customer_id, d.step, coalesce(d.sent_at, d.not_before) AS at
           FROM deliveries d
          WHERE d.campaign_id = $1 AND NOT d.is_reminder AND d.status IN ('sent', 'delivered')
            AND coalesce(d.sent_at, d.not_before) + make_interval(days => $2::int) > $3
            AND coalesce(d.sent_at, d.not_before) + make_interval(days => $2::int) <= $4
          ORDER BY d.customer_id, d.step`,
        [c.id, reminder.afterDays, mark.reminders_until, now],
      );
      remindersUntil = now;
      for (const r of due) {
        items.push({
          customerId: r.customer_id,
          message: { ...main, step: r.step + 1, isReminder: true },
          at: now,
          templateName: reminder.template,
          templateVersion: c.reminder_template_version ?? 1,
          data: { trigger: 'reminder', requestStep: r.step },
        });
      }
    }

    let planned: BatchSummary | null = null;
    if (items.length) {
      const ids = [...new Set(items.map((i) => i.customerId))].sort();
      planned = await this.decideAndWrite(m, setup, ids, items, now);
    }
    await m.query(
      `UPDATE campaign_trigger_watermarks
          SET last_event_id = $2, lapses_until = $3, reminders_until = $4, updated_at = $5
        WHERE campaign_id = $1`,
      [c.id, lastEventId, lapsesUntil, remindersUntil, now],
    );
    return planned;
  }

  /**
   * Inside the batch transaction: take the customers' contact locks (one statement), then
   * load their contexts — so the history includes every reservation another planner committed —
   * decide, and write deliveries and audit rows with one statement.
   */
  private async decideAndWrite(
    m: EntityManager,
    setup: PlanningSetup,
    sortedIds: string[],
    items: PlanItem[],
    now: Date,
  ): Promise<BatchSummary> {
    await lockContacts(m, sortedIds);
    const contexts = await this.loader.load(sortedIds, {
      now,
      historyDays: setup.historyDays,
      manager: m,
      doubleOptIn: this.options.doubleOptIn,
      lapseIds: setup.campaign.goal === 'winback',
    });
    // Only the statement's parameters and the counts outlive this line: the contexts and the
    // decisions become garbage while the database works, young enough to die cheaply.
    const { params, summary } = writeParams(setup, now, planBatch(items, contexts, setup.policies));
    if (summary.decided === 0) return summary;
    const [lost]: { send: number; defer: number }[] = await m.query(WRITE_SQL, params);
    // Promise 6 held by the unique key: a delivery already there means this one was never
    // planned; the statement wrote its decision as a skip (already_contacted).
    if (lost.send + lost.defer > 0) {
      summary.counts.send -= lost.send;
      summary.counts.defer -= lost.defer;
      summary.counts.skip += lost.send + lost.defer;
    }
    return summary;
  }

  private message(setup: PlanningSetup, step: number, isReminder: boolean): CampaignMessage {
    const c = setup.campaign;
    return {
      campaignId: c.id,
      step,
      topic: c.topic,
      category: setup.category,
      cadenceDays: setup.cadenceDays,
      goal: c.goal,
      channels: c.channels,
      priority: c.priority,
      launchedAt: c.launched_at,
      effectiveAt: c.effective_at,
      isReminder,
    };
  }

  /** The campaign, its topic's category and cadence, and the policies in force. */
  private async setup(
    campaignId: string,
    m: EntityManager,
    statuses: string[],
  ): Promise<PlanningSetup | null> {
    const rows: (CampaignRow & { category: Category; cadence_days: number | null })[] =
      await m.query(
        `SELECT c.*, t.category, t.cadence_days FROM campaigns c JOIN topics t ON t.key = c.topic
          WHERE c.id = $1 AND c.status = ANY($2::text[])`,
        [campaignId, statuses],
      );
    if (!rows.length) return null;
    const campaign = rows[0];
    const [consumer, business] = await Promise.all([
      this.policiesService.current('consumer'),
      this.policiesService.current('business'),
    ]);
    const policies = { consumer: consumer.policy, business: business.policy };
    const cadence = campaign.cadence_days ?? 0;
    return {
      campaign,
      category: campaign.category,
      cadenceDays: campaign.cadence_days,
      policies,
      historyDays: Math.max(
        requiredHistoryDays(policies.consumer, cadence),
        requiredHistoryDays(policies.business, cadence),
      ),
    };
  }

  /** scheduled → running (audited once) and the step → planning with its audience size. */
  private async start(qr: QueryRunner, c: CampaignRow, step: number): Promise<void> {
    await this.inTransaction(qr, async (m) => {
      const now = this.clock.now();
      const [moved]: [{ id: string }[], number] = await m.query(
        `UPDATE campaigns SET status = 'running', updated_at = $2
          WHERE id = $1 AND status = 'scheduled' RETURNING id`,
        [c.id, now],
      );
      if (moved.length) {
        c.status = 'running';
        await this.audit(m, now, c.id, 'campaign.running', { from: 'scheduled', to: 'running' });
      }
      const [steps]: [{ id: string }[], number] = await m.query(
        `UPDATE campaign_steps SET status = 'planning', started_at = $3
          WHERE campaign_id = $1 AND step = $2 AND status = 'pending' RETURNING campaign_id AS id`,
        [c.id, step, now],
      );
      if (steps.length && c.schedule.type !== 'trigger') {
        const size = await this.audiences.count(c.audience, m);
        await m.query(
          `UPDATE campaign_steps SET audience_size = $3 WHERE campaign_id = $1 AND step = $2`,
          [c.id, step, size],
        );
      }
    });
  }

  /** The audience is exhausted: the step is planned; a cron campaign gets its next step. */
  private async finishStep(m: EntityManager, c: CampaignRow, step: number, now: Date) {
    await m.query(
      `UPDATE campaign_steps SET status = 'planned', finished_at = $3 WHERE campaign_id = $1 AND step = $2`,
      [c.id, step, now],
    );
    if (c.schedule.type === 'cron') {
      const [{ due_at }]: { due_at: Date }[] = await m.query(
        `SELECT due_at FROM campaign_steps WHERE campaign_id = $1 AND step = $2`,
        [c.id, step],
      );
      // Runs missed while no scheduler was up are not made up for: the next one after now.
      const after = due_at > now ? due_at : now;
      const next = nextCronRun(c.schedule, after);
      await m.query(
        `INSERT INTO campaign_steps (campaign_id, step, due_at) VALUES ($1, $2, $3)
         ON CONFLICT (campaign_id, step) DO NOTHING`,
        [c.id, step + 1, next],
      );
    }
    await this.audit(m, now, c.id, 'campaign.step_planned', { step });
  }

  /** now/once campaigns whose steps are planned and whose deliveries all left `planned`/`sending`. */
  private async completeFinished(): Promise<string[]> {
    return this.dataSource.transaction(async (m) => {
      const now = this.clock.now();
      // TypeORM answers an UPDATE … RETURNING with [rows, affected].
      const [rows]: [{ id: string }[], number] = await m.query(
        `UPDATE campaigns c SET status = 'completed', finished_at = $1, updated_at = $1
          WHERE c.status = 'running' AND c.schedule->>'type' IN ('now', 'once')
            AND NOT EXISTS (SELECT 1 FROM campaign_steps s
                             WHERE s.campaign_id = c.id AND s.status IN ('pending', 'planning'))
            AND NOT EXISTS (SELECT 1 FROM deliveries d
                             WHERE d.campaign_id = c.id AND d.status IN ('planned', 'sending'))
          RETURNING c.id`,
        [now],
      );
      for (const r of rows)
        await this.audit(m, now, r.id, 'campaign.completed', { from: 'running', to: 'completed' });
      return rows.map((r) => r.id);
    });
  }

  private async audit(
    m: EntityManager,
    at: Date,
    campaignId: string,
    type: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    await m.query(
      `INSERT INTO audit_events (at, type, campaign_id, actor, data) VALUES ($1, $2, $3, 'system', $4)`,
      [at, type, campaignId, JSON.stringify(data)],
    );
  }

  /**
   * Runs fn holding the campaign's session advisory lock on a dedicated connection; another
   * instance already holding it means this one skips the campaign this tick.
   */
  private async withCampaignLock(
    campaignId: string,
    report: StepReport,
    fn: (qr: QueryRunner) => Promise<StepReport>,
  ): Promise<StepReport> {
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    try {
      const [{ locked }]: { locked: boolean }[] = await qr.query(
        `SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked`,
        [PLAN_LOCK, campaignId],
      );
      if (!locked) {
        report.outcome = 'locked';
        return report;
      }
      try {
        return await fn(qr);
      } finally {
        await qr.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [PLAN_LOCK, campaignId]);
      }
    } finally {
      await qr.release();
    }
  }

  /** A transaction on the locked connection, retried on deadlock or serialization failure. */
  private async inTransaction<T>(
    qr: QueryRunner,
    fn: (m: EntityManager) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await qr.startTransaction();
      try {
        const result = await fn(qr.manager);
        await qr.commitTransaction();
        return result;
      } catch (err) {
        await qr.rollbackTransaction().catch(() => undefined);
        const code = (err as { code?: string; driverError?: { code?: string } }).driverError?.code;
        if (attempt < 4 && code !== undefined && RETRYABLE.has(code)) {
          await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
          continue;
        }
        throw err;
      }
    }
  }
}

/**
 * A batch's deliveries and decisions in one statement. Each column travels as one array literal
 * (times as epoch milliseconds), unnested in PostgreSQL: far cheaper to parse than a JSON document
 * of objects. A delivery the unique key refuses (ON CONFLICT) was never planned, so its decision
 * is written as a skip (already_contacted) and counted back to the caller. Decisions keep their
 * order (the audit ids follow it).
 */
const WRITE_SQL = `
WITH decision AS MATERIALIZED (
  SELECT * FROM ROWS FROM (unnest($3::text[]), unnest($4::uuid[]), unnest($5::uuid[]),
         unnest($6::text[]), unnest($7::text[]), unnest($8::int[]), jsonb_array_elements($9::jsonb))
         WITH ORDINALITY AS u(type, customer_id, delivery_id, channel, reason, policy_version, data, ord)
),
planned AS (
  INSERT INTO deliveries (id, campaign_id, step, customer_id, channel, category, topic, goal,
    is_reminder, lapse_id, template_name, template_version, policy_version, consent_event_id,
    status, not_before, planned_at, updated_at)
  SELECT v.id, $2, v.step, v.customer_id, v.channel, $10, $11, $12, v.is_reminder, v.lapse_id,
         v.template_name, v.template_version, v.policy_version, v.consent_event_id,
         'planned', to_timestamp(v.not_before / 1000.0), $1, $1
    FROM unnest($13::uuid[], $14::int[], $15::uuid[], $16::text[], $17::boolean[], $18::text[],
         $19::text[], $20::int[], $21::int[], $22::bigint[], $23::float8[])
         AS v(id, step, customer_id, channel, is_reminder, lapse_id, template_name,
              template_version, policy_version, consent_event_id, not_before)
  ON CONFLICT (campaign_id, step, customer_id) DO NOTHING
  RETURNING id
),
judged AS (
  SELECT d.*, d.delivery_id IS NOT NULL AND p.id IS NULL AS lost
    FROM decision d LEFT JOIN planned p ON p.id = d.delivery_id
),
audited AS (
  INSERT INTO audit_events (at, type, customer_id, campaign_id, delivery_id, channel, reason,
    policy_version, actor, data)
  SELECT $1, CASE WHEN j.lost THEN 'decision.skip' ELSE j.type END, j.customer_id, $2,
         CASE WHEN j.lost THEN NULL ELSE j.delivery_id END,
         CASE WHEN j.lost THEN NULL ELSE j.channel END,
         CASE WHEN j.lost THEN 'already_contacted' ELSE j.reason END,
         j.policy_version, 'system',
         CASE WHEN j.lost
              THEN j.data || jsonb_build_object('detail', 'campaign ' || $2::uuid || ' step ' || (j.data->>'step'))
              ELSE j.data END
    FROM judged j ORDER BY j.ord
)
SELECT (count(*) FILTER (WHERE type = 'decision.send'))::int AS send,
       (count(*) FILTER (WHERE type = 'decision.defer'))::int AS defer
  FROM judged WHERE lost`;

/**
 * The statement's parameters for one planned batch, built in one pass so the decision objects
 * can be collected as soon as the strings exist.
 */
function writeParams(
  setup: PlanningSetup,
  now: Date,
  planned: PlannedBatch,
): { params: unknown[]; summary: BatchSummary } {
  const c = setup.campaign;
  const a = planned.audits;
  const d = planned.deliveries;
  return {
    params: [
      now,
      c.id,
      textArray(a.map((r) => r.type)),
      plainArray(a.map((r) => r.customerId)),
      plainArray(a.map((r) => r.deliveryId)),
      textArray(a.map((r) => r.channel)),
      textArray(a.map((r) => r.reason)),
      plainArray(a.map((r) => r.policyVersion)),
      JSON.stringify(a.map((r) => r.data)),
      setup.category,
      c.topic,
      c.goal,
      plainArray(d.map((r) => r.id)),
      plainArray(d.map((r) => r.step)),
      plainArray(d.map((r) => r.customerId)),
      textArray(d.map((r) => r.channel)),
      plainArray(d.map((r) => r.isReminder)),
      textArray(d.map((r) => r.lapseId)),
      textArray(d.map((r) => r.templateName)),
      plainArray(d.map((r) => r.templateVersion)),
      plainArray(d.map((r) => r.policyVersion)),
      plainArray(d.map((r) => r.consentEventId)),
      plainArray(d.map((r) => r.notBefore.getTime())),
    ],
    summary: { decided: a.length, counts: { ...planned.counts } },
  };
}

import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { AudiencesService } from '../audiences/audiences.service';
import { Clock } from '../common/clock';
import { lockContacts } from '../common/contact-lock';
import { safeError } from '../common/log-safety';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { PoliciesService } from '../policy/policies.service';
import { CampaignMoves } from './campaign-moves.port';
import { DecisionContextLoader } from './decision-context.loader';
import { laneEnd } from './lanes';
import { planBatch, type PlanItem } from './plan-batch';
import { DEFAULT_PLANNER_OPTIONS, PLANNER_OPTIONS, type PlannerOptions } from './planner-options';
import { campaignToPlan, messageOf, planningSetup, type PlanningSetup } from './planning-setup';
import { ACTIVE_TRIGGER_CAMPAIGNS } from './sql/campaigns';
import {
  ADVANCE_LANE,
  DUE_STEPS,
  LOCK_LANE,
  LOCK_PLANNING_STEP,
  STEP_OPEN,
  type DueStepRow,
  type LaneCheckpointRow,
  type LaneRow,
} from './sql/steps';
import { WRITE_BATCH, writeBatch, type LostRow } from './sql/write-batch';
import { countDecisions } from '../common/instruments';
import { finishStep, lanesOfStep, startStep } from './step-moves';
import {
  addBatch,
  countLost,
  emptyStepReport,
  type BatchSummary,
  type StepReport,
  type TickReport,
} from './step-report';
import { inTransaction, onOwnConnection, withCampaignLock } from './transactions';
import { planTriggerBatch } from './trigger-batch';

export interface PlanStepOptions {
  batchSize?: number;
  /** Called after each committed batch (tests: simulate a crash by throwing). */
  afterBatch?: (batch: number) => void | Promise<void>;
}

/** Campaign statuses the planner plans for. */
const PLANNABLE = ['scheduled', 'running'];

/**
 * The planner: turns due campaign steps and trigger events into decisions, deliveries (budget
 * reservations) and audit rows. Several instances may run it against one database: planning of
 * one campaign is serialised with an advisory lock, and a batch takes its customers' contact locks
 * before reading their contact history, so concurrent campaigns never overbook a customer.
 *
 * The flow: tick → plan a step → plan a lane → plan a batch (decide and write).
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
    private readonly audit: AuditWriter,
    private readonly moves: CampaignMoves,
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
    const due: DueStepRow[] = await this.dataSource.query(DUE_STEPS, [this.clock.now()]);
    for (const s of due) {
      if (this.stopped) break;
      report.steps.push(await this.planStep(s.campaign_id, s.step));
    }
    const triggers: { id: string }[] = await this.dataSource.query(ACTIVE_TRIGGER_CAMPAIGNS);
    for (const c of triggers) {
      if (this.stopped) break;
      report.triggers.push(await this.planTriggers(c.id));
    }
    report.completed = await this.dataSource.transaction((m) =>
      this.moves.completeFinished(m, this.clock.now()),
    );
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
    const report = emptyStepReport(campaignId, step);
    const limit = opts.batchSize ?? this.options.batchSize;
    const planned = await withCampaignLock(this.dataSource, campaignId, async (qr) => {
      const setup = await this.setup(campaignId, qr.manager);
      if (setup === null) return report;
      const open: { n: number }[] = await qr.manager.query(STEP_OPEN, [campaignId, step]);
      if (!open.length) return report;
      await inTransaction(qr, (m) =>
        startStep(m, this.moves, this.audiences, setup.campaign, step, this.clock.now()),
      );
      // A resumed step keeps the lanes it started with.
      const lanes = await lanesOfStep(qr.manager, campaignId, step, this.options.lanes);
      if ((await this.planLanes(setup, step, lanes, limit, report, opts)) === 'stopped') {
        report.outcome = 'stopped';
        return report;
      }
      const finished = await inTransaction(qr, async (m) => {
        const rows: { n: number }[] = await m.query(LOCK_PLANNING_STEP, [campaignId, step]);
        if (!rows.length) return false;
        await finishStep(m, this.audit, setup.campaign, step, this.clock.now());
        return true;
      });
      report.outcome = finished ? 'planned' : 'stopped';
      if (finished)
        this.logger.log({ campaignId, step, decided: report.decided }, 'campaign step planned');
      return report;
    });
    return planned ?? locked(report);
  }

  /**
   * The step's unfinished lanes side by side; the first failure stops the others after their
   * batch and is rethrown. Stopped when any lane was (pause, cancel, shutdown).
   */
  private async planLanes(
    setup: PlanningSetup,
    step: number,
    lanes: readonly LaneRow[],
    limit: number,
    report: StepReport,
    opts: PlanStepOptions,
  ): Promise<'done' | 'stopped'> {
    const abort = { reason: null as unknown };
    const results = await Promise.allSettled(
      lanes
        .filter((l) => !l.done)
        .map((l) => this.planLane(setup, step, l.lane, l.lanes, limit, report, abort, opts)),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const stopped = results.some((r) => r.status === 'fulfilled' && r.value === 'stopped');
    return stopped || this.stopped ? 'stopped' : 'done';
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
    const message = messageOf(setup, step, false);
    const templateVersion = c.template_version ?? 1;
    return onOwnConnection(this.dataSource, async (qr) => {
      try {
        for (;;) {
          if (this.stopped || abort.reason !== null) return 'stopped';
          const result = await inTransaction(qr, async (m) => {
            const [checkpoint]: LaneCheckpointRow[] = await m.query(LOCK_LANE, [c.id, step, lane]);
            if (!checkpoint) return 'stopped' as const;
            if (checkpoint.done) return 'done' as const;
            const page = await this.audiences.page(c.audience, checkpoint.cursor, limit, m);
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
            await m.query(ADVANCE_LANE, [c.id, step, lane, ids.at(-1) ?? null, done]);
            return { planned, done };
          });
          if (result === 'stopped' || result === 'done') return result;
          if (result.planned !== null) {
            addBatch(report, result.planned);
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
      }
    });
  }

  /**
   * Trigger campaigns: new customer events since the campaign's watermark (purchase,
   * satisfaction ≥ minScore), customers who became lapsed, and review reminders that fell due,
   * each planned for its single customer with notBefore = event time + delay. Steps are
   * per-customer occurrence numbers, so "one message per customer per step" still holds.
   */
  async planTriggers(campaignId: string): Promise<StepReport> {
    const report = emptyStepReport(campaignId, 0);
    const planned = await withCampaignLock(this.dataSource, campaignId, async (qr) => {
      const setup = await this.setup(campaignId, qr.manager);
      const schedule = setup?.campaign.schedule;
      if (!setup || schedule?.type !== 'trigger') return report;
      await inTransaction(qr, (m) =>
        startStep(m, this.moves, this.audiences, setup.campaign, 0, this.clock.now()),
      );
      const result = await inTransaction(qr, (m) => {
        const now = this.clock.now();
        return planTriggerBatch(m, setup, schedule, now, (ids, items) =>
          this.decideAndWrite(m, setup, ids, items, now),
        );
      });
      report.outcome = 'planned';
      if (result !== null) addBatch(report, result);
      return report;
    });
    return planned ?? locked(report);
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
    const campaign = { ...setup.campaign, category: setup.category };
    const planned = planBatch(items, contexts, setup.policies);
    countDecisions(planned.audits);
    const { params, summary } = writeBatch(campaign, now, planned);
    if (summary.decided === 0) return summary;
    const [lost]: LostRow[] = await m.query(WRITE_BATCH, params);
    countLost(summary, lost);
    return summary;
  }

  /** The campaign, when plannable, under the policies in force. */
  private async setup(campaignId: string, m: EntityManager): Promise<PlanningSetup | null> {
    const campaign = await campaignToPlan(m, campaignId, PLANNABLE);
    if (campaign === null) return null;
    const [consumer, business] = await Promise.all([
      this.policiesService.current('consumer'),
      this.policiesService.current('business'),
    ]);
    return planningSetup(campaign, { consumer: consumer.policy, business: business.policy });
  }
}

const locked = (report: StepReport): StepReport => {
  report.outcome = 'locked';
  return report;
};

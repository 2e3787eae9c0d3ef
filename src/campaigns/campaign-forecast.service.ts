import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { compileAudience } from '../audiences/compile-audience';
import { validateAudience, type AudienceFilter } from '../audiences/audience-filter';
import { AudiencesService } from '../audiences/audiences.service';
import { Clock } from '../common/clock';
import { isDomainError } from '../common/domain-error';
import { DecisionContextLoader } from '../planning/decision-context.loader';
import {
  DEFAULT_PLANNER_OPTIONS,
  PLANNER_OPTIONS,
  type PlannerOptions,
} from '../planning/planner-options';
import { firstDueAt, scheduleProblems, type Schedule } from '../planning/schedule';
import {
  arbitrate,
  decide,
  forecast,
  plannedContact,
  requiredHistoryDays,
  type CampaignMessage,
  type Channel,
  emptyForecast,
  type Category,
  type ContactPolicy,
  type ContactRecord,
  type CustomerKind,
  type Decision,
  type DecisionInput,
  type ForecastResult,
  type ReasonCode,
} from '../policy/engine';
import { PoliciesService } from '../policy/policies.service';
import { noCallsWarning } from './campaign-rules';
import { CampaignsService } from './campaigns.service';
import type { CampaignView } from './campaign-view';
import { TemplatePort, type ContentCheckResult } from './ports';

const BATCH = 500;

const TOPIC_CATEGORY = `SELECT category FROM topics WHERE key = $1`;
const TOPIC_CATEGORY_AND_CADENCE = `SELECT category, cadence_days FROM topics WHERE key = $1`;

/** The campaign's first step still to plan, if any. */
const NEXT_OPEN_STEP = `SELECT step, due_at FROM campaign_steps WHERE campaign_id = $1 AND status IN ('pending', 'planning')
       ORDER BY step LIMIT 1`;
const LAST_STEP = `SELECT max(step) AS n FROM campaign_steps WHERE campaign_id = $1`;

/** Launched, non-trigger campaigns other than $1 whose next open step is due by $2, in due order. */
const COMPETING_CAMPAIGNS = `SELECT c.id, c.name, c.topic, c.goal, c.channels, c.priority, c.audience, c.effective_at, c.holdout_percent,
              c.launched_at, t.category, t.cadence_days, s.step, s.due_at
         FROM campaigns c
         JOIN topics t ON t.key = c.topic
         JOIN LATERAL (
           SELECT step, due_at FROM campaign_steps
            WHERE campaign_id = c.id AND status IN ('pending', 'planning')
            ORDER BY step LIMIT 1
         ) s ON true
        WHERE c.id <> $1 AND c.status IN ('scheduled', 'running')
          AND c.schedule->>'type' <> 'trigger' AND s.due_at <= $2
        ORDER BY s.due_at, c.priority DESC, c.id`;

/** Which of the ids $1 (not erased) match a compiled audience filter `where`. */
const audienceMembers = (where: string) =>
  `SELECT c.id FROM customers c WHERE c.id = ANY($1::uuid[]) AND c.erased_at IS NULL AND ${where}`;

/** A launched campaign whose next step plans before ours or in the same tick. */
interface Competitor {
  id: string;
  name: string;
  priority: number;
  step: number;
  /** When it plans: its step's due time, or now when already due. */
  plansAt: Date;
  audience: AudienceFilter;
  message: CampaignMessage;
}

export interface CampaignForecast extends ForecastResult {
  /** The moment the forecast decides for: the first (or next) step's due time, or now. */
  at: Date;
  step: number;
  competitors: { id: string; name: string; priority: number; step: number; plansAt: Date }[];
  content?: ContentCheckResult;
  contentProblems?: string[];
  /** Calls the engine plans (channels.voice): business contacts only. */
  calls: number;
  warnings: string[];
}

interface CompetitorRow {
  id: string;
  name: string;
  topic: string;
  goal: CampaignMessage['goal'];
  channels: CampaignMessage['channels'];
  priority: number;
  audience: AudienceFilter;
  effective_at: Date | null;
  holdout_percent: number;
  launched_at: Date | null;
  category: Category;
  cadence_days: number | null;
  step: number;
  due_at: Date;
}

/**
 * What launching (or the next step of) a campaign would do, customer by customer, through the
 * policy engine over the audience as it stands: send, defer or skip by reason. Read-only: it
 * runs in a READ ONLY transaction on one snapshot.
 *
 * Other campaigns count as follows: their planned deliveries are already contact history; a
 * launched campaign whose pending step is due before ours plans first (decided in due order,
 * its contacts added to the history); one due in the same tick competes by priority through
 * the engine's arbitrate. Trigger campaigns are left out: who they reach depends on events
 * that have not happened yet.
 */
@Injectable()
export class CampaignForecastService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly campaigns: CampaignsService,
    private readonly audiences: AudiencesService,
    private readonly loader: DecisionContextLoader,
    private readonly policies: PoliciesService,
    private readonly templates: TemplatePort,
    @Optional() @Inject(PLANNER_OPTIONS) private readonly plannerOptions?: Partial<PlannerOptions>,
  ) {}

  /** The planner's double opt-in rule, so that the forecast decides as the planner will. */
  private get doubleOptIn(): PlannerOptions['doubleOptIn'] {
    return this.plannerOptions?.doubleOptIn ?? DEFAULT_PLANNER_OPTIONS.doubleOptIn;
  }

  async forecast(id: string): Promise<CampaignForecast> {
    const campaign = await this.campaigns.get(id);
    const now = this.clock.now();
    const [consumer, business] = await Promise.all([
      this.policies.current('consumer'),
      this.policies.current('business'),
    ]);
    const policies: Record<CustomerKind, ContactPolicy> = {
      consumer: consumer.policy,
      business: business.policy,
    };
    const content = await this.contentCheck(campaign);

    const result = await this.dataSource.transaction('REPEATABLE READ', async (m) => {
      await m.query('SET TRANSACTION READ ONLY');
      const [topic]: { category: Category; cadence_days: number | null }[] = await m.query(
        TOPIC_CATEGORY_AND_CADENCE,
        [campaign.topic],
      );
      const { step, at } = await this.nextStep(campaign, now, m);
      const message: CampaignMessage = {
        campaignId: campaign.id,
        step,
        topic: campaign.topic,
        category: topic.category,
        cadenceDays: topic.cadence_days,
        goal: campaign.goal,
        channels: campaign.channels,
        priority: campaign.priority,
        launchedAt: campaign.launchedAt,
        effectiveAt: campaign.effectiveAt,
        isReminder: false,
        holdoutPercent: campaign.holdoutPercent,
      };
      const competitors = await this.competitors(campaign.id, now, at, m);
      let longestCadence = topic.cadence_days ?? 0;
      for (const c of competitors)
        longestCadence = Math.max(longestCadence, c.message.cadenceDays ?? 0);
      const historyDays = Math.max(
        requiredHistoryDays(policies.consumer, longestCadence),
        requiredHistoryDays(policies.business, longestCadence),
      );

      const total = emptyForecast();
      let after: string | null = null;
      for (;;) {
        const ids = await this.audiences.page(campaign.audience, after, BATCH, m);
        if (ids.length === 0) break;
        after = ids[ids.length - 1];
        const contexts = await this.loader.load(ids, {
          now: at,
          historyDays,
          manager: m,
          doubleOptIn: this.doubleOptIn,
        });
        const membership = await Promise.all(
          competitors.map((c) => this.members(c.audience, ids, at, m)),
        );
        const inputs: DecisionInput[] = [];
        const rivals = new Map<string, DecisionInput[]>();
        const earlier = new Map<string, DecisionInput[]>();
        for (const cid of ids) {
          const ctx = contexts.get(cid);
          if (!ctx) continue;
          const base = {
            customer: ctx.customer,
            consent: ctx.consent,
            preferences: ctx.preferences,
            history: ctx.history,
            suppression: ctx.suppression,
            policy: policies[ctx.customer.kind],
          };
          inputs.push({ ...base, message, now: at });
          const before: DecisionInput[] = [];
          const same: DecisionInput[] = [];
          competitors.forEach((c, i) => {
            if (!membership[i].has(cid)) return;
            const input = { ...base, message: c.message, now: c.plansAt };
            if (c.plansAt.getTime() < at.getTime()) before.push(input);
            else same.push({ ...input, now: at });
          });
          if (before.length) earlier.set(cid, before);
          if (same.length) rivals.set(cid, same);
        }
        const batch = forecast(inputs, (input) =>
          decideAmong(input, earlier.get(input.customer.id), rivals.get(input.customer.id)),
        );
        merge(total, batch);
      }
      return {
        ...total,
        at,
        step,
        competitors: competitors.map((c) => ({
          id: c.id,
          name: c.name,
          priority: c.priority,
          step: c.step,
          plansAt: c.plansAt,
        })),
      };
    });
    const calls = result.channels.voice ?? 0;
    const warning = noCallsWarning(campaign.channels, calls);
    return { ...result, ...content, calls, warnings: warning === null ? [] : [warning] };
  }

  /** The step a forecast looks at and when it is decided (never before now). */
  private async nextStep(
    c: CampaignView,
    now: Date,
    m: EntityManager,
  ): Promise<{ step: number; at: Date }> {
    if (c.status === 'draft') {
      // An invalid schedule (say a `once` time now past) is reported at launch; forecast for now.
      const valid = scheduleProblems(c.schedule, now, c.goal).length === 0;
      const due = valid ? firstDueAt(c.schedule as Schedule, now) : now;
      return { step: 0, at: maxDate(due, now) };
    }
    const rows: { step: number; due_at: Date }[] = await m.query(NEXT_OPEN_STEP, [c.id]);
    if (rows.length) return { step: rows[0].step, at: maxDate(rows[0].due_at, now) };
    const [last]: { n: number | null }[] = await m.query(LAST_STEP, [c.id]);
    return { step: last?.n ?? 0, at: now };
  }

  /** Launched, non-trigger campaigns with a step that plans before or together with ours. */
  private async competitors(
    id: string,
    now: Date,
    at: Date,
    m: EntityManager,
  ): Promise<Competitor[]> {
    const rows: CompetitorRow[] = await m.query(COMPETING_CAMPAIGNS, [id, at]);
    return rows
      .filter((r) => validateAudience(r.audience).length === 0)
      .map((r) => ({
        id: r.id,
        name: r.name,
        priority: r.priority,
        step: r.step,
        plansAt: maxDate(r.due_at, now),
        audience: r.audience,
        message: {
          campaignId: r.id,
          step: r.step,
          topic: r.topic,
          category: r.category,
          cadenceDays: r.cadence_days,
          goal: r.goal,
          channels: r.channels,
          priority: r.priority,
          launchedAt: r.launched_at,
          effectiveAt: r.effective_at,
          isReminder: false,
          holdoutPercent: r.holdout_percent,
        },
      }));
  }

  /** Which of `ids` a competitor's audience holds, in one query. */
  private async members(
    filter: AudienceFilter,
    ids: readonly string[],
    now: Date,
    m: EntityManager,
  ): Promise<Set<string>> {
    const params: unknown[] = [ids];
    const where = compileAudience(filter, { now, params });
    const rows: { id: string }[] = await m.query(audienceMembers(where), params);
    return new Set(rows.map((r) => r.id));
  }

  private async contentCheck(
    c: CampaignView,
  ): Promise<{ content?: ContentCheckResult; contentProblems?: string[] }> {
    const [topic]: { category: Category }[] = await this.dataSource.query(TOPIC_CATEGORY, [
      c.topic,
    ]);
    if (topic?.category !== 'content') return {};
    try {
      const version = c.templateVersion ?? (await this.templates.latestVersion(c.template));
      if (version === null) return { contentProblems: [`template ${c.template} does not exist`] };
      return {
        content: await this.templates.sampleContentCheck(c.template, version, c.channels, {
          name: c.name,
          topic: c.topic,
          goal: c.goal,
          effectiveAt: c.effectiveAt,
        }),
      };
    } catch (err) {
      // The template cannot render for a sample customer: shown with the forecast, not a 400.
      if (isDomainError(err, 'invalid')) return { contentProblems: err.messages };
      throw err;
    }
  }
}

/**
 * Our campaign's decision for one customer: campaigns that plan earlier go first in order,
 * their contacts joining the history; campaigns in the same tick compete through arbitrate.
 */
function decideAmong(
  input: DecisionInput,
  earlier: DecisionInput[] | undefined,
  rivals: DecisionInput[] | undefined,
): Decision {
  let history: readonly ContactRecord[] = input.history;
  for (const e of earlier ?? []) {
    const d = decide({ ...e, history });
    const contact = plannedContact(e, d);
    if (contact !== null) history = [...history, contact];
  }
  const mine = { ...input, history };
  if (!rivals || rivals.length === 0) return decide(mine);
  const results = arbitrate([mine, ...rivals.map((r) => ({ ...r, history }))]);
  return results[0].decision;
}

function addCounts(
  into: Partial<Record<ReasonCode, number>>,
  from: Partial<Record<ReasonCode, number>>,
) {
  for (const [k, n] of Object.entries(from) as [ReasonCode, number][]) into[k] = (into[k] ?? 0) + n;
}

function merge(total: ForecastResult, batch: ForecastResult): void {
  total.audience += batch.audience;
  total.send += batch.send;
  total.defer += batch.defer;
  addCounts(total.skip, batch.skip);
  addCounts(total.deferReasons, batch.deferReasons);
  for (const [k, n] of Object.entries(batch.channels) as [Channel, number][])
    total.channels[k] = (total.channels[k] ?? 0) + n;
  if (
    batch.earliestSendAt &&
    (!total.earliestSendAt || batch.earliestSendAt < total.earliestSendAt)
  )
    total.earliestSendAt = batch.earliestSendAt;
  if (batch.latestSendAt && (!total.latestSendAt || batch.latestSendAt > total.latestSendAt))
    total.latestSendAt = batch.latestSendAt;
}

const maxDate = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);

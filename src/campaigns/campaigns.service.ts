import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { isUuid, parseStorableInstant } from '../common/strict-values';
import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { cancelPlanned } from '../planned-deliveries/cancel-planned';
import { Clock } from '../common/clock';
import type { Category, Channel, Goal } from '../policy/engine';
import { PoliciesService } from '../policy/policies.service';
import { channelProblems, goalTopicProblem, type CampaignStatus } from './campaign-rules';
import type { CreateCampaignDto, ListCampaignsQuery, PatchCampaignDto } from './campaign.dto';
import { AudiencesService } from '../audiences/audiences.service';
import { TemplatePort, type ContentCheckResult } from './ports';
import { firstDueAt, parseInstant, scheduleProblems, type Schedule } from './schedule';
import {
  DELIVERY_COUNTS_BY_CAMPAIGN,
  progressFrom,
  rowsByCampaign,
  SKIP_COUNTS_BY_CAMPAIGN,
  sizedAudience,
  STEPS_OF_CAMPAIGNS,
  type CampaignProgress,
  type DeliveryCountRow,
  type SkipCountRow,
  type StepRow,
} from './campaign-progress';

export { UNKNOWN_MEANING, type CampaignProgress } from './campaign-progress';

export interface CampaignView {
  id: string;
  name: string;
  topic: string;
  goal: Goal;
  template: string;
  /** Pinned at launch; null while in draft. */
  templateVersion: number | null;
  reminderTemplateVersion: number | null;
  channels: Channel[];
  priority: number;
  audience: Record<string, unknown>;
  schedule: Schedule;
  effectiveAt: Date | null;
  status: CampaignStatus;
  acknowledgedWarnings: boolean;
  contentCheck: ContentCheckResult | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  launchedAt: Date | null;
  finishedAt: Date | null;
}

interface CampaignRow {
  id: string;
  name: string;
  topic: string;
  goal: Goal;
  template_name: string;
  template_version: number | null;
  reminder_template_version: number | null;
  channels: Channel[];
  priority: number;
  audience: Record<string, unknown>;
  schedule: Schedule;
  effective_at: Date | null;
  status: CampaignStatus;
  paused_from: 'scheduled' | 'running' | null;
  acknowledged_warnings: boolean;
  content_check: ContentCheckResult | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  launched_at: Date | null;
  finished_at: Date | null;
}

export const toCampaignView = (r: CampaignRow): CampaignView => ({
  id: r.id,
  name: r.name,
  topic: r.topic,
  goal: r.goal,
  template: r.template_name,
  templateVersion: r.template_version,
  reminderTemplateVersion: r.reminder_template_version,
  channels: r.channels,
  priority: r.priority,
  audience: r.audience,
  schedule: r.schedule,
  effectiveAt: r.effective_at,
  status: r.status,
  acknowledgedWarnings: r.acknowledged_warnings,
  contentCheck: r.content_check,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  launchedAt: r.launched_at,
  finishedAt: r.finished_at,
});

/** A campaign as the marketer defines it (create, or a draft after a patch). */
export interface CampaignDefinition {
  name: string;
  topic: string;
  goal: Goal;
  template: string;
  channels: Channel[];
  priority: number;
  audience: Record<string, unknown>;
  schedule: Record<string, unknown>;
  effectiveAt: string | null;
}

export interface LaunchResult {
  campaign: CampaignView;
  step: { step: number; dueAt: Date };
}

const PAGE = 50;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Which lifecycle moves are allowed from where; everything else is a 409.
const TRANSITIONS: Record<'pause' | 'resume' | 'cancel', readonly CampaignStatus[]> = {
  pause: ['scheduled', 'running'],
  resume: ['paused'],
  cancel: ['draft', 'scheduled', 'running', 'paused'],
};

@Injectable()
export class CampaignsService {
  private readonly logger = new Logger(CampaignsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
    private readonly policies: PoliciesService,
    private readonly audiences: AudiencesService,
    private readonly templates: TemplatePort,
  ) {}

  async create(dto: CreateCampaignDto, actor: string): Promise<CampaignView> {
    return this.createDraft(
      {
        name: dto.name,
        topic: dto.topic,
        goal: dto.goal,
        template: dto.template,
        channels: dto.channels,
        priority: dto.priority ?? 50,
        audience: dto.audience,
        schedule: dto.schedule,
        effectiveAt: dto.effectiveAt ?? null,
      },
      actor,
    );
  }

  /** A new draft from a definition (the API's body, or a ready example). */
  async createDraft(def: CampaignDefinition, actor: string): Promise<CampaignView> {
    return this.dataSource.transaction(async (m) => {
      const now = this.clock.now();
      await this.check(def, now, m);
      const [row]: CampaignRow[] = await m.query(
        `INSERT INTO campaigns (name, topic, goal, template_name, channels, priority, audience, schedule,
                                effective_at, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING *`,
        [
          def.name,
          def.topic,
          def.goal,
          def.template,
          def.channels,
          def.priority,
          JSON.stringify(def.audience),
          JSON.stringify(def.schedule),
          def.effectiveAt,
          actor,
          now,
        ],
      );
      const view = toCampaignView(row);
      await this.audit.record(
        { type: 'campaign.created', campaignId: view.id, actor, at: now, data: { after: view } },
        m,
      );
      this.logger.log({ campaignId: view.id }, 'campaign created');
      return view;
    });
  }

  async get(id: string, manager?: EntityManager): Promise<CampaignView> {
    return toCampaignView(await this.row(id, manager));
  }

  async list(q: ListCampaignsQuery): Promise<{ items: CampaignView[]; nextCursor: string | null }> {
    const limit = Math.max(1, Math.min(Number(q.limit ?? PAGE) || PAGE, 200));
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.status) where.push(`status = $${params.push(q.status)}`);
    if (q.goal) where.push(`goal = $${params.push(q.goal)}`);
    if (q.topic) where.push(`topic = $${params.push(q.topic)}`);
    if (q.cursor) {
      const [at, id] = decodeCursor(q.cursor);
      where.push(
        `(created_at, id) < ($${params.push(at)}::timestamptz, $${params.push(id)}::uuid)`,
      );
    }
    const rows: CampaignRow[] = await this.dataSource.query(
      `SELECT * FROM campaigns ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toCampaignView),
      nextCursor: rows.length > limit ? encodeCursor(last.created_at, last.id) : null,
    };
  }

  async update(id: string, dto: PatchCampaignDto, actor: string): Promise<CampaignView> {
    return this.dataSource.transaction(async (m) => {
      const beforeRow = await this.row(id, m, true);
      if (beforeRow.status !== 'draft')
        throw new ConflictException([
          `campaign ${id} is ${beforeRow.status}; only a draft can be changed`,
        ]);
      const before = toCampaignView(beforeRow);
      const def: CampaignDefinition = {
        name: dto.name ?? before.name,
        topic: dto.topic ?? before.topic,
        goal: dto.goal ?? before.goal,
        template: dto.template ?? before.template,
        channels: dto.channels ?? before.channels,
        priority: dto.priority ?? before.priority,
        audience: dto.audience ?? before.audience,
        schedule: dto.schedule ?? (before.schedule as unknown as Record<string, unknown>),
        effectiveAt:
          dto.effectiveAt === undefined
            ? (before.effectiveAt?.toISOString() ?? null)
            : dto.effectiveAt,
      };
      const now = this.clock.now();
      await this.check(def, now, m);
      const [[row]]: [CampaignRow[], number] = await m.query(
        `UPDATE campaigns SET name = $2, topic = $3, goal = $4, template_name = $5, channels = $6,
                priority = $7, audience = $8, schedule = $9, effective_at = $10, updated_at = $11
         WHERE id = $1 RETURNING *`,
        [
          id,
          def.name,
          def.topic,
          def.goal,
          def.template,
          def.channels,
          def.priority,
          JSON.stringify(def.audience),
          JSON.stringify(def.schedule),
          def.effectiveAt,
          now,
        ],
      );
      const after = toCampaignView(row);
      await this.audit.record(
        {
          type: 'campaign.updated',
          campaignId: id,
          actor,
          at: now,
          data: { changed: Object.keys(dto), before, after },
        },
        m,
      );
      return after;
    });
  }

  /**
   * draft → scheduled: re-checks the definition at this moment, pins the template version,
   * runs the content check for content topics (a high score needs acknowledgeWarnings) and
   * writes step 0, due now, at the `once` time or at the next cron run.
   */
  async launch(id: string, acknowledgeWarnings: boolean, actor: string): Promise<LaunchResult> {
    return this.dataSource.transaction(async (m) => {
      const before = toCampaignView(await this.row(id, m, true));
      if (before.status !== 'draft')
        throw new ConflictException([
          `campaign ${id} is ${before.status}; only a draft can be launched`,
        ]);
      const now = this.clock.now();
      const category = await this.check(definitionOf(before), now, m);
      const templateVersion = await this.templates.latestVersion(before.template);
      if (templateVersion === null)
        throw new BadRequestException([`template ${before.template} does not exist`]);
      let reminderVersion: number | null = null;
      if (before.schedule.type === 'trigger' && before.schedule.reminder) {
        reminderVersion = await this.templates.latestVersion(before.schedule.reminder.template);
        if (reminderVersion === null)
          throw new BadRequestException([
            `schedule.reminder.template ${before.schedule.reminder.template} does not exist`,
          ]);
      }
      let content: ContentCheckResult | null = null;
      if (category === 'content') {
        content = await this.templates.sampleContentCheck(
          before.template,
          templateVersion,
          before.channels,
          {
            name: before.name,
            topic: before.topic,
            goal: before.goal,
            effectiveAt: before.effectiveAt,
          },
        );
        if (content.level === 'high' && !acknowledgeWarnings)
          throw new BadRequestException([
            `acknowledgeWarnings: the content check scored ${content.score} (high): ${describeFindings(content)}; launch with "acknowledgeWarnings": true to send it anyway`,
          ]);
      }
      const dueAt = firstDueAt(before.schedule, now);
      const [[row]]: [CampaignRow[], number] = await m.query(
        `UPDATE campaigns SET status = 'scheduled', template_version = $2, reminder_template_version = $3,
                acknowledged_warnings = $4, content_check = $5, launched_at = $6, updated_at = $6
         WHERE id = $1 RETURNING *`,
        [
          id,
          templateVersion,
          reminderVersion,
          acknowledgeWarnings,
          content === null ? null : JSON.stringify(content),
          now,
        ],
      );
      await m.query(`INSERT INTO campaign_steps (campaign_id, step, due_at) VALUES ($1, 0, $2)`, [
        id,
        dueAt,
      ]);
      const after = toCampaignView(row);
      await this.audit.record(
        {
          type: 'campaign.launched',
          campaignId: id,
          actor,
          at: now,
          data: {
            from: 'draft',
            to: 'scheduled',
            templateVersion,
            reminderTemplateVersion: reminderVersion,
            firstDueAt: dueAt.toISOString(),
            acknowledgeWarnings,
            contentCheck: content,
          },
        },
        m,
      );
      this.logger.log({ campaignId: id, dueAt }, 'campaign launched');
      return { campaign: after, step: { step: 0, dueAt } };
    });
  }

  async pause(id: string, actor: string): Promise<CampaignView> {
    return this.transition(id, 'pause', actor, async (m, before, now) => {
      const [[row]]: [CampaignRow[], number] = await m.query(
        `UPDATE campaigns SET status = 'paused', paused_from = status, updated_at = $2
         WHERE id = $1 RETURNING *`,
        [id, now],
      );
      return { row, data: { from: before.status, to: 'paused' } };
    });
  }

  async resume(id: string, actor: string): Promise<CampaignView> {
    return this.transition(id, 'resume', actor, async (m, before, now) => {
      const to = before.paused_from ?? 'scheduled';
      const [[row]]: [CampaignRow[], number] = await m.query(
        `UPDATE campaigns SET status = $2, paused_from = NULL, updated_at = $3
         WHERE id = $1 RETURNING *`,
        [id, to, now],
      );
      return { row, data: { from: 'paused', to } };
    });
  }

  /**
   * Cancels the campaign, its pending steps and every delivery not yet handed to a sender, with
   * a `delivery.cancelled` audit row each, in one transaction. A `sending` row is already
   * claimed by a sender and finishes its course.
   */
  async cancel(id: string, actor: string): Promise<CampaignView> {
    return this.transition(id, 'cancel', actor, async (m, before, now) => {
      const [[row]]: [CampaignRow[], number] = await m.query(
        `UPDATE campaigns SET status = 'cancelled', paused_from = NULL, finished_at = $2, updated_at = $2
         WHERE id = $1 RETURNING *`,
        [id, now],
      );
      await m.query(
        `UPDATE campaign_steps SET status = 'cancelled', finished_at = $2
         WHERE campaign_id = $1 AND status IN ('pending', 'planning')`,
        [id, now],
      );
      const n = await cancelPlanned(
        m,
        { campaignId: id, reason: 'campaign_cancelled' },
        actor,
        now,
      );
      return { row, data: { from: before.status, to: 'cancelled', cancelledDeliveries: n } };
    });
  }

  async progress(id: string): Promise<CampaignProgress> {
    const c = await this.row(id);
    const [p] = await this.progressOf([{ id: c.id, status: c.status, audience: c.audience }]);
    return p;
  }

  /**
   * The progress of many campaigns (a list page) in three statements, by the same rules as
   * `progress(id)`; in the order given. Only a campaign whose steps the planner has not sized
   * yet costs one audience count of its own.
   */
  async progressOf(
    campaigns: readonly Pick<CampaignView, 'id' | 'status' | 'audience'>[],
  ): Promise<CampaignProgress[]> {
    if (!campaigns.length) return [];
    const ids = campaigns.map((c) => c.id);
    const now = this.clock.now();
    const steps: StepRow[] = await this.dataSource.query(STEPS_OF_CAMPAIGNS, [ids]);
    const counts: DeliveryCountRow[] = await this.dataSource.query(DELIVERY_COUNTS_BY_CAMPAIGN, [
      ids,
      now,
    ]);
    const skips: SkipCountRow[] = await this.dataSource.query(SKIP_COUNTS_BY_CAMPAIGN, [ids]);
    const rows = rowsByCampaign(ids, steps, counts, skips);
    return Promise.all(
      campaigns.map(async (c) => {
        const own = rows.get(c.id) ?? { steps: [], counts: [], skips: [] };
        const audienceNow =
          sizedAudience(own.steps) === null ? await this.audiences.count(c.audience) : 0;
        return progressFrom(c.status, own, audienceNow);
      }),
    );
  }

  private async transition(
    id: string,
    action: 'pause' | 'resume' | 'cancel',
    actor: string,
    apply: (
      m: EntityManager,
      before: CampaignRow,
      now: Date,
    ) => Promise<{ row: CampaignRow; data: Record<string, unknown> }>,
  ): Promise<CampaignView> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.row(id, m, true);
      if (!TRANSITIONS[action].includes(before.status))
        throw new ConflictException([
          `campaign ${id} is ${before.status}; it can be ${pastTense(action)} only when ${TRANSITIONS[
            action
          ].join(' or ')}`,
        ]);
      const now = this.clock.now();
      const { row, data } = await apply(m, before, now);
      await this.audit.record(
        { type: `campaign.${pastTense(action)}`, campaignId: id, actor, at: now, data },
        m,
      );
      this.logger.log({ campaignId: id }, `campaign ${pastTense(action)}`);
      return toCampaignView(row);
    });
  }

  private async row(id: string, manager?: EntityManager, lock = false): Promise<CampaignRow> {
    const rows: CampaignRow[] = await (manager ?? this.dataSource.manager).query(
      // NO KEY UPDATE: serialises lifecycle changes without blocking the planner's deliveries
      // inserts (their foreign key takes KEY SHARE on this row), which would deadlock a cancel
      // waiting for the batch's step row.
      `SELECT * FROM campaigns WHERE id = $1 ${lock ? 'FOR NO KEY UPDATE' : ''}`,
      [id],
    );
    if (!rows.length) throw new NotFoundException([`campaign ${id} not found`]);
    return rows[0];
  }

  /**
   * Everything about a definition that needs the database or the clock; all problems are
   * reported at once (400), each naming its field. Returns the topic's category.
   */
  async check(def: CampaignDefinition, now: Date, m: EntityManager): Promise<Category> {
    const errors: string[] = [];
    const topics: { category: Category; archived_at: Date | null }[] = await m.query(
      `SELECT category, archived_at FROM topics WHERE key = $1 FOR SHARE`,
      [def.topic],
    );
    const topic = topics[0];
    if (!topic) errors.push(`topic ${def.topic} does not exist`);
    else if (topic.archived_at) errors.push(`topic ${def.topic} is archived`);
    else {
      const p = goalTopicProblem(def.goal, def.topic, topic.category);
      if (p) errors.push(`topic: ${p}`);
      errors.push(...channelProblems(def.channels, topic.category, def.audience));
    }
    if ((await this.templates.latestVersion(def.template)) === null)
      errors.push(`template ${def.template} does not exist`);
    // Also refuses unknown topics in subscribedTo, which would silently match only '*' consents.
    errors.push(...(await this.audiences.validate(def.audience, m)));
    const scheduleErrors = scheduleProblems(def.schedule, now, def.goal);
    errors.push(...scheduleErrors);
    const schedule = def.schedule as unknown as Schedule;
    if (
      scheduleErrors.length === 0 &&
      schedule.type === 'trigger' &&
      schedule.reminder !== undefined &&
      (await this.templates.latestVersion(schedule.reminder.template)) === null
    )
      errors.push(`schedule.reminder.template ${schedule.reminder.template} does not exist`);
    if (def.goal === 'announcement') {
      const effective = def.effectiveAt === null ? null : parseInstant(def.effectiveAt);
      if (effective === null)
        errors.push('effectiveAt is required for announcements (an ISO 8601 time with an offset)');
      else if (scheduleErrors.length === 0) {
        const days = await this.noticeDays();
        // The notice counts from the first send, not from the moment the draft is saved.
        const from = Math.max(now.getTime(), firstDueAt(schedule, now).getTime());
        if (effective.getTime() - from < days * DAY)
          errors.push(
            `effectiveAt notice_too_short: the change must take effect at least ${days} days after the first message (policy announcementNoticeDays); earliest ${new Date(from + days * DAY).toISOString()}`,
          );
      }
    } else if (def.effectiveAt !== null) {
      errors.push('effectiveAt is only for announcement campaigns');
    }
    if (errors.length) throw new BadRequestException(errors);
    return (topic as { category: Category }).category;
  }

  /** The stricter notice of the two policies: an announcement reaches both kinds. */
  private async noticeDays(): Promise<number> {
    const [consumer, business] = await Promise.all([
      this.policies.current('consumer'),
      this.policies.current('business'),
    ]);
    return Math.max(consumer.policy.announcementNoticeDays, business.policy.announcementNoticeDays);
  }
}

const definitionOf = (c: CampaignView): CampaignDefinition => ({
  name: c.name,
  topic: c.topic,
  goal: c.goal,
  template: c.template,
  channels: c.channels,
  priority: c.priority,
  audience: c.audience,
  schedule: c.schedule as unknown as Record<string, unknown>,
  effectiveAt: c.effectiveAt?.toISOString() ?? null,
});

function pastTense(action: 'pause' | 'resume' | 'cancel'): 'paused' | 'resumed' | 'cancelled' {
  return action === 'pause' ? 'paused' : action === 'resume' ? 'resumed' : 'cancelled';
}

function describeFindings(c: ContentCheckResult): string {
  const shown = c.findings.slice(0, 10).map((f) => `${f.rule} "${f.phrase}"`);
  return shown.length ? shown.join(', ') : 'no details';
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v: unknown =
      typeof cursor === 'string' ? JSON.parse(Buffer.from(cursor, 'base64url').toString()) : null;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      parseStorableInstant(v[0], true) !== null &&
      isUuid(v[1])
    )
      return [v[0] as string, v[1]];
  } catch {
    // fall through to the 400
  }
  throw new BadRequestException(['cursor is not valid']);
}

import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AudiencesService } from '../audiences/audiences.service';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { conflict, invalid } from '../common/domain-error';
import { cancelPlanned } from '../planned-deliveries/cancel-planned';
import { firstDueAt } from '../planning/schedule';
import { CampaignDefinitionCheck, definitionOf } from './campaign-definition';
import { callableAudience, noCallsWarning } from './campaign-rules';
import { hasAnnouncementTexts } from './announcement-texts';
import {
  allows,
  auditTypeOf,
  doneOf,
  refusal,
  targetOf,
  type CampaignAction,
} from './campaign-lifecycle';
import {
  ADD_FIRST_STEP,
  CANCEL_OPEN_STEPS,
  campaignRow,
  launchParams,
  MARK_CANCELLED,
  MARK_LAUNCHED,
  MARK_PAUSED,
  MARK_RESUMED,
  updateCampaign,
  ACKNOWLEDGE_GUARDRAIL,
} from './campaign-repository';
import { toCampaignView, type CampaignRow, type CampaignView } from './campaign-view';
import { TemplatePort, type ContentCheckResult } from './ports';

/** The marketer's moves that need no definition check. */
type PlainMove = Extract<CampaignAction, 'pause' | 'resume' | 'cancel'>;

export interface LaunchResult {
  campaign: CampaignView;
  step: { step: number; dueAt: Date };
  /** Business contacts in the audience who can be called now (0 without voice). */
  calls: number;
  /** Not refusals: what the marketer should know about what was launched. */
  warnings: string[];
}

/** The marketer's lifecycle moves: launch, pause, resume and cancel, each audited. */
@Injectable()
export class CampaignTransitions {
  private readonly logger = new Logger(CampaignTransitions.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
    private readonly definitions: CampaignDefinitionCheck,
    private readonly templates: TemplatePort,
    private readonly audiences: AudiencesService,
  ) {}

  /**
   * draft → scheduled: re-checks the definition at this moment, pins the template version,
   * runs the content check for content topics (a high score needs acknowledgeWarnings) and
   * writes step 0, due now, at the `once` time or at the next cron run.
   */
  async launch(id: string, acknowledgeWarnings: boolean, actor: string): Promise<LaunchResult> {
    return this.dataSource.transaction(async (m) => {
      const before = toCampaignView(await campaignRow(m, id, true));
      if (!allows(before.status, 'launch')) throw conflict([refusal(id, before.status, 'launch')]);
      const now = this.clock.now();
      const category = await this.definitions.check(definitionOf(before), now, m);
      // Customers read the announcement's own words, never the internal campaign name.
      if (before.goal === 'announcement' && !hasAnnouncementTexts(before.announcement))
        throw invalid([
          'announcement: an announcement needs its customer-facing title and summary before launch, e.g. { "ru": { "title": "…", "summary": "…" } }',
        ]);
      const templateVersion = await this.templates.latestVersion(before.template);
      if (templateVersion === null) throw invalid([`template ${before.template} does not exist`]);
      let reminderVersion: number | null = null;
      if (before.schedule.type === 'trigger' && before.schedule.reminder) {
        reminderVersion = await this.templates.latestVersion(before.schedule.reminder.template);
        if (reminderVersion === null)
          throw invalid([
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
            replyTo: before.replyTo,
          },
        );
        if (content.level === 'high' && !acknowledgeWarnings)
          throw invalid([
            `acknowledgeWarnings: the content check scored ${content.score} (high): ${describeFindings(content)}; launch with "acknowledgeWarnings": true to send it anyway`,
          ]);
      }
      const dueAt = firstDueAt(before.schedule, now);
      const row = await updateCampaign(
        m,
        MARK_LAUNCHED,
        launchParams(id, { templateVersion, reminderVersion, acknowledgeWarnings, content }, now),
      );
      await m.query(ADD_FIRST_STEP, [id, dueAt]);
      await this.audit.record(
        {
          type: auditTypeOf('launch'),
          campaignId: id,
          actor,
          at: now,
          data: {
            from: before.status,
            to: targetOf('launch'),
            templateVersion,
            reminderTemplateVersion: reminderVersion,
            firstDueAt: dueAt.toISOString(),
            acknowledgeWarnings,
            contentCheck: content,
          },
        },
        m,
      );
      const calls = before.channels.includes('voice')
        ? await this.audiences.count(callableAudience(before.audience, before.topic), m)
        : 0;
      const warning = noCallsWarning(before.channels, calls);
      this.logger.log({ campaignId: id, dueAt, calls }, 'campaign launched');
      return {
        campaign: toCampaignView(row),
        step: { step: 0, dueAt },
        calls,
        warnings: warning === null ? [] : [warning],
      };
    });
  }

  async pause(id: string, actor: string): Promise<CampaignView> {
    return this.transition(id, 'pause', actor, async (m, before, now) => {
      const row = await updateCampaign(m, MARK_PAUSED, [id, now]);
      return { row, data: { from: before.status, to: targetOf('pause') } };
    });
  }

  /** A campaign that paused itself (a guardrail) resumes only when the marketer acknowledges why. */
  async resume(id: string, actor: string, acknowledge = false): Promise<CampaignView> {
    return this.transition(id, 'resume', actor, async (m, before, now) => {
      if (before.paused_reason !== null && !acknowledge)
        throw invalid([
          `acknowledge: the campaign paused itself (${before.paused_reason}); resume with "acknowledge": true`,
        ]);
      if (before.paused_reason !== null) await m.query(ACKNOWLEDGE_GUARDRAIL, [id]);
      const to = targetOf('resume', before.paused_from);
      const row = await updateCampaign(m, MARK_RESUMED, [id, to, now]);
      return { row, data: { from: before.status, to } };
    });
  }

  /**
   * Cancels the campaign, its pending steps and every delivery not yet handed to a sender, with
   * a `delivery.cancelled` audit row each, in one transaction. A `sending` row is already
   * claimed by a sender and finishes its course.
   */
  async cancel(id: string, actor: string): Promise<CampaignView> {
    return this.transition(id, 'cancel', actor, async (m, before, now) => {
      const row = await updateCampaign(m, MARK_CANCELLED, [id, now]);
      await m.query(CANCEL_OPEN_STEPS, [id, now]);
      const n = await cancelPlanned(
        m,
        { campaignId: id, reason: 'campaign_cancelled' },
        actor,
        now,
      );
      return {
        row,
        data: { from: before.status, to: targetOf('cancel'), cancelledDeliveries: n },
      };
    });
  }

  /** A move the lifecycle allows from the campaign's status (else a conflict), audited. */
  private async transition(
    id: string,
    action: PlainMove,
    actor: string,
    apply: (
      m: EntityManager,
      before: CampaignRow,
      now: Date,
    ) => Promise<{ row: CampaignRow; data: Record<string, unknown> }>,
  ): Promise<CampaignView> {
    return this.dataSource.transaction(async (m) => {
      const before = await campaignRow(m, id, true);
      if (!allows(before.status, action)) throw conflict([refusal(id, before.status, action)]);
      const now = this.clock.now();
      const { row, data } = await apply(m, before, now);
      await this.audit.record(
        { type: auditTypeOf(action), campaignId: id, actor, at: now, data },
        m,
      );
      this.logger.log({ campaignId: id }, `campaign ${doneOf(action)}`);
      return toCampaignView(row);
    });
  }
}

function describeFindings(c: ContentCheckResult): string {
  const shown = c.findings.slice(0, 10).map((f) => `${f.rule} "${f.phrase}"`);
  return shown.length ? shown.join(', ') : 'no details';
}

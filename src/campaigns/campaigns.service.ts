import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { AudiencesService } from '../audiences/audiences.service';
import { Clock } from '../common/clock';
import { conflict } from '../common/domain-error';
import type { CreateCampaignDto, ListCampaignsQuery, PatchCampaignDto } from './campaign.dto';
import { encodeCursor } from './campaign-cursor';
import { CampaignDefinitionCheck, type CampaignDefinition } from './campaign-definition';
import { allows, refusal } from './campaign-lifecycle';
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
import {
  campaignRow,
  definitionParams,
  outcomeParams,
  INSERT_DRAFT,
  listCampaigns,
  SET_REPLY_TO,
  SET_ANNOUNCEMENT,
  UPDATE_DEFINITION,
  updateCampaign,
} from './campaign-repository';
import { cleanAnnouncement } from './announcement-texts';
import { CampaignTransitions, type LaunchResult } from './campaign-transitions';
import { toCampaignView, type CampaignRow, type CampaignView } from './campaign-view';

export { UNKNOWN_MEANING, type CampaignProgress } from './campaign-progress';
export type { CampaignDefinition } from './campaign-definition';
export type { LaunchResult } from './campaign-transitions';
export { toCampaignView, type CampaignView } from './campaign-view';

const PAGE = 50;

/** Campaigns: drafts, the list, progress; lifecycle moves go to CampaignTransitions. */
@Injectable()
export class CampaignsService {
  private readonly logger = new Logger(CampaignsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
    private readonly audiences: AudiencesService,
    private readonly definitions: CampaignDefinitionCheck,
    private readonly transitions: CampaignTransitions,
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
        replyTo: dto.replyTo ?? null,
        holdoutPercent: dto.holdoutPercent ?? 0,
        attributionDays: dto.attributionDays ?? 7,
        trackClicks: dto.trackClicks ?? true,
        guardrails: dto.guardrails ? { ...dto.guardrails } : null,
        announcement: dto.announcement ?? null,
      },
      actor,
    );
  }

  /** A new draft from a definition (the API's body, or a ready example). */
  async createDraft(def: CampaignDefinition, actor: string): Promise<CampaignView> {
    return this.dataSource.transaction(async (m) => {
      const now = this.clock.now();
      await this.definitions.check(def, now, m);
      let [row]: CampaignRow[] = await m.query(INSERT_DRAFT, [
        ...definitionParams(def),
        actor,
        now,
        ...outcomeParams(def),
      ]);
      if (def.replyTo) row = await updateCampaign(m, SET_REPLY_TO, [row.id, def.replyTo]);
      if (def.announcement)
        row = await updateCampaign(m, SET_ANNOUNCEMENT, [
          row.id,
          cleanAnnouncement(def.announcement),
        ]);
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
    return toCampaignView(await campaignRow(manager ?? this.dataSource.manager, id));
  }

  async list(q: ListCampaignsQuery): Promise<{ items: CampaignView[]; nextCursor: string | null }> {
    const limit = Math.max(1, Math.min(Number(q.limit ?? PAGE) || PAGE, 200));
    const rows = await listCampaigns(this.dataSource.manager, q, limit);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toCampaignView),
      nextCursor: rows.length > limit ? encodeCursor(last.created_at, last.id) : null,
    };
  }

  async update(id: string, dto: PatchCampaignDto, actor: string): Promise<CampaignView> {
    return this.dataSource.transaction(async (m) => {
      const beforeRow = await campaignRow(m, id, true);
      if (!allows(beforeRow.status, 'edit'))
        throw conflict([refusal(id, beforeRow.status, 'edit')]);
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
        holdoutPercent: dto.holdoutPercent ?? before.holdoutPercent,
        attributionDays: dto.attributionDays ?? before.attributionDays,
        trackClicks: dto.trackClicks ?? before.trackClicks,
        guardrails: dto.guardrails ? { ...dto.guardrails } : before.guardrails,
        announcement: dto.announcement === undefined ? before.announcement : dto.announcement,
      };
      const now = this.clock.now();
      await this.definitions.check(def, now, m);
      let row = await updateCampaign(m, UPDATE_DEFINITION, [
        id,
        ...definitionParams(def),
        now,
        ...outcomeParams(def),
      ]);
      if (dto.replyTo !== undefined) row = await updateCampaign(m, SET_REPLY_TO, [id, dto.replyTo]);
      if (dto.announcement !== undefined)
        row = await updateCampaign(m, SET_ANNOUNCEMENT, [
          id,
          def.announcement ? cleanAnnouncement(def.announcement) : null,
        ]);
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

  launch(id: string, acknowledgeWarnings: boolean, actor: string): Promise<LaunchResult> {
    return this.transitions.launch(id, acknowledgeWarnings, actor);
  }

  pause(id: string, actor: string): Promise<CampaignView> {
    return this.transitions.pause(id, actor);
  }

  resume(id: string, actor: string, acknowledge = false): Promise<CampaignView> {
    return this.transitions.resume(id, actor, acknowledge);
  }

  cancel(id: string, actor: string): Promise<CampaignView> {
    return this.transitions.cancel(id, actor);
  }

  async progress(id: string): Promise<CampaignProgress> {
    const c = await campaignRow(this.dataSource.manager, id);
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
}

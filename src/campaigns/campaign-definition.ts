import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AudiencesService } from '../audiences/audiences.service';
import { invalid } from '../common/domain-error';
import { firstDueAt, parseInstant, scheduleProblems, type Schedule } from '../planning/schedule';
import type { Category, Channel, Goal } from '../policy/engine';
import { PoliciesService } from '../policy/policies.service';
import { announcementProblems, type AnnouncementTexts } from './announcement-texts';
import { goalTopicProblem } from './campaign-rules';
import type { CampaignGuardrails, CampaignView } from './campaign-view';
import { TemplatePort } from './ports';

const DAY = 86_400_000;

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
  /** Reply-To of the campaign's e-mails; absent or null: REPLY_TO. */
  replyTo?: string | null;
  /** Outcomes (absent: 0, 7, true, null): the control group's share, attribution, tracking, limits. */
  holdoutPercent?: number;
  attributionDays?: number;
  trackClicks?: boolean;
  guardrails?: CampaignGuardrails | null;
  /** Announcements' customer-facing words; undefined leaves them as they are. */
  announcement?: AnnouncementTexts | null;
}

export const definitionOf = (c: CampaignView): CampaignDefinition => ({
  name: c.name,
  topic: c.topic,
  goal: c.goal,
  template: c.template,
  channels: c.channels,
  priority: c.priority,
  audience: c.audience,
  schedule: c.schedule as unknown as Record<string, unknown>,
  effectiveAt: c.effectiveAt?.toISOString() ?? null,
  replyTo: c.replyTo,
  holdoutPercent: c.holdoutPercent,
  attributionDays: c.attributionDays,
  trackClicks: c.trackClicks,
  guardrails: c.guardrails,
  announcement: c.announcement,
});

const TOPIC_OF_CAMPAIGN = `SELECT category, archived_at FROM topics WHERE key = $1 FOR SHARE`;

/** Checks a definition against the database and the clock, at creation, change and launch. */
@Injectable()
export class CampaignDefinitionCheck {
  constructor(
    private readonly policies: PoliciesService,
    private readonly audiences: AudiencesService,
    private readonly templates: TemplatePort,
  ) {}

  /**
   * Everything about a definition that needs the database or the clock; all problems are
   * reported at once (invalid), each naming its field. Returns the topic's category.
   */
  async check(def: CampaignDefinition, now: Date, m: EntityManager): Promise<Category> {
    const errors: string[] = [];
    const topics: { category: Category; archived_at: Date | null }[] = await m.query(
      TOPIC_OF_CAMPAIGN,
      [def.topic],
    );
    const topic = topics[0];
    if (!topic) errors.push(`topic ${def.topic} does not exist`);
    else if (topic.archived_at) errors.push(`topic ${def.topic} is archived`);
    else {
      const p = goalTopicProblem(def.goal, def.topic, topic.category);
      if (p) errors.push(`topic: ${p}`);
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
    // An announcement must reach everyone: a control group would keep some in the dark.
    if (def.goal === 'announcement' && (def.holdoutPercent ?? 0) > 0)
      errors.push('holdoutPercent must be 0 for announcements: they must reach everyone');
    errors.push(...announcementProblems(def.announcement));
    if (def.announcement && def.goal !== 'announcement')
      errors.push('announcement is only for announcement campaigns');
    if (errors.length) throw invalid(errors);
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

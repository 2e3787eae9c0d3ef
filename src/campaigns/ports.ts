import type { Channel, Goal } from '../policy/engine';

// What campaigns need from templates, in one place: template-port.adapter.ts binds it to
// TemplatesService (a sample render, then the content check).

export interface ContentCheckResult {
  score: number;
  level: 'ok' | 'warn' | 'high';
  findings: { rule: string; phrase: string }[];
}

export interface SampleCampaign {
  name: string;
  topic: string;
  goal: Goal;
  effectiveAt: Date | null;
  /** The campaign's own Reply-To: replies it invites reach someone. */
  replyTo?: string | null;
}

export abstract class TemplatePort {
  /** The newest version of a template, or null when no template has that name. */
  abstract latestVersion(name: string): Promise<number | null>;
  /**
   * Renders the template for a sample customer on the campaign's first text channel and runs
   * the content check over it; throws a DomainError (invalid) when it cannot render.
   */
  abstract sampleContentCheck(
    name: string,
    version: number,
    channels: readonly Channel[],
    campaign: SampleCampaign,
  ): Promise<ContentCheckResult>;
}

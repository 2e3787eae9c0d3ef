import type { Channel } from '../policy/engine';

/** What TemplatesService.render (src/templates) takes; the same for every channel. */
export interface TemplateContext {
  customer: {
    name: string | null;
    email: string | null;
    phone: string | null;
    company: string | null;
    locale: string;
    timezone: string;
    lifecycleStage: string;
    attributes: Record<string, unknown>;
  };
  company: { name: string; address: string };
  campaign: { name: string; topic: string; goal: string; effectiveAt: Date | null };
  links: { unsubscribe: string; preferences: string };
  now: Date;
  /** Why the customer gets this, shown in the e-mail footer. */
  reason?: string;
}

export type RenderedMessage =
  | { channel: 'email'; subject: string; html: string; text: string }
  | { channel: 'sms'; body: string; segments: number; encoding: 'GSM-7' | 'UCS-2' }
  | { channel: 'voice'; brief: string };

/**
 * The sender's view of the template renderer. The module binds it to TemplatesService; tests and
 * embedders may bind another implementation. It throws when a template cannot be rendered whole.
 */
export abstract class MessageRenderer {
  abstract render(
    name: string,
    version: number,
    channel: Channel,
    context: TemplateContext,
  ): Promise<RenderedMessage>;
}

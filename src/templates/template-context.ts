import type { TemplatePart } from './template-engine';
import type { RenderProblem } from './template-problems';
import type { LocaleParts } from './template-files';

/** What every template sees (DESIGN.md "Template context"), the same for every channel. */
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
  campaign: {
    name: string;
    topic: string;
    goal: string | null;
    effectiveAt: Date | string | null;
    /** Announcements: the customer-facing title in the customer's language (else the name). */
    title: string;
    /** Announcements: the customer-facing summary (else the name). */
    summary: string;
  };
  links: { unsubscribe: string; preferences: string };
  now: Date;
  /** Why the customer gets this, shown in the e-mail footer; else a sentence from the topic. */
  reason?: string | null;
}

export type TemplateChannel = 'email' | 'sms' | 'voice';
export const TEMPLATE_CHANNELS: readonly TemplateChannel[] = ['email', 'sms', 'voice'];

export type RenderedMessage =
  | { channel: 'email'; subject: string; html: string; text: string }
  | { channel: 'sms'; body: string; segments: number; encoding: 'GSM-7' | 'UCS-2' }
  | { channel: 'voice'; brief: string };

/** A problem found while rendering, with the part it is in. */
export interface PartProblem extends RenderProblem {
  part: TemplatePart | 'footer';
}

/** A message that cannot be rendered whole; it is never sent with holes. */
export class TemplateRenderError extends Error {
  constructor(
    readonly template: string,
    readonly version: number,
    readonly locale: string,
    readonly problems: PartProblem[],
  ) {
    super(
      `template ${template} v${version} (${locale}) cannot be rendered: ` +
        problems.map(describeProblem).join('; '),
    );
    this.name = 'TemplateRenderError';
  }
}

export function describeProblem(p: PartProblem): string {
  const where = p.partial ? `partial ${p.partial} (in ${p.part})` : p.part;
  if (!p.line) return `${p.message} (${where})`; // not a place in the template: the footer, a length
  return `${p.message} (${where} line ${p.line}, column ${p.column})`;
}

/** Which parts a channel needs: e-mail a subject and an HTML or text body. */
export function hasChannel(
  parts: LocaleParts | Partial<Record<keyof LocaleParts, unknown>> | undefined,
  channel: TemplateChannel,
): boolean {
  if (!parts) return false;
  if (channel === 'email') return !!parts.subject && !!(parts.html || parts.text);
  return channel === 'sms' ? !!parts.sms : !!parts.call;
}

/**
 * The template locale for a customer locale: the same, else the same language (`ru-RU` → `ru`,
 * `en` → `en-GB`), else English, else the first the template has.
 */
export function pickLocale(available: string[], wanted: string | null | undefined): string {
  const sorted = [...available].sort();
  const want = (wanted ?? '').toLowerCase();
  const lang = want.split('-')[0];
  return (
    sorted.find((l) => l.toLowerCase() === want) ??
    sorted.find((l) => l.toLowerCase().split('-')[0] === lang) ??
    sorted.find((l) => l === 'en') ??
    sorted[0]
  );
}

/** Fills what a caller may leave out with explicit nulls, so "absent" means a typo in a template. */
export function normalizeContext(ctx: TemplateContext, company: { name: string; address: string }) {
  const c = ctx.customer ?? ({} as TemplateContext['customer']);
  return {
    customer: {
      name: c.name ?? null,
      email: c.email ?? null,
      phone: c.phone ?? null,
      company: c.company ?? null,
      locale: c.locale ?? 'en',
      timezone: c.timezone ?? 'UTC',
      lifecycleStage: c.lifecycleStage ?? null,
      attributes: c.attributes ?? {},
    },
    company: {
      name: ctx.company?.name || company.name,
      address: ctx.company?.address || company.address,
    },
    campaign: {
      name: ctx.campaign?.name ?? null,
      topic: ctx.campaign?.topic ?? null,
      goal: ctx.campaign?.goal ?? null,
      effectiveAt: ctx.campaign?.effectiveAt ?? null,
      title: ctx.campaign?.title ?? null,
      summary: ctx.campaign?.summary ?? null,
    },
    links: {
      unsubscribe: ctx.links?.unsubscribe ?? null,
      preferences: ctx.links?.preferences ?? null,
    },
    now: ctx.now,
    reason: ctx.reason ?? null,
  };
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  '#x27': "'",
  '#x3D': '=',
  '#x60': '`',
  nbsp: ' ',
};

/** The text of an HTML body, for an e-mail without a text part: links keep their address. */
export function htmlToText(html: string): string {
  return html
    .replace(/<a\s[^>]*href\s*=\s*["']([^"']*)["'][^>]*>([\s\S]*?)<\/a>/gi, (_, href, label) => {
      const text = label.replace(/<[^>]*>/g, '').trim();
      return text && text !== href ? `${text} (${href})` : href;
    })
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr|table|ul|ol)>/gi, '\n\n')
    .replace(/<li[^>]*>/gi, '• ')
    .replace(/<[^>]*>/g, '')
    .replace(/&([a-z]+|#x?[0-9a-f]+);/gi, (m, e: string) => ENTITIES[e] ?? m)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The HTML of a text-only e-mail: escaped, line breaks kept. */
export function textToHtml(text: string): string {
  const escaped = text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
  return escaped
    .split(/\n{2,}/)
    .map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

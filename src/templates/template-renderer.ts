import type { DataSource } from 'typeorm';
import type { Settings } from '../config/settings';
import { sanitizeEmailHtml } from './email-html';
import { smsSegments, withSmsOptOut, type SmsEncoding } from './sms-segments';
import {
  hasChannel,
  htmlToText,
  normalizeContext,
  pickLocale,
  TemplateRenderError,
  textToHtml,
  type PartProblem,
  type RenderedMessage,
  type TemplateChannel,
  type TemplateContext,
} from './template-context';
import type { CompiledTemplate, TemplateCompiler } from './template-compiler';
import type { TemplatePart } from './template-engine';
import type { FooterTexts } from './template-files';
import type { TemplateStore } from './template-store';
import { footerReason } from './why-you-get-this';

export type NormalizedContext = ReturnType<typeof normalizeContext>;

/** What one channel rendered to, with the body parts the content check looks at. */
export interface ChannelResult {
  message: RenderedMessage | null;
  problems: PartProblem[];
  content?: { subject: string; html: string; text: string };
}

const SELECT_TOPIC = `SELECT category, title FROM topics WHERE key = $1`;
const TOPIC_TTL_MS = 60_000;

const lang = (locale: string) => locale.toLowerCase().split('-')[0];

/** A problem that is not at a place in the template (the footer, a length, a missing part). */
export const partProblem = (part: PartProblem['part'], message: string): PartProblem => ({
  part,
  variable: '',
  message,
  line: 0,
  column: 0,
});

/**
 * Strict rendering of a compiled template for one channel: every part through the engine, the
 * e-mail body cleaned and wrapped in the layout with its footer, the SMS with its opt-out line.
 */
export class TemplateRenderer {
  private readonly topics = new Map<
    string,
    { at: number; topic: { category: string; title: Record<string, string> } | null }
  >();

  constructor(
    private readonly dataSource: DataSource,
    private readonly compiler: TemplateCompiler,
    private readonly store: TemplateStore,
    private readonly settings: Pick<Settings, 'company' | 'smsMaxSegments'>,
  ) {}

  /**
   * Renders one message. The locale is the customer's (or its language, else English) among the
   * template's locales that have the channel. Throws TemplateRenderError listing every missing
   * value, and for an SMS longer than settings.smsMaxSegments; never returns a message with holes.
   */
  async render(
    name: string,
    version: number,
    channel: TemplateChannel,
    context: TemplateContext,
  ): Promise<RenderedMessage> {
    const t = await this.store.compiled(name, version);
    const withChannel = Object.keys(t.locales).filter((l) => hasChannel(t.locales[l], channel));
    const ctx = this.normalize(context);
    if (!withChannel.length) {
      throw new TemplateRenderError(name, version, ctx.customer.locale, [
        partProblem(channelPart(channel), `template has no ${channel} part in any locale`),
      ]);
    }
    const locale = pickLocale(withChannel, ctx.customer.locale);
    const result = await this.renderChannel(t, locale, channel, ctx, false);
    if (result.problems.length || !result.message) {
      throw new TemplateRenderError(name, version, locale, result.problems);
    }
    if (
      result.message.channel === 'sms' &&
      result.message.segments > this.settings.smsMaxSegments
    ) {
      throw new TemplateRenderError(name, version, locale, [
        partProblem('sms', this.smsTooLong(result.message.segments, result.message.encoding)),
      ]);
    }
    return result.message;
  }

  normalize(context: TemplateContext): NormalizedContext {
    return normalizeContext(context, this.settings.company);
  }

  /** Why an SMS is refused: over the segment limit with its opt-out line. */
  smsTooLong(segments: number, encoding: SmsEncoding): string {
    return (
      `the message is ${segments} SMS segments (${encoding}) with the opt-out line; ` +
      `at most ${this.settings.smsMaxSegments} are allowed`
    );
  }

  async renderChannel(
    t: CompiledTemplate,
    locale: string,
    channel: TemplateChannel,
    ctx: NormalizedContext,
    preview: boolean,
  ): Promise<ChannelResult> {
    const parts = t.locales[locale] ?? {};
    const problems: PartProblem[] = [];
    const opts = { locale, timezone: ctx.customer.timezone, now: ctx.now, preview };
    const run = (part: TemplatePart): string | null => {
      const compiled = parts[part];
      if (!compiled) return null;
      const r = this.compiler.engine.renderPart(compiled, ctx, opts);
      problems.push(...r.problems.map((p) => ({ ...p, part })));
      return r.output;
    };
    const empty = (part: TemplatePart, value: string | null) => {
      if (value !== null && !value.trim())
        problems.push(partProblem(part, `${part} renders empty`));
    };

    if (channel === 'sms') {
      const body = (run('sms') ?? '').trim();
      empty('sms', body);
      const full = withSmsOptOut(body, locale);
      const info = smsSegments(full);
      return {
        message: { channel: 'sms', body: full, segments: info.segments, encoding: info.encoding },
        problems,
      };
    }
    if (channel === 'voice') {
      const brief = (run('call') ?? '').trim();
      empty('call', brief);
      return { message: { channel: 'voice', brief }, problems };
    }

    const subject = (run('subject') ?? '').replace(/\s+/g, ' ').trim();
    empty('subject', subject);
    // Cleaned and balanced here, for sending and preview alike: nothing in it can hide the footer.
    const rawHtml = run('html');
    const htmlPart = rawHtml === null ? null : sanitizeEmailHtml(rawHtml);
    const textPart = run('text');
    const bodyHtml = htmlPart ?? textToHtml(textPart ?? '');
    const bodyText = textPart !== null ? textPart.trim() : htmlToText(htmlPart ?? '');
    empty('html', rawHtml);
    empty('text', textPart);

    const footer = await this.footer(locale, ctx);
    for (const link of ['unsubscribe', 'preferences'] as const) {
      if (!ctx.links[link]) {
        problems.push(
          partProblem('footer', `links.${link} is missing: every e-mail carries it in the footer`),
        );
      }
    }
    const layoutContext = {
      lang: locale,
      subject,
      footer,
      links: ctx.links,
      company: ctx.company,
    };
    const { layouts } = this.compiler;
    const html = '<!doctype html>\n' + layouts.html({ ...layoutContext, body: bodyHtml });
    const text = layouts.text({ ...layoutContext, body: bodyText });
    return {
      message: { channel: 'email', subject, html, text },
      problems,
      content: { subject, html: bodyHtml, text: textPart ?? '' },
    };
  }

  /** The footer's words in the message's language, with why the customer gets it. */
  private async footer(locale: string, ctx: NormalizedContext) {
    const all = this.compiler.files.layouts.footer;
    const f: FooterTexts = all[locale] ?? all[lang(locale)] ?? all.en;
    let reason = ctx.reason?.trim() ?? '';
    if (!reason) {
      const key = ctx.campaign.topic;
      const topic = key ? await this.topic(key) : null;
      reason = footerReason(f, locale, topic && key ? { key, ...topic } : null, ctx.company.name);
    }
    return { reason, preferences: f.preferences, unsubscribe: f.unsubscribe };
  }

  private async topic(key: string) {
    const hit = this.topics.get(key);
    if (hit && Date.now() - hit.at < TOPIC_TTL_MS) return hit.topic;
    const rows: { category: string; title: Record<string, string> }[] = await this.dataSource.query(
      SELECT_TOPIC,
      [key],
    );
    const topic = rows[0] ?? null;
    if (this.topics.size > 1000) this.topics.clear();
    this.topics.set(key, { at: Date.now(), topic });
    return topic;
  }
}

function channelPart(channel: TemplateChannel): TemplatePart {
  return channel === 'email' ? 'html' : channel === 'sms' ? 'sms' : 'call';
}

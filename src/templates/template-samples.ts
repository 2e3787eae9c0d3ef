import type { DataSource } from 'typeorm';
import type { Clock } from '../common/clock';
import { invalid, notFound } from '../common/domain-error';
import type { Settings } from '../config/settings';
import { repliesReachSomeone } from '../common/reply-address';
import { contentCheck, type ContentCheckResult } from './content-check';
import { sampleContext, templateCustomer, type CustomerValues } from './message-context';
import { smsSegments, SMS_WARN_SEGMENTS, ucs2Culprits } from './sms-segments';
import {
  describeProblem,
  hasChannel,
  TEMPLATE_CHANNELS,
  type PartProblem,
  type TemplateContext,
} from './template-context';
import type { CompiledLocales, CompiledTemplate } from './template-compiler';
import type { TemplateRenderer } from './template-renderer';
import type { TemplateStore } from './template-store';
import type { PreviewTemplateDto } from './templates.dto';

/** The campaign a content check renders for; its own Reply-To decides whether replies are read. */
export interface SampleCampaign {
  name: string;
  topic: string;
  goal: string | null;
  effectiveAt: Date | null;
  replyTo?: string | null;
}

const LEVEL_RANK = { ok: 0, warn: 1, high: 2 } as const;
const outranks = (a: ContentCheckResult, b: ContentCheckResult) =>
  a.score > b.score || (a.score === b.score && LEVEL_RANK[a.level] > LEVEL_RANK[b.level]);

const SELECT_PREVIEW_CUSTOMER = `
  SELECT name, email, phone, company, locale, timezone, attributes, purchase_count,
         last_purchase_at, erased_at
    FROM customers WHERE id = $1`;

type SampleSettings = Pick<
  Settings,
  'company' | 'publicUrl' | 'smsMaxSegments' | 'mailFrom' | 'replyTo'
>;

/**
 * Renders with the sample customer (or a chosen one): the preview, the warnings given when a
 * version is saved, and the content check of a campaign's template.
 */
export class TemplateSamples {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: TemplateStore,
    private readonly renderer: TemplateRenderer,
    private readonly clock: Clock,
    private readonly settings: SampleSettings,
  ) {}

  /** Renders each locale for a customer (or the sample) on every channel the template has. */
  async preview(name: string, dto: PreviewTemplateDto) {
    const version = dto.version ?? (await this.store.latestVersion(name));
    const t = await this.store.compiled(name, version);
    const available = Object.keys(t.locales).sort();
    const locales = dto.locales ?? available;
    const unknown = locales.filter((l) => !available.includes(l));
    if (unknown.length) {
      throw invalid([
        `locales: template ${name} v${version} has no locale ${unknown.join(', ')} (it has ${available.join(', ')})`,
      ]);
    }
    const customer = dto.customerId ? await this.customerFor(dto.customerId) : null;
    const now = this.clock.now();
    const refused: string[] = [];
    const out: Record<string, unknown> = {};
    for (const locale of locales) {
      const ctx = this.renderer.normalize(
        this.context(
          locale,
          now,
          'preview',
          { ...dto.campaign, name: dto.campaign?.name ?? 'Preview' },
          customer,
          dto,
        ),
      );
      const entry: Record<string, unknown> = { email: null, sms: null, voice: null };
      const problems: PartProblem[] = [];
      let content: ContentCheckResult | null = null;
      for (const channel of TEMPLATE_CHANNELS) {
        if (!hasChannel(t.locales[locale], channel)) continue;
        const r = await this.renderer.renderChannel(t, locale, channel, ctx, true);
        problems.push(...r.problems);
        const msg = r.message;
        if (msg?.channel === 'email') {
          entry.email = { subject: msg.subject, html: msg.html, text: msg.text };
          content = contentCheck(r.content ?? {}, { repliesRead: this.repliesRead(null) });
        } else if (msg?.channel === 'sms') {
          const info = smsSegments(msg.body);
          const hint = msg.encoding === 'UCS-2' ? ucs2Culprits(msg.body) : null;
          if (msg.segments > this.settings.smsMaxSegments) {
            refused.push(
              `locales.${locale}.sms: ${this.renderer.smsTooLong(msg.segments, msg.encoding)}`,
            );
          }
          entry.sms = {
            body: msg.body,
            segments: msg.segments,
            encoding: msg.encoding,
            length: info.length,
            maxSegments: this.settings.smsMaxSegments,
            // The characters that forced UCS-2 and their GSM-7 stand-ins (none for Cyrillic text).
            ucs2Culprits: hint?.culprits ?? [],
            gsmSegments: hint?.gsmSegments ?? null,
            warning:
              msg.segments > SMS_WARN_SEGMENTS
                ? `${msg.segments} segments: a long SMS costs more and reads worse; keep it to ${SMS_WARN_SEGMENTS}`
                : null,
          };
          content ??= contentCheck({ text: msg.body });
        } else if (msg?.channel === 'voice') {
          entry.voice = { brief: msg.brief };
        }
      }
      out[locale] = {
        ok: problems.length === 0,
        problems: problems.map((p) => ({ ...p, description: describeProblem(p) })),
        ...entry,
        contentCheck: content,
      };
    }
    if (refused.length) throw invalid(refused);
    return {
      name,
      version,
      customer: customer ? { id: dto.customerId, sample: false } : { id: null, sample: true },
      locales: out,
    };
  }

  /**
   * For campaigns: renders every locale for the sample customer on the first of the channels
   * that is e-mail or SMS and returns the content check with the highest score. Invalid when the
   * template cannot be rendered.
   */
  async contentCheck(
    name: string,
    version: number,
    channels: readonly string[],
    campaign: SampleCampaign,
  ): Promise<ContentCheckResult> {
    const t = await this.store.compiled(name, version);
    const channel = channels.find((c): c is 'email' | 'sms' => c === 'email' || c === 'sms');
    let worst: ContentCheckResult = { score: 0, level: 'ok', findings: [] };
    if (!channel) return worst;
    const now = this.clock.now();
    const errors: string[] = [];
    for (const locale of Object.keys(t.locales).sort()) {
      if (!hasChannel(t.locales[locale], channel)) continue;
      const ctx = this.renderer.normalize(this.context(locale, now, 'sample', campaign));
      const r = await this.renderer.renderChannel(t, locale, channel, ctx, false);
      errors.push(
        ...r.problems.map((p) => `template ${name} v${version} ${locale}: ${describeProblem(p)}`),
      );
      const check =
        r.message?.channel === 'sms'
          ? contentCheck({ text: r.message.body })
          : r.content
            ? contentCheck(r.content, { repliesRead: this.repliesRead(campaign.replyTo) })
            : null;
      // A warning without score (a reply nobody reads) still beats a clean locale.
      if (check && outranks(check, worst)) worst = check;
    }
    if (errors.length) throw invalid(errors);
    return worst;
  }

  /**
   * A version about to be saved, rendered for the sample customer per locale: an SMS over the
   * limit is refused (invalid), missing values and content findings are warnings.
   */
  async warnings(name: string, locales: CompiledLocales): Promise<string[]> {
    const warnings: string[] = [];
    const refused: string[] = [];
    const now = this.clock.now();
    const t: CompiledTemplate = { name, version: 0, locales };
    for (const locale of Object.keys(locales).sort()) {
      const ctx = this.renderer.normalize(this.context(locale, now, 'sample', { name: 'Sample' }));
      for (const channel of TEMPLATE_CHANNELS) {
        if (!hasChannel(locales[locale], channel)) continue;
        const r = await this.renderer.renderChannel(t, locale, channel, ctx, false);
        for (const p of r.problems) {
          warnings.push(`locales.${locale}: with the sample customer, ${describeProblem(p)}`);
        }
        if (r.message?.channel === 'sms') {
          const { segments, encoding } = r.message;
          if (segments > this.settings.smsMaxSegments) {
            refused.push(`locales.${locale}.sms: ${this.renderer.smsTooLong(segments, encoding)}`);
          } else if (segments > SMS_WARN_SEGMENTS) {
            warnings.push(`locales.${locale}.sms: ${segments} segments with the opt-out line`);
          }
        }
        if (r.content) {
          const check = contentCheck(r.content);
          if (check.level !== 'ok') {
            const phrases = check.findings.map((f) => f.phrase).join(', ');
            warnings.push(
              `locales.${locale}: content check ${check.level} (${check.score}): ${phrases}`,
            );
          }
        }
      }
    }
    if (refused.length) throw invalid(refused);
    return warnings;
  }

  /** Whether an e-mail's reply reaches a person (REPLY_TO, the campaign's own, a real sender). */
  private repliesRead(campaignReplyTo: string | null | undefined): boolean {
    return repliesReachSomeone({
      mailFrom: this.settings.mailFrom,
      replyTo: this.settings.replyTo,
      campaignReplyTo,
    });
  }

  private context(
    locale: string,
    now: Date,
    linkToken: 'preview' | 'sample',
    campaign: Parameters<typeof sampleContext>[0]['campaign'],
    customer?: TemplateContext['customer'] | null,
    given?: { reason?: string },
  ): TemplateContext {
    return sampleContext({
      locale,
      now,
      company: this.settings.company,
      publicUrl: this.settings.publicUrl,
      linkToken,
      campaign,
      customer,
      reason: given?.reason,
    });
  }

  private async customerFor(id: string): Promise<TemplateContext['customer']> {
    const rows: (CustomerValues & { erased_at: Date | null })[] = await this.dataSource.query(
      SELECT_PREVIEW_CUSTOMER,
      [id],
    );
    const c = rows[0];
    if (!c || c.erased_at) throw notFound([`customer ${id} not found`]);
    return templateCustomer(c, this.clock.now());
  }
}

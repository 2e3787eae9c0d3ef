import { BadRequestException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type Handlebars from 'handlebars';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { lifecycleStage } from '../customers/lifecycle';
import { sanitizeEmailHtml } from './email-html';
import { contentCheck, type ContentCheckResult } from './content-check';
import { smsSegments, SMS_WARN_SEGMENTS, withSmsOptOut, type SmsEncoding } from './sms-segments';
import {
  describeProblem,
  hasChannel,
  htmlToText,
  normalizeContext,
  pickLocale,
  sampleCustomer,
  TEMPLATE_CHANNELS,
  TemplateRenderError,
  textToHtml,
  type PartProblem,
  type RenderedMessage,
  type TemplateChannel,
  type TemplateContext,
} from './template-context';
import {
  TemplateEngine,
  TemplateSyntaxError,
  TEMPLATE_PARTS,
  type CompiledPart,
  type TemplatePart,
} from './template-engine';
import {
  loadTemplateFiles,
  type FooterTexts,
  type TemplateFiles,
  type TemplateLocales,
} from './template-files';
import { localesProblems, type CreateTemplateDto, type PreviewTemplateDto } from './templates.dto';

type CompiledLocales = Record<string, Partial<Record<TemplatePart, CompiledPart>>>;

interface CompiledTemplate {
  name: string;
  version: number;
  locales: CompiledLocales;
}

export type TemplateSource = 'builtin' | 'stored';

export interface TemplateView {
  name: string;
  version: number;
  source: TemplateSource;
  locales: TemplateLocales;
  createdAt: Date | null;
  createdBy: string | null;
}

interface TemplateRow {
  name: string;
  version: number;
  locales: TemplateLocales;
  created_by: string;
  created_at: Date;
}

/** What one channel rendered to, with the body parts the content check looks at. */
interface ChannelResult {
  message: RenderedMessage | null;
  problems: PartProblem[];
  content?: { subject: string; html: string; text: string };
}

type Normalized = ReturnType<typeof normalizeContext>;

const CACHE_SIZE = 500;
const TOPIC_TTL_MS = 60_000;
const SENTINEL = {
  body: 'SENTINEL-BODY',
  reason: 'SENTINEL-REASON',
  unsubscribe: 'https://sentinel.invalid/u',
  preferences: 'https://sentinel.invalid/p',
  company: 'SENTINEL-COMPANY',
  address: 'SENTINEL-ADDRESS',
};

const lang = (locale: string) => locale.toLowerCase().split('-')[0];

/**
 * Message templates: the built-in set under templates/ and versions saved through the API.
 *
 * Versions: a built-in template is version 1 of its name; saving a name through the API adds the
 * next version (2 for a built-in name, 1 for a new one), so a number never means two contents and
 * a campaign pinned to a version always renders the same template. The latest version is the
 * highest stored one, else the built-in. Stored versions are immutable (the table refuses UPDATE
 * and DELETE).
 */
@Injectable()
export class TemplatesService {
  private readonly logger = new Logger(TemplatesService.name);
  private readonly files: TemplateFiles;
  private readonly engine: TemplateEngine;
  private readonly layout: { html: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate };
  private readonly builtins = new Map<string, CompiledTemplate>();
  private readonly cache = new Map<string, CompiledTemplate>();
  private readonly topics = new Map<
    string,
    { at: number; topic: { category: string; title: Record<string, string> } | null }
  >();

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    // Loaded at construction so a broken built-in file stops the boot, naming the file.
    this.files = loadTemplateFiles();
    this.engine = new TemplateEngine(this.files.partials);
    this.layout = {
      html: this.engine.compileLayout(this.files.layouts.html, true),
      text: this.engine.compileLayout(this.files.layouts.text, false),
    };
    this.checkLayouts();
    for (const [name, locales] of this.files.builtins) {
      try {
        this.builtins.set(name, { name, version: 1, locales: this.compileLocales(locales) });
      } catch (e) {
        if (e instanceof BadRequestException) {
          const messages = (e.getResponse() as { message: string[] }).message;
          throw new Error(
            `${this.files.root}/${name}: ${messages.map((m) => m.replace(/^locales\./, '')).join('; ')}`,
            { cause: e },
          );
        }
        throw e;
      }
    }
    this.logger.log(`${this.builtins.size} built-in templates loaded`);
  }

  // ---------------------------------------------------------------- reading

  /** The newest version of a template; NotFoundException naming it when there is none. */
  async latestVersion(name: string): Promise<number> {
    const rows: { version: number | null }[] = await this.dataSource.query(
      `SELECT max(version) AS version FROM templates WHERE name = $1`,
      [name],
    );
    const stored = rows[0]?.version ?? null;
    if (stored !== null) return stored;
    if (this.builtins.has(name)) return 1;
    throw new NotFoundException([`template ${name} not found`]);
  }

  async get(name: string, version?: number): Promise<TemplateView> {
    const v = version ?? (await this.latestVersion(name));
    const rows: TemplateRow[] = await this.dataSource.query(
      `SELECT * FROM templates WHERE name = $1 AND version = $2`,
      [name, v],
    );
    if (rows.length) return this.toView(rows[0]);
    const builtin = this.files.builtins.get(name);
    if (v === 1 && builtin) {
      return {
        name,
        version: 1,
        source: 'builtin',
        locales: builtin,
        createdAt: null,
        createdBy: null,
      };
    }
    throw new NotFoundException([`template ${name} has no version ${v}`]);
  }

  /** Every version of a name, newest first, without the sources. */
  async versions(name: string) {
    const rows: (Omit<TemplateRow, 'locales'> & { locale_keys: string[] })[] =
      await this.dataSource.query(
        `SELECT name, version, created_by, created_at,
                ARRAY(SELECT jsonb_object_keys(locales) ORDER BY 1) AS locale_keys
         FROM templates WHERE name = $1 ORDER BY version DESC`,
        [name],
      );
    const items: {
      version: number;
      source: TemplateSource;
      locales: string[];
      createdAt: Date | null;
      createdBy: string | null;
    }[] = rows.map((r) => ({
      version: r.version,
      source: 'stored',
      locales: r.locale_keys,
      createdAt: r.created_at,
      createdBy: r.created_by,
    }));
    const builtin = this.files.builtins.get(name);
    if (builtin && !rows.some((r) => r.version === 1)) {
      const locales = Object.keys(builtin).sort();
      items.push({ version: 1, source: 'builtin', locales, createdAt: null, createdBy: null });
    }
    if (!items.length) throw new NotFoundException([`template ${name} not found`]);
    return { items, nextCursor: null };
  }

  /** Names in order, each with its latest version; keyset paging on the name. */
  async list(cursor: string | undefined, limit = 50) {
    const rows: { name: string; version: number; created_at: Date; locale_keys: string[] }[] =
      await this.dataSource.query(
        `SELECT DISTINCT ON (name) name, version, created_at,
                ARRAY(SELECT jsonb_object_keys(locales) ORDER BY 1) AS locale_keys
         FROM templates WHERE ($1::text IS NULL OR name > $1)
         ORDER BY name, version DESC LIMIT $2`,
        [cursor ?? null, limit + 1],
      );
    const byName = new Map(
      rows.map((r) => [
        r.name,
        {
          name: r.name,
          latestVersion: r.version,
          source: 'stored' as TemplateSource,
          locales: r.locale_keys,
          updatedAt: r.created_at as Date | null,
        },
      ]),
    );
    for (const [name, locales] of this.files.builtins) {
      if ((cursor === undefined || name > cursor) && !byName.has(name)) {
        byName.set(name, {
          name,
          latestVersion: 1,
          source: 'builtin',
          locales: Object.keys(locales).sort(),
          updatedAt: null,
        });
      }
    }
    // A stored name beyond the fetched page may sort before a built-in one; the page stops at the
    // last fetched stored name when the database had more.
    let all = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    if (rows.length > limit) {
      const lastStored = rows[limit - 1].name;
      all = all.filter((t) => t.name <= lastStored);
    }
    const items = all.slice(0, limit);
    const more = all.length > limit || rows.length > limit;
    return { items, nextCursor: more ? items[items.length - 1].name : null };
  }

  // ---------------------------------------------------------------- writing

  /** Saves a new version (compiled and checked first); 400 naming locale, part, line and column. */
  async create(dto: CreateTemplateDto, actor: string) {
    const problems = localesProblems(dto.locales);
    if (problems.length) throw new BadRequestException(problems);
    const compiled = this.compileLocales(dto.locales);
    const warnings = await this.sampleWarnings(dto.name, compiled);
    return this.dataSource.transaction(async (m) => {
      // Versions of one name are numbered one at a time.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('tactful.template'), hashtext($1))`, [
        dto.name,
      ]);
      const rows: { version: number | null }[] = await m.query(
        `SELECT max(version) AS version FROM templates WHERE name = $1`,
        [dto.name],
      );
      const base = rows[0]?.version ?? (this.builtins.has(dto.name) ? 1 : 0);
      const version = base + 1;
      const [row]: TemplateRow[] = await m.query(
        `INSERT INTO templates (name, version, locales, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [dto.name, version, JSON.stringify(dto.locales), actor, this.clock.now()],
      );
      const locales = Object.keys(dto.locales).sort();
      await this.audit.record(
        {
          type: version === 1 ? 'template.created' : 'template.versioned',
          actor,
          data: { template: dto.name, version, locales, warnings },
        },
        m,
      );
      this.cache.set(`${dto.name}@${version}`, { name: dto.name, version, locales: compiled });
      return {
        name: dto.name,
        version,
        locales,
        createdAt: row.created_at,
        createdBy: actor,
        warnings,
      };
    });
  }

  // ---------------------------------------------------------------- rendering

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
    const t = await this.compiled(name, version);
    const withChannel = Object.keys(t.locales).filter((l) => hasChannel(t.locales[l], channel));
    const ctx = normalizeContext(context, this.settings.company);
    if (!withChannel.length) {
      throw new TemplateRenderError(name, version, ctx.customer.locale, [
        this.problem(channelPart(channel), `template has no ${channel} part in any locale`),
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
        this.problem('sms', this.smsTooLong(result.message.segments, result.message.encoding)),
      ]);
    }
    return result.message;
  }

  /** Renders each locale for a customer (or the sample) on every channel the template has. */
  async preview(name: string, dto: PreviewTemplateDto) {
    const version = dto.version ?? (await this.latestVersion(name));
    const t = await this.compiled(name, version);
    const available = Object.keys(t.locales).sort();
    const locales = dto.locales ?? available;
    const unknown = locales.filter((l) => !available.includes(l));
    if (unknown.length) {
      throw new BadRequestException([
        `locales: template ${name} v${version} has no locale ${unknown.join(', ')} (it has ${available.join(', ')})`,
      ]);
    }
    const customer = dto.customerId ? await this.customerFor(dto.customerId) : null;
    const now = this.clock.now();
    const refused: string[] = [];
    const out: Record<string, unknown> = {};
    for (const locale of locales) {
      const context: TemplateContext = {
        customer: customer ?? sampleCustomer(locale),
        company: this.settings.company,
        campaign: {
          name: dto.campaign?.name ?? 'Preview',
          topic: dto.campaign?.topic ?? '',
          goal: dto.campaign?.goal ?? null,
          // Announcements need a date; the sample one is 30 days ahead.
          effectiveAt: dto.campaign?.effectiveAt ?? new Date(now.getTime() + 30 * 86_400_000),
        },
        links: {
          unsubscribe: `${this.settings.publicUrl}/u/preview`,
          preferences: `${this.settings.publicUrl}/p/preview`,
        },
        now,
        reason: dto.reason ?? null,
      };
      const ctx = normalizeContext(context, this.settings.company);
      const entry: Record<string, unknown> = { email: null, sms: null, voice: null };
      const problems: PartProblem[] = [];
      let content: ContentCheckResult | null = null;
      for (const channel of TEMPLATE_CHANNELS) {
        if (!hasChannel(t.locales[locale], channel)) continue;
        const r = await this.renderChannel(t, locale, channel, ctx, true);
        problems.push(...r.problems);
        const msg = r.message;
        if (msg?.channel === 'email') {
          entry.email = { subject: msg.subject, html: msg.html, text: msg.text };
          content = contentCheck(r.content ?? {});
        } else if (msg?.channel === 'sms') {
          const info = smsSegments(msg.body);
          if (msg.segments > this.settings.smsMaxSegments) {
            refused.push(`locales.${locale}.sms: ${this.smsTooLong(msg.segments, msg.encoding)}`);
          }
          entry.sms = {
            body: msg.body,
            segments: msg.segments,
            encoding: msg.encoding,
            length: info.length,
            maxSegments: this.settings.smsMaxSegments,
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
    if (refused.length) throw new BadRequestException(refused);
    return {
      name,
      version,
      customer: customer ? { id: dto.customerId, sample: false } : { id: null, sample: true },
      locales: out,
    };
  }

  /**
   * For campaigns: renders every locale for the sample customer on the first of the channels
   * that is e-mail or SMS and returns the content check with the highest score. 400 when the
   * template cannot be rendered.
   */
  async sampleContentCheck(
    name: string,
    version: number,
    channels: readonly string[],
    campaign: { name: string; topic: string; goal: string | null; effectiveAt: Date | null },
  ): Promise<ContentCheckResult> {
    const t = await this.compiled(name, version);
    const channel = channels.find((c): c is 'email' | 'sms' => c === 'email' || c === 'sms');
    let worst: ContentCheckResult = { score: 0, level: 'ok', findings: [] };
    if (!channel) return worst;
    const now = this.clock.now();
    const errors: string[] = [];
    for (const locale of Object.keys(t.locales).sort()) {
      if (!hasChannel(t.locales[locale], channel)) continue;
      const ctx = normalizeContext(
        {
          customer: sampleCustomer(locale),
          company: this.settings.company,
          campaign: {
            ...campaign,
            effectiveAt: campaign.effectiveAt ?? new Date(now.getTime() + 30 * 86_400_000),
          },
          links: {
            unsubscribe: `${this.settings.publicUrl}/u/sample`,
            preferences: `${this.settings.publicUrl}/p/sample`,
          },
          now,
        },
        this.settings.company,
      );
      const r = await this.renderChannel(t, locale, channel, ctx, false);
      errors.push(
        ...r.problems.map((p) => `template ${name} v${version} ${locale}: ${describeProblem(p)}`),
      );
      const check =
        r.message?.channel === 'sms'
          ? contentCheck({ text: r.message.body })
          : r.content
            ? contentCheck(r.content)
            : null;
      if (check && check.score > worst.score) worst = check;
    }
    if (errors.length) throw new BadRequestException(errors);
    return worst;
  }

  // ---------------------------------------------------------------- internals

  private async compiled(name: string, version: number): Promise<CompiledTemplate> {
    const key = `${name}@${version}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const rows: TemplateRow[] = await this.dataSource.query(
      `SELECT * FROM templates WHERE name = $1 AND version = $2`,
      [name, version],
    );
    if (!rows.length) {
      const builtin = this.builtins.get(name);
      if (version === 1 && builtin) return builtin;
      throw new NotFoundException([`template ${name} has no version ${version}`]);
    }
    const t = { name, version, locales: this.compileLocales(rows[0].locales) };
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, t);
    return t;
  }

  /** Compiles every part; 400 listing each syntax error as `locales.ru.html line 3, column 7: …`. */
  private compileLocales(locales: TemplateLocales): CompiledLocales {
    const out: CompiledLocales = {};
    const errors: string[] = [];
    for (const [locale, parts] of Object.entries(locales)) {
      out[locale] = {};
      for (const part of TEMPLATE_PARTS) {
        const source = parts[part];
        if (source === undefined) continue;
        try {
          out[locale][part] = this.engine.compilePart(source, part);
        } catch (e) {
          if (!(e instanceof TemplateSyntaxError)) throw e;
          for (const p of e.problems) {
            errors.push(
              `locales.${locale}.${part} line ${p.line}, column ${p.column}: ${p.message}`,
            );
          }
        }
      }
    }
    if (errors.length) throw new BadRequestException(errors);
    return out;
  }

  /** Renders the sample customer per locale: an SMS over the limit is refused, the rest are warnings. */
  private async sampleWarnings(name: string, locales: CompiledLocales): Promise<string[]> {
    const warnings: string[] = [];
    const refused: string[] = [];
    const now = this.clock.now();
    const t: CompiledTemplate = { name, version: 0, locales };
    for (const locale of Object.keys(locales).sort()) {
      const ctx = normalizeContext(
        {
          customer: sampleCustomer(locale),
          company: this.settings.company,
          campaign: {
            name: 'Sample',
            topic: '',
            goal: null,
            effectiveAt: new Date(now.getTime() + 30 * 86_400_000),
          },
          links: {
            unsubscribe: `${this.settings.publicUrl}/u/sample`,
            preferences: `${this.settings.publicUrl}/p/sample`,
          },
          now,
        },
        this.settings.company,
      );
      for (const channel of TEMPLATE_CHANNELS) {
        if (!hasChannel(locales[locale], channel)) continue;
        const r = await this.renderChannel(t, locale, channel, ctx, false);
        for (const p of r.problems) {
          warnings.push(`locales.${locale}: with the sample customer, ${describeProblem(p)}`);
        }
        if (r.message?.channel === 'sms') {
          const { segments, encoding } = r.message;
          if (segments > this.settings.smsMaxSegments) {
            refused.push(`locales.${locale}.sms: ${this.smsTooLong(segments, encoding)}`);
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
    if (refused.length) throw new BadRequestException(refused);
    return warnings;
  }

  private async renderChannel(
    t: CompiledTemplate,
    locale: string,
    channel: TemplateChannel,
    ctx: Normalized,
    preview: boolean,
  ): Promise<ChannelResult> {
    const parts = t.locales[locale] ?? {};
    const problems: PartProblem[] = [];
    const opts = { locale, timezone: ctx.customer.timezone, now: ctx.now, preview };
    const run = (part: TemplatePart): string | null => {
      const compiled = parts[part];
      if (!compiled) return null;
      const r = this.engine.renderPart(compiled, ctx, opts);
      problems.push(...r.problems.map((p) => ({ ...p, part })));
      return r.output;
    };
    const empty = (part: TemplatePart, value: string | null) => {
      if (value !== null && !value.trim())
        problems.push(this.problem(part, `${part} renders empty`));
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
          this.problem('footer', `links.${link} is missing: every e-mail carries it in the footer`),
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
    const html = '<!doctype html>\n' + this.layout.html({ ...layoutContext, body: bodyHtml });
    const text = this.layout.text({ ...layoutContext, body: bodyText });
    return {
      message: { channel: 'email', subject, html, text },
      problems,
      content: { subject, html: bodyHtml, text: textPart ?? '' },
    };
  }

  /** The footer's words in the message's language, with why the customer gets it. */
  private async footer(locale: string, ctx: Normalized) {
    const all = this.files.layouts.footer;
    const f: FooterTexts = all[locale] ?? all[lang(locale)] ?? all.en;
    let reason = ctx.reason?.trim() ?? '';
    if (!reason) {
      const topic = ctx.campaign.topic ? await this.topic(ctx.campaign.topic) : null;
      if (topic) {
        const title =
          topic.title[locale] ?? topic.title[lang(locale)] ?? topic.title.en ?? ctx.campaign.topic;
        reason = (topic.category === 'service' ? f.reasonService : f.reasonSubscribed).replace(
          '{topic}',
          title,
        );
      } else {
        reason = f.reasonCustomer;
      }
      reason = reason.replace('{company}', ctx.company.name);
    }
    return { reason, preferences: f.preferences, unsubscribe: f.unsubscribe };
  }

  private async topic(key: string) {
    const hit = this.topics.get(key);
    if (hit && Date.now() - hit.at < TOPIC_TTL_MS) return hit.topic;
    const rows: { category: string; title: Record<string, string> }[] = await this.dataSource.query(
      `SELECT category, title FROM topics WHERE key = $1`,
      [key],
    );
    const topic = rows[0] ?? null;
    if (this.topics.size > 1000) this.topics.clear();
    this.topics.set(key, { at: Date.now(), topic });
    return topic;
  }

  private async customerFor(id: string): Promise<TemplateContext['customer']> {
    const rows: {
      name: string | null;
      email: string | null;
      phone: string | null;
      company: string | null;
      locale: string;
      timezone: string;
      attributes: Record<string, unknown>;
      purchase_count: number;
      last_purchase_at: Date | null;
      erased_at: Date | null;
    }[] = await this.dataSource.query(
      `SELECT name, email, phone, company, locale, timezone, attributes, purchase_count,
              last_purchase_at, erased_at
       FROM customers WHERE id = $1`,
      [id],
    );
    const c = rows[0];
    if (!c || c.erased_at) throw new NotFoundException([`customer ${id} not found`]);
    return {
      name: c.name,
      email: c.email,
      phone: c.phone,
      company: c.company,
      locale: c.locale,
      timezone: c.timezone,
      lifecycleStage: lifecycleStage(
        { purchaseCount: c.purchase_count, lastPurchaseAt: c.last_purchase_at },
        this.clock.now(),
      ),
      attributes: c.attributes,
    };
  }

  private smsTooLong(segments: number, encoding: SmsEncoding): string {
    return (
      `the message is ${segments} SMS segments (${encoding}) with the opt-out line; ` +
      `at most ${this.settings.smsMaxSegments} are allowed`
    );
  }

  private problem(part: PartProblem['part'], message: string): PartProblem {
    return { part, variable: '', message, line: 0, column: 0 };
  }

  private toView(r: TemplateRow): TemplateView {
    return {
      name: r.name,
      version: r.version,
      source: 'stored',
      locales: r.locales,
      createdAt: r.created_at,
      createdBy: r.created_by,
    };
  }

  /** The layouts must show every footer element after the body, whatever the layout file says. */
  private checkLayouts(): void {
    const context = {
      lang: 'en',
      subject: 'subject',
      body: SENTINEL.body,
      footer: { reason: SENTINEL.reason, preferences: 'preferences', unsubscribe: 'unsubscribe' },
      links: { unsubscribe: SENTINEL.unsubscribe, preferences: SENTINEL.preferences },
      company: { name: SENTINEL.company, address: SENTINEL.address },
    };
    for (const [kind, layout] of Object.entries(this.layout)) {
      const out = layout(context);
      const body = out.indexOf(SENTINEL.body);
      if (body < 0) throw new Error(`templates/layouts/email.${kind}.hbs must show the body`);
      for (const s of [
        SENTINEL.reason,
        SENTINEL.unsubscribe,
        SENTINEL.preferences,
        SENTINEL.company,
        SENTINEL.address,
      ]) {
        if (out.indexOf(s) <= body) {
          throw new Error(`templates/layouts/email.${kind}.hbs must show ${s} after the body`);
        }
      }
    }
  }
}

function channelPart(channel: TemplateChannel): TemplatePart {
  return channel === 'email' ? 'html' : channel === 'sms' ? 'sms' : 'call';
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { invalid } from '../common/domain-error';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import type { ContentCheckResult } from './content-check';
import type { RenderedMessage, TemplateChannel, TemplateContext } from './template-context';
import { TemplateCompiler } from './template-compiler';
import { TemplateRenderer } from './template-renderer';
import { TemplateSamples, type SampleCampaign } from './template-samples';
import { TemplateStore } from './template-store';
import { localesProblems, type CreateTemplateDto, type PreviewTemplateDto } from './templates.dto';

/**
 * Message templates: the built-in set under templates/ and versions saved through the API
 * (TemplateStore), strict rendering (TemplateRenderer) and sample renders (TemplateSamples).
 */
@Injectable()
export class TemplatesService {
  private readonly logger = new Logger(TemplatesService.name);
  private readonly compiler: TemplateCompiler;
  private readonly store: TemplateStore;
  private readonly renderer: TemplateRenderer;
  private readonly samples: TemplateSamples;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
    @Inject(SETTINGS) settings: Settings,
  ) {
    this.compiler = new TemplateCompiler();
    this.store = new TemplateStore(dataSource, this.compiler);
    this.renderer = new TemplateRenderer(dataSource, this.compiler, this.store, settings);
    this.samples = new TemplateSamples(dataSource, this.store, this.renderer, clock, settings);
    this.logger.log(`${this.compiler.builtinCount} built-in templates loaded`);
  }

  /** The newest version of a template; not found naming it when there is none. */
  latestVersion(name: string): Promise<number> {
    return this.store.latestVersion(name);
  }

  get(name: string, version?: number) {
    return this.store.get(name, version);
  }

  versions(name: string) {
    return this.store.versions(name);
  }

  list(cursor: string | undefined, limit = 50) {
    return this.store.list(cursor, limit);
  }

  /** Saves a new version (compiled and checked first); invalid naming locale, part, line and column. */
  async create(dto: CreateTemplateDto, actor: string) {
    const problems = localesProblems(dto.locales);
    if (problems.length) throw invalid(problems);
    const compiled = this.compiler.compileLocales(dto.locales);
    const warnings = await this.samples.warnings(dto.name, compiled);
    return this.dataSource.transaction(async (m) => {
      const row = await this.store.insertNext(m, dto.name, dto.locales, actor, this.clock.now());
      const { version } = row;
      const locales = Object.keys(dto.locales).sort();
      await this.audit.record(
        {
          type: version === 1 ? 'template.created' : 'template.versioned',
          actor,
          data: { template: dto.name, version, locales, warnings },
        },
        m,
      );
      this.store.remember({ name: dto.name, version, locales: compiled });
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

  /** See TemplateRenderer.render: the sender's MessageRenderer. */
  render(
    name: string,
    version: number,
    channel: TemplateChannel,
    context: TemplateContext,
  ): Promise<RenderedMessage> {
    return this.renderer.render(name, version, channel, context);
  }

  /** Renders each locale for a customer (or the sample) on every channel the template has. */
  preview(name: string, dto: PreviewTemplateDto) {
    return this.samples.preview(name, dto);
  }

  /** A campaign's content check over its template's sample renders (see TemplateSamples). */
  sampleContentCheck(
    name: string,
    version: number,
    channels: readonly string[],
    campaign: SampleCampaign,
  ): Promise<ContentCheckResult> {
    return this.samples.contentCheck(name, version, channels, campaign);
  }
}

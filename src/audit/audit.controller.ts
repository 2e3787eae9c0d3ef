import { Controller, Get, Headers, Logger, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../auth/roles.decorator';
import { ApiStandardErrors } from '../common/api-errors.decorator';
import { Clock } from '../common/clock';
import { AuditExportQuery, AuditListQuery, toAuditFilter } from './audit-filter';
import { AuditQueryService } from './audit-query.service';
import { AuditSealerService } from './audit-sealer.service';
import { CampaignReportService } from './campaign-report.service';
import { EvidenceService } from './evidence.service';
import { TimelineService } from './timeline.service';
import { safeError } from '../common/log-safety';

const pageSize = (limit: string | undefined, def: number, max: number) =>
  Math.max(1, Math.min(Number(limit ?? def) || def, max));

@ApiTags('audit')
@ApiBearerAuth()
@ApiStandardErrors()
@Controller('v1/audit')
export class AuditController {
  private readonly log = new Logger(AuditController.name);

  constructor(
    private readonly audit: AuditQueryService,
    private readonly sealer: AuditSealerService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Roles('auditor')
  list(@Query() q: AuditListQuery) {
    return this.audit.list(toAuditFilter(q), q.cursor, pageSize(q.limit, 100, 1000));
  }

  @Get('export')
  @Roles('auditor')
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({ description: 'Every matching event, streamed in id order' })
  async export(@Query() q: AuditExportQuery, @Res() res: Response): Promise<void> {
    const filter = toAuditFilter(q);
    const format = q.format ?? 'ndjson';
    const stamp = this.clock.now().toISOString().replace(/[:.]/g, '-');
    res.status(200);
    res.setHeader(
      'Content-Type',
      format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    );
    res.setHeader('Content-Disposition', `attachment; filename="audit-${stamp}.${format}"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await this.audit.export(filter, format, res);
      res.end();
    } catch (err) {
      // Headers are gone; all we can do is cut the stream so the client sees it incomplete.
      this.log.error({ error: safeError(err) }, 'audit export failed');
      res.destroy(err as Error);
    }
  }

  /**
   * Checks the hash chain as sealed so far. A GET changes nothing, so unlike
   * `npm run cli -- audit verify` it does not seal first: newer rows are counted as unsealed
   * until the scheduler's next sealing tick.
   */
  @Get('verify')
  @Roles('auditor')
  verify() {
    return this.sealer.verify({ seal: false });
  }
}

class TimelineQuery {
  @ApiPropertyOptional({ enum: ['ru', 'en'], description: 'Default: the customer’s locale' })
  @IsOptional()
  @IsIn(['ru', 'en'], { message: 'locale must be ru or en' })
  locale?: 'ru' | 'en';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], description: 'Default desc (newest first)' })
  @IsOptional()
  @IsIn(['asc', 'desc'], { message: 'order must be asc or desc' })
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ description: 'Page size, 1–500 (default 50)' })
  @IsOptional()
  @Matches(/^\d+$/, { message: 'limit must be a whole number' })
  limit?: string;
}

class EvidenceQuery {
  @ApiPropertyOptional({ enum: ['json', 'html'], description: 'Or Accept: text/html' })
  @IsOptional()
  @IsIn(['json', 'html'], { message: 'format must be json or html' })
  format?: 'json' | 'html';

  @ApiPropertyOptional({ enum: ['ru', 'en'], description: 'HTML labels; default the customer’s' })
  @IsOptional()
  @IsIn(['ru', 'en'], { message: 'locale must be ru or en' })
  locale?: 'ru' | 'en';
}

@ApiTags('audit')
@ApiBearerAuth()
@ApiStandardErrors()
@Controller('v1/customers/:id')
export class CustomerAuditController {
  constructor(
    private readonly timelines: TimelineService,
    private readonly evidence: EvidenceService,
  ) {}

  @Get('timeline')
  @Roles('auditor', 'marketer')
  timeline(@Param('id', ParseUUIDPipe) id: string, @Query() q: TimelineQuery) {
    return this.timelines.timeline(id, {
      locale: q.locale,
      cursor: q.cursor,
      limit: pageSize(q.limit, 50, 500),
      order: q.order ?? 'desc',
    });
  }

  @Get('evidence')
  @Roles('auditor')
  @ApiProduces('application/json', 'text/html')
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'html'] })
  async bundle(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: EvidenceQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const b = await this.evidence.bundle(id);
    const html = q.format === 'html' || (q.format === undefined && prefersHtml(accept ?? ''));
    if (!html) return b;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    // The page shows only escaped data; no script may run on it.
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.send(this.evidence.html(b, q.locale));
    return undefined;
  }
}

/** text/html ranked above application/json (browsers, "print this"). */
function prefersHtml(accept: string): boolean {
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
}

@ApiTags('audit')
@ApiBearerAuth()
@ApiStandardErrors()
@Controller('v1/campaigns/:id/report')
export class CampaignReportController {
  constructor(private readonly reports: CampaignReportService) {}

  @Get()
  @Roles('auditor', 'marketer')
  report(@Param('id', ParseUUIDPipe) id: string) {
    return this.reports.report(id);
  }
}

import {
  Controller,
  Get,
  HttpException,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { AuditExportQuery, AuditListQuery, toAuditFilter } from '../audit/audit-filter';
import { AuditQueryService } from '../audit/audit-query.service';
import { Public } from '../auth/roles.decorator';
import { validationMessages } from '../common/validation';
import {
  AUDIT_FIELDS,
  auditFormOf,
  auditLinks,
  auditQueryOf,
  auditRow,
  type AuditCustomer,
} from './audit-page.presenter';
import { ConsoleExceptionFilter, ConsoleGuard, type ConsoleRequest } from './console.guard';
import { ConsoleMirrors } from './console-access';
import { CONSOLE_NEEDS } from './console-needs';
import { messagesByFirstWord } from './field-messages';
import { page, str, textsOf, zoneOf } from './page';
import { messagesOfRefusal } from './service-messages';
import { zoneName } from './zone';

/** The audit page: filtered events, newest first, and their export. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleAuditController {
  constructor(
    private readonly audit: AuditQueryService,
    private readonly dataSource: DataSource,
  ) {}

  /** The customers the rows name, by id, in one read (name, external id, erased or not). */
  private async customersOf(ids: string[]): Promise<Map<string, AuditCustomer>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return new Map();
    const rows: { id: string; name: string | null; external_id: string; erased: boolean }[] =
      await this.dataSource.query(
        `SELECT id, name, external_id, erased_at IS NOT NULL AS erased
           FROM customers WHERE id = ANY($1::uuid[])`,
        [unique],
      );
    return new Map(
      rows.map((r) => [
        r.id,
        { id: r.id, name: r.name, externalId: r.external_id, erased: r.erased },
      ]),
    );
  }

  @Get('audit')
  @ConsoleMirrors(CONSOLE_NEEDS.audit)
  async auditPage(
    @Query() raw: Record<string, unknown>,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const q = auditQueryOf(raw);
    const cursor = str(raw.cursor) || undefined;
    const dto = plainToInstance(AuditListQuery, { ...q, order: 'desc' });
    let messages = validationMessages(dto);
    let items: unknown[] = [];
    let nextCursor: string | null = null;
    if (!messages.length) {
      try {
        const r = await this.audit.list(toAuditFilter(dto), cursor, 50);
        const who = await this.customersOf(
          r.items.flatMap((i) => (i.customerId ? [i.customerId] : [])),
        );
        items = r.items.map((i) => auditRow(i, lang, zoneOf(req), who));
        nextCursor = r.nextCursor;
      } catch (err) {
        messages = messagesOfRefusal(err);
      }
    }
    page(req, res, 'audit', {
      title: t.audit,
      section: 'audit',
      status: messages.length ? 400 : 200,
      form: auditFormOf(raw),
      ...messagesByFirstWord(messages, AUDIT_FIELDS),
      items,
      zoneName: zoneName(zoneOf(req), lang),
      ...auditLinks(q, nextCursor),
    });
  }

  /** The same streamed export as GET /v1/audit/export, under the console session. */
  @Get('audit/export')
  @ConsoleMirrors(CONSOLE_NEEDS.auditExport)
  async exportAudit(@Query() raw: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const format = str(raw.format) === 'csv' ? 'csv' : 'ndjson';
    const dto = plainToInstance(AuditExportQuery, { ...auditQueryOf(raw), format });
    const messages = validationMessages(dto);
    if (messages.length) throw new HttpException(messages, 400);
    const filter = toAuditFilter(dto);
    res.status(200);
    res.setHeader(
      'Content-Type',
      format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    );
    res.setHeader('Content-Disposition', `attachment; filename="audit.${format}"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await this.audit.export(filter, format, res);
      res.end();
    } catch (err) {
      res.destroy(err as Error);
    }
  }
}

import {
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { EvidenceService } from '../audit/evidence.service';
import { TimelineService } from '../audit/timeline.service';
import { Public } from '../auth/roles.decorator';
import { CustomersService } from '../customers/customers.service';
import { ConsoleExceptionFilter, ConsoleGuard, type ConsoleRequest } from './console.guard';
import { ConsoleMirrors, mayUse } from './console-access';
import { CONSOLE_NEEDS } from './console-needs';
import { searchByOf, searchChoices, timelineRow } from './customer-page.presenter';
import { page, sessionOf, str, textsOf, zoneOf } from './page';
import { messagesOfRefusal } from './service-messages';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new NotFoundException(['no such customer']),
});

@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console/customers')
export class ConsoleCustomersController {
  constructor(
    private readonly customers: CustomersService,
    private readonly timelines: TimelineService,
    private readonly evidence: EvidenceService,
  ) {}

  @Get()
  @ConsoleMirrors(CONSOLE_NEEDS.customerSearch)
  async search(
    @Query('by') byRaw: string | undefined,
    @Query('q') qRaw: string | undefined,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    const t = textsOf(req);
    const by = searchByOf(byRaw);
    const q = str(qRaw).trim();
    let results: unknown[] | null = null;
    let error: string | null = null;
    if (q) {
      try {
        results = (await this.customers.list({ [by]: q, limit: '50' })).items;
      } catch (err) {
        error = messagesOfRefusal(err).join('; ');
      }
    }
    page(req, res, 'customers', {
      title: t.searchCustomers,
      section: 'customers',
      status: error ? 400 : 200,
      by,
      q,
      byChoices: searchChoices(t, by),
      results,
      error,
    });
  }

  @Get(':id')
  @ConsoleMirrors(CONSOLE_NEEDS.customer)
  async show(
    @Param('id', uuid) id: string,
    @Query('cursor') cursor: string | undefined,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const role = sessionOf(req).role;
    const customer = await this.customers.get(id);
    const timeline = await this.timelines.timeline(id, {
      locale: lang,
      cursor: cursor || undefined,
      limit: 50,
      order: 'desc',
    });
    page(req, res, 'customer', {
      title: `${t.customer} ${customer.externalId}`,
      section: 'customers',
      customer,
      items: timeline.items.map((i) => timelineRow(i, lang, zoneOf(req))),
      nextCursor: timeline.nextCursor,
      canSeeEvidence: mayUse(role, CONSOLE_NEEDS.evidence),
      canErase: mayUse(role, CONSOLE_NEEDS.eraseCustomer) && !customer.erasedAt,
      erased: !!customer.erasedAt,
    });
  }

  /** The printable evidence page (the audit module's own HTML, escaped, no script). */
  @Get(':id/evidence')
  @ConsoleMirrors(CONSOLE_NEEDS.evidence)
  async evidencePage(
    @Param('id', uuid) id: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    const bundle = await this.evidence.bundle(id);
    res
      .status(200)
      .set({
        'Cache-Control': 'no-store',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      })
      .type('text/html; charset=utf-8')
      .send(this.evidence.html(bundle, req.console?.lang ?? 'en'));
  }

  @Get(':id/erase')
  @ConsoleMirrors(CONSOLE_NEEDS.eraseCustomer)
  async confirmErase(
    @Param('id', uuid) id: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    const t = textsOf(req);
    const c = await this.customers.get(id);
    page(req, res, 'confirm', {
      title: t.erase,
      section: 'customers',
      question: t.confirmErase,
      actionUrl: `/console/customers/${id}/erase`,
      backUrl: `/console/customers/${id}`,
      subject: c.externalId,
      danger: true,
      buttonLabel: t.erase,
    });
  }

  @Post(':id/erase')
  @ConsoleMirrors(CONSOLE_NEEDS.eraseCustomer)
  async erase(
    @Param('id', uuid) id: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    const s = sessionOf(req);
    await this.customers.erase(id, { keyId: s.keyId, role: s.role });
    res.redirect(303, `/console/customers/${id}`);
  }
}

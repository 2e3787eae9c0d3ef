import {
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { WebhooksService } from '../webhooks/webhooks.service';
import { ConsoleExceptionFilter, ConsoleGuard, type ConsoleRequest } from './console.guard';
import { ConsoleMirrors } from './console-access';
import { CONSOLE_NEEDS } from './console-needs';
import { fmtDate, page, textsOf, zoneOf } from './page';

/** The outbound webhooks page: endpoints, their recent attempts with answers, "send again". */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleWebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get('webhooks')
  @ConsoleMirrors(CONSOLE_NEEDS.webhooks)
  async webhooksPage(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const queued = typeof req.query.queued === 'string' ? req.query.queued : null;
    const endpoints = await Promise.all(
      (await this.webhooks.list()).map(async (e) => ({
        ...e,
        events: e.events.join(', '),
        created: fmtDate(e.createdAt, lang, zoneOf(req)),
        attempts: (await this.webhooks.attempts(e.id)).map((a) => ({
          ...a,
          when: fmtDate(a.at, lang, zoneOf(req)),
          ok: a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300,
        })),
      })),
    );
    page(req, res, 'webhooks', {
      title: t.webhooks,
      section: 'webhooks',
      endpoints,
      queued: queued !== null && /^\d{1,18}$/.test(queued),
    });
  }

  @Post('webhooks/:id/messages/:messageId/resend')
  @ConsoleMirrors(CONSOLE_NEEDS.resendWebhook)
  async resend(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('messageId') messageId: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.webhooks.resend(id, messageId);
    res.redirect(303, `/console/webhooks?queued=${encodeURIComponent(messageId)}`);
  }
}

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
import { plainToInstance } from 'class-transformer';
import type { Response } from 'express';
import { actorRef } from '../auth/actor';
import { Public } from '../auth/roles.decorator';
import { validationMessages } from '../common/validation';
import { ResolveFollowUpDto } from '../follow-ups/follow-ups.dto';
import { FollowUpsService } from '../follow-ups/follow-ups.service';
import { ConsoleExceptionFilter, ConsoleGuard, type ConsoleRequest } from './console.guard';
import { ConsoleMirrors } from './console-access';
import { CONSOLE_NEEDS } from './console-needs';
import { fmtDate, formOf, page, sessionOf, str, textsOf, zoneOf } from './page';
import { messagesOfRefusal } from './service-messages';

/** "Needs attention": open follow-ups, oldest first, each with a "resolved" form and its note. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console/follow-ups')
export class ConsoleFollowUpsController {
  constructor(private readonly followUps: FollowUpsService) {}

  @Get()
  @ConsoleMirrors(CONSOLE_NEEDS.followUps)
  async list(
    @Query('cursor') cursor: string | undefined,
    @Query('done') done: string | undefined,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    await this.show(req, res, { cursor: str(cursor) || undefined, resolved: done === '1' });
  }

  @Post(':id/resolve')
  @ConsoleMirrors(CONSOLE_NEEDS.resolveFollowUp)
  async resolve(
    @Param(
      'id',
      new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException(['no such follow-up']) }),
    )
    id: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    const dto = plainToInstance(ResolveFollowUpDto, { note: str(formOf(req).note).trim() });
    const messages = validationMessages(dto);
    if (messages.length) return this.show(req, res, { failed: { id, messages }, status: 400 });
    try {
      await this.followUps.resolve(id, dto.note, actorRef(sessionOf(req)));
    } catch (err) {
      const refused = messagesOfRefusal(err);
      if (!refused.length) throw err;
      return this.show(req, res, { failed: { id, messages: refused }, status: 409 });
    }
    res.redirect(303, '/console/follow-ups?done=1');
  }

  private async show(
    req: ConsoleRequest,
    res: Response,
    opts: {
      cursor?: string;
      resolved?: boolean;
      failed?: { id: string; messages: string[] };
      status?: number;
    },
  ): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const list = await this.followUps.listOpen({ cursor: opts.cursor });
    page(req, res, 'follow-ups', {
      title: t.followUps,
      section: 'followUps',
      status: opts.status ?? 200,
      resolved: opts.resolved ?? false,
      items: list.items.map((f) => ({
        id: f.id,
        customerId: f.customer.id,
        customer: f.customer.name ?? f.customer.externalId,
        company: f.customer.company,
        reasons: f.reasons.map((r) => t[`reason_${r}`]).join(', '),
        opened: fmtDate(f.openedAt, lang, zoneOf(req)),
        errors: opts.failed?.id === f.id ? opts.failed.messages : null,
      })),
      nextCursor: list.nextCursor,
    });
  }
}

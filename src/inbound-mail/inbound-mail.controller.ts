import { BadRequestException, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Roles } from '../auth/roles.decorator';
import { ApiStandardErrors } from '../common/api-errors.decorator';
import { rawBody } from '../delivery/feedback/feedback.controller';
import { InboundMailService } from './inbound-mail.service';

@ApiTags('webhooks')
@ApiStandardErrors()
@Controller('webhooks/email')
export class InboundMailController {
  constructor(private readonly inbound: InboundMailService) {}

  /**
   * Any raw RFC 5322 message the mail server received for the product (`message/rfc822` or
   * `text/plain`; or JSON `{ "message": "…" }`): bounces (RFC 3464) and complaints (RFC 5965)
   * are applied as by /webhooks/email/dsn; a message to the List-Unsubscribe mailbox withdraws
   * its token's scope. Always 200 with `route` and `handled` (and `reason` when nothing changed),
   * so a mail server does not retry or bounce what was read; 4xx only for a bad request.
   */
  @Roles('integration')
  @ApiBearerAuth()
  @ApiConsumes('message/rfc822', 'text/plain', 'application/json')
  @Post('inbound')
  @HttpCode(200)
  async receive(@Req() req: Request) {
    const raw = await rawBody(req);
    if (!raw.length) throw new BadRequestException(['body must be a raw e-mail message']);
    return this.inbound.receive(raw);
  }
}

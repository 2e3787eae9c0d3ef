import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';
import { Public } from '../auth/roles.decorator';
import { evidenceOf } from '../preferences/preferences.controller';
import { SUBSCRIBE_ACCEPTED, SubscribeDto } from './subscribe.dto';
import { SubscribeService } from './subscribe.service';

@ApiTags('subscribe')
@Public()
@UseGuards(ThrottlerGuard)
@Controller('v1/subscribe')
export class SubscribeController {
  constructor(private readonly subscriptions: SubscribeService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a double opt-in (public)',
    description:
      'Keeps the request (nothing a campaign can reach) and e-mails a link valid for 7 days to a ' +
      'page with one button; pressing it creates or attaches the customer and records the grant ' +
      "and its confirmation. The stored consent text is the server's own for wordingVersion and " +
      'locale; a posted `wording` is refused. The answer (status, body, headers, timing) is the ' +
      'same for every address (unknown, known, already confirmed, suppressed, erased or over its ' +
      'limit): that work happens after answering. Rate-limited per IP (429) and per address (silently).',
  })
  @ApiResponse({ status: 202, description: 'Accepted', schema: { example: SUBSCRIBE_ACCEPTED } })
  @ApiResponse({ status: 400, description: 'Invalid input; each message names the field' })
  @ApiResponse({ status: 429, description: 'Too many requests from this IP' })
  async subscribe(@Body() dto: SubscribeDto, @Req() req: Request) {
    await this.subscriptions.subscribe(dto, evidenceOf(req));
    return SUBSCRIBE_ACCEPTED;
  }
}

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
      'Records the grant and e-mails a confirmation link valid for 7 days. The answer is the same ' +
      'for every address (unknown, known, already confirmed, suppressed or over its limit). ' +
      'Rate-limited per IP (429) and per address (silently).',
  })
  @ApiResponse({ status: 202, description: 'Accepted', schema: { example: SUBSCRIBE_ACCEPTED } })
  @ApiResponse({ status: 400, description: 'Invalid input; each message names the field' })
  @ApiResponse({ status: 429, description: 'Too many requests from this IP' })
  async subscribe(@Body() dto: SubscribeDto, @Req() req: Request) {
    await this.subscriptions.subscribe(dto, evidenceOf(req));
    return SUBSCRIBE_ACCEPTED;
  }
}

import { formParams } from '../common/twilio-webhook';
import { Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { TwilioInboundService } from './twilio-inbound.service';

/** Only the string fields of the parsed urlencoded body: what Twilio signed. */

/** Twilio's inbound SMS webhook; authenticated by X-Twilio-Signature instead of an API key. */
@ApiTags('webhooks')
@Controller('webhooks/twilio')
export class TwilioInboundController {
  constructor(private readonly inbound: TwilioInboundService) {}

  @Public()
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiProduces('text/xml')
  @Post('inbound')
  @HttpCode(200)
  async receive(
    @Req() req: Request,
    @Headers('x-twilio-signature') signature: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const params = formParams(req.body);
    this.inbound.verify(signature, params);
    const twiml = await this.inbound.handle(params);
    // Set only on success: errors leave as JSON through the exception filter.
    res.type('text/xml; charset=utf-8');
    return twiml;
  }
}

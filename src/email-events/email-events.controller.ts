import { Body, Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/roles.decorator';
import type { WithRawBody } from '../common/body-parsers';
import { rawBody } from '../delivery/feedback/feedback.controller';
import { ProviderEventsResultDto } from './email-events.dto';
import { EmailEventsService } from './email-events.service';

/** The bytes the provider signed: kept by the JSON parser, else read from the stream. */
const bytesOf = async (req: Request): Promise<Buffer> =>
  (req as Request & WithRawBody).rawBody ?? rawBody(req);

/**
 * Bounces, complaints and deliveries from the e-mail service a company sends through. Public:
 * each request is verified as its vendor documents it; a provider not configured answers 404.
 */
@ApiTags('webhooks')
@Public()
@Controller('webhooks/email')
export class EmailEventsController {
  constructor(private readonly events: EmailEventsService) {}

  @ApiOperation({
    summary: 'Amazon SES notifications through SNS',
    description:
      'An SNS HTTPS subscription: the message signature is checked against its SNS signing certificate; a SubscriptionConfirmation is confirmed. Needs SES_WEBHOOK_ENABLED=true.',
    security: [],
  })
  @ApiConsumes('text/plain', 'application/json')
  @ApiOkResponse({ type: ProviderEventsResultDto })
  @Post('ses')
  @HttpCode(200)
  async ses(@Req() req: Request): Promise<ProviderEventsResultDto> {
    return this.events.ses(await bytesOf(req));
  }

  @ApiOperation({
    summary: 'SendGrid Event Webhook',
    description: 'Signed with ECDSA; verified with SENDGRID_WEBHOOK_PUBLIC_KEY.',
    security: [],
  })
  @ApiOkResponse({ type: ProviderEventsResultDto })
  @Post('sendgrid')
  @HttpCode(200)
  sendgrid(
    @Req() req: Request,
    @Headers('x-twilio-email-event-webhook-signature') signature: string | undefined,
    @Headers('x-twilio-email-event-webhook-timestamp') timestamp: string | undefined,
  ): Promise<ProviderEventsResultDto> {
    return this.events.sendgrid((req as Request & WithRawBody).rawBody, signature, timestamp);
  }

  @ApiOperation({
    summary: 'Mailgun webhook',
    description:
      'HMAC-SHA256 of timestamp and token with MAILGUN_WEBHOOK_SIGNING_KEY; old timestamps and reused tokens are refused.',
    security: [],
  })
  @ApiOkResponse({ type: ProviderEventsResultDto })
  @Post('mailgun')
  @HttpCode(200)
  mailgun(@Body() body: unknown): Promise<ProviderEventsResultDto> {
    return this.events.mailgun(body);
  }

  @ApiOperation({
    summary: 'Postmark webhook',
    description:
      'Basic auth on the webhook URL: POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD.',
    security: [],
  })
  @ApiOkResponse({ type: ProviderEventsResultDto })
  @Post('postmark')
  @HttpCode(200)
  postmark(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ): Promise<ProviderEventsResultDto> {
    return this.events.postmark(authorization, body);
  }
}

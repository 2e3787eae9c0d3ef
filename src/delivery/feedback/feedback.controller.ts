import { formParams } from '../../common/twilio-webhook';
import {
  BadRequestException,
  Controller,
  Headers,
  HttpCode,
  PayloadTooLargeException,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public, Roles } from '../../auth/roles.decorator';
import { ProviderFeedbackService } from './provider-feedback.service';

/** Only the string fields of the parsed urlencoded body: what Twilio signed. */

const MAX_REPORT_BYTES = 5 * 1024 * 1024;

/** The raw body of a non-JSON, non-form request (message/rfc822, text/plain, …). */
export async function rawBody(req: Request): Promise<Buffer> {
  const body: unknown = req.body;
  // A JSON client may wrap the message: { "message": "<raw RFC 822 text>" }.
  if (body && typeof body === 'object' && !Buffer.isBuffer(body)) {
    const message = (body as Record<string, unknown>).message;
    if (typeof message === 'string') return Buffer.from(message, 'utf8');
    if (Object.keys(body).length) throw new BadRequestException(['message must be a string']);
  }
  if (req.readableEnded) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += b.length;
    if (size > MAX_REPORT_BYTES) throw new PayloadTooLargeException(['body is larger than 5 MB']);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

@ApiTags('webhooks')
@Controller('webhooks')
export class FeedbackController {
  constructor(private readonly feedback: ProviderFeedbackService) {}

  /** Twilio message and call status callbacks; authenticated by X-Twilio-Signature. */
  @Public()
  @ApiConsumes('application/x-www-form-urlencoded')
  @Post('twilio/status')
  @HttpCode(200)
  async twilioStatus(
    @Req() req: Request,
    @Headers('x-twilio-signature') signature: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const params = formParams(req.body);
    this.feedback.verifyTwilio(signature, params);
    await this.feedback.twilioStatus(params);
    res.type('text/xml; charset=utf-8');
    return '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
  }

  /**
   * A raw RFC 3464 bounce or RFC 5965 complaint, as the mail server's bounce handler received it
   * (`Content-Type: message/rfc822` or `text/plain`; or JSON `{ "message": "…" }`).
   */
  @Roles('integration')
  @ApiBearerAuth()
  @ApiConsumes('message/rfc822', 'text/plain', 'application/json')
  @Post('email/dsn')
  @HttpCode(200)
  async emailReport(@Req() req: Request) {
    const raw = await rawBody(req);
    if (!raw.length) throw new BadRequestException(['body must be a raw e-mail message']);
    return this.feedback.emailReport(raw);
  }
}

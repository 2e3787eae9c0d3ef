import { Body, Controller, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { FreshLinkService, isEmailAddress } from './fresh-link.service';
import { sendLinkNotValid } from './link-not-valid';
import { formField } from './pages';

/**
 * The way forward from a link that no longer works: `POST /links/new` with an e-mail address
 * sends a fresh preference link to it when it is on file, and answers the same either way.
 * Throttled with the other public routes (one allowance per client).
 */
@ApiExcludeController()
@Public()
@UseGuards(ThrottlerGuard)
@Controller('links')
export class FreshLinkController {
  constructor(
    private readonly freshLinks: FreshLinkService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Post('new')
  @HttpCode(200)
  ask(@Body() body: unknown, @Req() req: Request, @Res() res: Response): void {
    const raw = formField(req, body, 'email');
    const email = typeof raw === 'string' ? raw.trim() : '';
    if (!isEmailAddress(email))
      return sendLinkNotValid(req, res, this.settings.company, 'invalid', 400);
    this.freshLinks.request(email);
    sendLinkNotValid(req, res, this.settings.company, 'sent', 200);
  }
}

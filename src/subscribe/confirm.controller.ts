import { Controller, Get, Param, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { renderPage, sendNotFound, sendPage } from '../preferences/pages';
import { evidenceOf } from '../preferences/preferences.controller';
import { SubscribeService } from './subscribe.service';
import { CONFIRM_TEXTS } from './confirm.texts';
import { Inject } from '@nestjs/common';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';

/** The double opt-in link from the confirmation e-mail. */
@ApiExcludeController()
@Public()
@UseGuards(ThrottlerGuard)
@Controller('confirm')
export class ConfirmController {
  constructor(
    private readonly subscriptions: SubscribeService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get(':token')
  async confirm(
    @Param('token') token: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const confirmed = await this.subscriptions.confirm(token, evidenceOf(req));
    if (!confirmed) return sendNotFound(res);
    sendPage(
      res,
      200,
      renderPage('confirmed', {
        lang: confirmed.lang,
        t: CONFIRM_TEXTS[confirmed.lang],
        topics: confirmed.topics,
        preferencesPath: confirmed.preferencesPath,
        company: this.settings.company,
      }),
    );
  }
}

import { Body, Controller, Get, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { sendLinkNotValid } from '../preferences/link-not-valid';
import { renderPage, sendPage } from '../preferences/pages';
import { evidenceOf } from '../preferences/preferences.controller';
import { CONFIRM_TEXTS } from './confirm.texts';
import { ConfirmSubscriptionService } from './confirm-subscription.service';
import type { ConfirmPage } from './subscription-types';

const FORBIDDEN_HTML =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Forbidden</title></head>' +
  '<body><h1>Forbidden</h1><p>Please open the link from your e-mail again and press the button.</p></body></html>\n';

/**
 * The double opt-in link from the confirmation e-mail. GET (and HEAD) only show a page with one
 * button, because mail scanners and prefetchers follow every link; the button's POST, carrying
 * a CSRF field bound to the link, confirms.
 */
@ApiExcludeController()
@Public()
@UseGuards(ThrottlerGuard)
@Controller('confirm')
export class ConfirmController {
  constructor(
    private readonly subscriptions: ConfirmSubscriptionService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get(':token')
  async show(
    @Param('token') token: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    this.send(req, res, token, await this.subscriptions.preview(token));
  }

  @Post(':token')
  async confirm(
    @Param('token') token: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // Only the page's own urlencoded form carries the CSRF field.
    const csrf =
      req.is('application/x-www-form-urlencoded') && typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>).csrf
        : undefined;
    const result = await this.subscriptions.confirm(token, csrf, evidenceOf(req));
    if (result === 'forbidden') return sendPage(res, 403, FORBIDDEN_HTML);
    this.send(req, res, token, result);
  }

  private send(req: Request, res: Response, token: string, page: ConfirmPage | null): void {
    if (!page) return sendLinkNotValid(req, res, this.settings.company);
    const t = CONFIRM_TEXTS[page.lang];
    const context = { lang: page.lang, topics: page.topics, company: this.settings.company };
    if (page.confirmed) {
      sendPage(
        res,
        200,
        renderPage('confirmed', { ...context, t, preferencesPath: page.preferencesPath }),
      );
    } else {
      sendPage(
        res,
        200,
        renderPage('confirm', { ...context, t, action: `/confirm/${token}`, csrf: page.csrf }),
      );
    }
  }
}

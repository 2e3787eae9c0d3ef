import { Body, Controller, Get, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { sendLinkNotValid } from './link-not-valid';
import { sendPage } from './pages';
import { PreferencesService, type RequestEvidence } from './preferences.service';

const FORBIDDEN_HTML =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Forbidden</title></head>' +
  '<body><h1>Forbidden</h1><p>This form has expired. Please open the link from your e-mail again.</p></body></html>\n';

export const evidenceOf = (req: Request): RequestEvidence => ({
  ip: req.ip ?? req.socket.remoteAddress ?? null,
  userAgent: req.get('user-agent')?.slice(0, 1000) ?? null,
});

/**
 * The public preference page. GET only reads; POST (urlencoded form, CSRF token bound to the
 * link) saves. A bad or expired link gets the link-not-valid page, as /u/:token and /confirm do.
 */
@ApiExcludeController()
@Public()
@UseGuards(ThrottlerGuard)
@Controller('p')
export class PreferencesController {
  constructor(
    private readonly preferences: PreferencesService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get(':token')
  async show(
    @Param('token') token: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const target = await this.preferences.resolve(token);
    if (!target) return sendLinkNotValid(req, res, this.settings.company);
    sendPage(res, 200, await this.preferences.page(target));
  }

  @Post(':token')
  async save(
    @Param('token') token: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const target = await this.preferences.resolve(token);
    if (!target) return sendLinkNotValid(req, res, this.settings.company);
    // Only the page's own urlencoded form is accepted; anything else has no CSRF token.
    const form =
      req.is('application/x-www-form-urlencoded') && typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>)
        : {};
    const result = await this.preferences.submit(target, form, evidenceOf(req));
    if (result === 'forbidden') return sendPage(res, 403, FORBIDDEN_HTML);
    sendPage(res, result.status, result.html);
  }
}

import { Controller, Get, Head, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { sendLinkNotValid } from '../preferences/link-not-valid';
import { ClickService } from './click.service';

/** A tracked link: recorded, then 302 to where it points; never an open redirect. */
@ApiTags('public pages')
@Public()
@Controller('r')
export class ClickController {
  constructor(
    private readonly clicks: ClickService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  // Registered before GET, so Express does not answer HEAD with the GET handler.
  @Head(':token')
  @ApiOperation({ summary: 'A mail scanner checks a tracked link: kept, not counted' })
  @ApiFoundResponse({ description: 'Redirect to the original link' })
  async head(@Param('token') token: string, @Req() req: Request, @Res() res: Response) {
    await this.answer(
      req,
      res,
      await this.clicks.follow({ token, method: 'HEAD', userAgent: req.get('user-agent') }),
    );
  }

  @Get(':token')
  @ApiOperation({ summary: 'Follow a tracked link: records the click and redirects (302)' })
  @ApiFoundResponse({ description: 'Redirect to the original link' })
  @ApiNotFoundResponse({ description: 'The branded "link not valid" page' })
  async follow(@Param('token') token: string, @Req() req: Request, @Res() res: Response) {
    await this.answer(
      req,
      res,
      await this.clicks.follow({ token, method: 'GET', userAgent: req.get('user-agent') }),
    );
  }

  private async answer(req: Request, res: Response, url: string | null): Promise<void> {
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
    if (url === null) return sendLinkNotValid(req, res, this.settings.company);
    res.redirect(302, url);
  }
}

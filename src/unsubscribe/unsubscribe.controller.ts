import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  PayloadTooLargeException,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { sendLinkNotValid } from '../preferences/link-not-valid';
import { formField } from '../preferences/pages';
import { multipartBoundary, multipartField, readLimited } from './multipart-field';
import {
  ONE_CLICK_DONE_TEXT,
  UnsubscribeService,
  type RequestEvidence,
} from './unsubscribe.service';

/** A one-click body is 26 bytes; a multipart one a few hundred. */
const MULTIPART_LIMIT = 16 * 1024;
const ONE_CLICK = 'One-Click';

const evidenceOf = (req: Request): RequestEvidence => ({
  ip: req.ip ?? req.socket.remoteAddress ?? null,
  userAgent: req.get('user-agent')?.slice(0, 1000) ?? null,
});

/**
 * RFC 8058 one-click unsubscribe: `POST /u/:token` with `List-Unsubscribe=One-Click` withdraws
 * the scope the message was sent under and answers 200 — no redirect, no cookie, no login.
 * `GET /u/:token` only shows a page with a button; it never changes anything.
 */
@ApiExcludeController()
@Public()
@UseGuards(ThrottlerGuard)
@Controller('u')
export class UnsubscribeController {
  constructor(
    private readonly unsubscribe: UnsubscribeService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get(':token')
  async page(
    @Param('token') token: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const target = await this.unsubscribe.resolve(token);
    if (!target) return sendLinkNotValid(req, res, this.settings.company);
    const html = await this.unsubscribe.render(target, `/u/${token}`, null);
    res.status(200).set('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(html);
  }

  @Post(':token')
  @HttpCode(200)
  async oneClick(
    @Param('token') token: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const target = await this.unsubscribe.resolve(token);
    if (!target) return sendLinkNotValid(req, res, this.settings.company);
    if ((await oneClickField(req)) !== ONE_CLICK)
      throw new BadRequestException(['List-Unsubscribe must be One-Click']);
    const undo = await this.unsubscribe.unsubscribe(target, evidenceOf(req), token);
    res.status(200).set('Cache-Control', 'no-store');
    // Our own page's button gets a page back; a mailbox provider gets a tiny plain answer.
    if (req.accepts(['text/plain', 'text/html']) === 'text/html' && req.get('accept')) {
      res
        .type('text/html; charset=utf-8')
        .send(await this.unsubscribe.render(target, `/u/${token}`, { kind: 'done', undo }));
    } else {
      res.type('text/plain; charset=utf-8').send(ONE_CLICK_DONE_TEXT);
    }
  }

  /** "Undo" on the unsubscribed page (urlencoded form with the signed `undo` field). */
  @Post(':token/undo')
  @HttpCode(200)
  async undo(
    @Param('token') token: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const target = await this.unsubscribe.resolve(token);
    if (!target) return sendLinkNotValid(req, res, this.settings.company);
    const field = formField(req, body, 'undo');
    const undone = await this.unsubscribe.undo(target, token, field, evidenceOf(req));
    res
      .status(undone ? 200 : 410)
      .set('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(
        await this.unsubscribe.render(target, `/u/${token}`, {
          kind: undone ? 'undone' : 'undo_gone',
        }),
      );
  }
}

/** The `List-Unsubscribe` field of an urlencoded (already parsed) or multipart body. */
async function oneClickField(req: Request): Promise<string | null> {
  if (req.is('application/x-www-form-urlencoded')) {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null) return null;
    const value: unknown = (body as Record<string, unknown>)['List-Unsubscribe'];
    return typeof value === 'string' ? value.trim() : null;
  }
  const boundary = multipartBoundary(req.get('content-type'));
  if (!boundary) return null;
  const raw = await readLimited(req, MULTIPART_LIMIT);
  if (!raw) throw new PayloadTooLargeException(['request body is larger than the limit']);
  return multipartField(raw, boundary, 'List-Unsubscribe')?.trim() ?? null;
}

import { validZone, ZONE_COOKIE } from './zone';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Controller,
  Get,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { templatesRoot } from '../mail/system-mail';
import {
  ConsoleAnonymous,
  ConsoleAnySession,
  ConsoleExceptionFilter,
  ConsoleGuard,
  type ConsoleRequest,
} from './console.guard';
import { formOf, page, safeBack, sessionOf, str, textsOf } from './page';
import {
  ConsoleSessionService,
  LANG_COOKIE,
  parseCookies,
  PRE_SESSION_COOKIE,
  safeEqual,
  SESSION_COOKIE,
  SESSION_TTL_MS,
} from './session.service';
import { clientOf } from '../common/public-rate-limit';

const asset = (name: string) => readFileSync(join(templatesRoot(), 'console', name), 'utf8');
const ASSETS: Record<string, { type: string; body: () => string }> = {
  'console.css': { type: 'text/css; charset=utf-8', body: () => asset('console.css') },
  'console.js': { type: 'text/javascript; charset=utf-8', body: () => asset('console.js') },
};
const assetCache = new Map<string, string>();

/** Sign-in, sign-out, the language switch and the console's two static files. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleAuthController {
  constructor(private readonly sessions: ConsoleSessionService) {}

  private cookieOptions(maxAge: number) {
    return {
      httpOnly: true,
      sameSite: 'strict' as const,
      secure: this.sessions.secureCookies,
      path: '/console',
      maxAge,
    };
  }

  @Get('assets/:name')
  @ConsoleAnonymous()
  assets(@Param('name') name: string, @Res() res: Response): void {
    // Own keys only: `__proto__`, `constructor` … are names like any other unknown one.
    const a = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!a) {
      res.status(404).type('text/plain').send('not found');
      return;
    }
    let body = assetCache.get(name);
    if (body === undefined) {
      body = a.body();
      assetCache.set(name, body);
    }
    res.status(200).set('Cache-Control', 'no-cache').type(a.type).send(body);
  }

  @Get('lang/:lang')
  @ConsoleAnonymous()
  lang(@Param('lang') lang: string, @Query('back') back: string, @Res() res: Response): void {
    if (lang === 'ru' || lang === 'en')
      res.cookie(LANG_COOKIE, lang, { ...this.cookieOptions(365 * 86_400_000), httpOnly: true });
    res.redirect(303, safeBack(back));
  }

  /** The time-zone selector: a valid IANA zone is kept in a cookie; anything else is ignored. */
  @Get('zone')
  @ConsoleAnonymous()
  zone(@Query('zone') zone: unknown, @Query('back') back: unknown, @Res() res: Response): void {
    const valid = validZone(zone);
    if (valid)
      res.cookie(ZONE_COOKIE, valid, { ...this.cookieOptions(365 * 86_400_000), httpOnly: true });
    res.redirect(303, safeBack(back));
  }

  @Get('login')
  @ConsoleAnonymous()
  async loginForm(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const existing = await this.sessions.resolve(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    if (existing) {
      res.redirect(303, safeBack(req.query.next));
      return;
    }
    this.showLogin(req, res, 200, null);
  }

  private showLogin(req: ConsoleRequest, res: Response, status: number, error: string | null) {
    const pre = this.sessions.newPreSession();
    res.cookie(PRE_SESSION_COOKIE, pre, this.cookieOptions(3_600_000));
    page(req, res, 'login', {
      title: textsOf(req).signIn,
      status,
      error,
      csrf: this.sessions.csrfFor(`pre:${pre}`),
      next: safeBack(req.query.next ?? formOf(req).next),
    });
  }

  @Post('login')
  @ConsoleAnonymous()
  async login(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const t = textsOf(req);
    const form = formOf(req);
    const pre = parseCookies(req.headers.cookie)[PRE_SESSION_COOKIE];
    // The sign-in form's token is bound to the pre-session cookie only this browser holds.
    if (!pre || !safeEqual(this.sessions.csrfFor(`pre:${pre}`), form._csrf)) {
      this.showLogin(req, res, 403, t.forbiddenCsrf);
      return;
    }
    // Per client (an IPv4 address or IPv6 /64), so one line's many addresses share the limit.
    const ip = clientOf(req.ip);
    if (this.sessions.blocked(ip)) return this.showLogin(req, res, 429, t.signInThrottled);
    const key = str(form.key).trim();
    if (!key) return this.showLogin(req, res, 400, t.signInEmpty);
    const result = await this.sessions.signIn(key);
    if (result === 'unknown') {
      this.sessions.countFailure(ip);
      return this.showLogin(req, res, 401, t.signInUnknown);
    }
    if (result === 'role') return this.showLogin(req, res, 403, t.signInRole);
    res.clearCookie(PRE_SESSION_COOKIE, { path: '/console' });
    res.cookie(SESSION_COOKIE, result.cookie, this.cookieOptions(SESSION_TTL_MS));
    res.redirect(303, safeBack(form.next));
  }

  @Post('logout')
  @ConsoleAnySession()
  async logout(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    await this.sessions.signOut(sessionOf(req));
    res.clearCookie(SESSION_COOKIE, { path: '/console' });
    res.redirect(303, '/console/login');
  }
}

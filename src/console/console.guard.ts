import {
  ArgumentsHost,
  CanActivate,
  Catch,
  ExceptionFilter,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  Logger,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { mayUse, MIRRORS_KEY, type ApiRoute } from './console-access';
import { consoleUser } from './console-needs';
import {
  databaseUnavailableException,
  isDatabaseUnavailable,
} from '../common/database-unavailable';
import {
  ConsoleSessionService,
  LANG_COOKIE,
  parseCookies,
  safeEqual,
  SESSION_COOKIE,
  type ConsoleSession,
} from './session.service';
import { TEXTS, type ConsoleLang } from './texts';
import { renderPage, sendHtml } from './views';
import { redactPath, safeError } from '../common/log-safety';
import { DomainError } from '../common/domain-error';
import { HTTP_STATUS_OF } from '../common/http-status-of';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { validZone, ZONE_COOKIE } from './zone';

const ANONYMOUS_KEY = 'tactful:console-anonymous';
const ANY_SESSION_KEY = 'tactful:console-any-session';

/** Longest `next` the sign-in redirect carries. */
const MAX_NEXT = 2000;

/** The sign-in page: no session needed (it has its own pre-session CSRF check). */
export const ConsoleAnonymous = () => SetMetadata(ANONYMOUS_KEY, true);
/** A route of the console itself that mirrors no API route (sign-out): any console user. */
export const ConsoleAnySession = () => SetMetadata(ANY_SESSION_KEY, true);

export interface ConsoleRequest extends Request {
  console?: {
    session: ConsoleSession | null;
    lang: ConsoleLang;
    /** The viewer's IANA time zone: the selector's cookie if valid, else the company's. */
    zone?: string;
    /** The company's zone (the selector's default). */
    companyZone?: string;
  };
}

/** Thrown when there is no live session: GETs go to the sign-in page, other requests get 401. */
export class SignInRequired extends HttpException {
  constructor() {
    super('sign in required', 401);
  }
}

/** The language: the switch's cookie, else the first of ru/en in Accept-Language, else English. */
export function langOf(req: Request): ConsoleLang {
  const cookie = parseCookies(req.headers.cookie)[LANG_COOKIE];
  if (cookie === 'ru' || cookie === 'en') return cookie;
  for (const part of (req.headers['accept-language'] ?? '').split(',')) {
    const tag = part.trim().slice(0, 2).toLowerCase();
    if (tag === 'ru' || tag === 'en') return tag;
  }
  return 'en';
}

/**
 * Session guard of every console route (they are @Public for the API-key guard): a live
 * session of a console role, the roles of the API routes the route mirrors (@ConsoleMirrors;
 * none declared: admin only), and on every POST the session's CSRF token.
 */
@Injectable()
export class ConsoleGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: ConsoleSessionService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    const req = ctx.switchToHttp().getRequest<ConsoleRequest>();
    const lang = langOf(req);
    const companyZone = this.settings.companyTimezone;
    const zone = validZone(parseCookies(req.headers.cookie)[ZONE_COOKIE]) ?? companyZone;
    req.console = { session: null, lang, zone, companyZone };
    if (this.reflector.getAllAndOverride<boolean>(ANONYMOUS_KEY, targets)) return true;
    const session = await this.sessions.resolve(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    if (!session) throw new SignInRequired();
    req.console.session = session;
    const mirrors = this.reflector.getAllAndOverride<ApiRoute[] | undefined>(MIRRORS_KEY, targets);
    const anySession = this.reflector.getAllAndOverride<boolean>(ANY_SESSION_KEY, targets);
    const allowed = anySession
      ? mayUse(session.role, [])
      : mirrors
        ? mayUse(session.role, mirrors)
        : session.role === 'admin';
    if (!allowed) throw new ForbiddenException(TEXTS[lang].forbiddenRole);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const given = typeof body._csrf === 'string' ? body._csrf : req.get('x-csrf-token');
      if (!safeEqual(session.csrf, given)) throw new ForbiddenException(TEXTS[lang].forbiddenCsrf);
    }
    return true;
  }
}

/** Console errors are pages (or JSON for the console's own fetch endpoints), never API JSON. */
@Catch()
export class ConsoleExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('console');

  catch(error: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<ConsoleRequest>();
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const exception = isDatabaseUnavailable(error) ? databaseUnavailableException(res) : error;
    const lang = req.console?.lang ?? langOf(req);
    const t = TEXTS[lang];
    const wantsJson = req.path.startsWith('/console/api/');
    if (exception instanceof SignInRequired) {
      if (wantsJson) {
        res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: [t.signInFirst] });
        return;
      }
      if (req.method === 'GET') {
        // A huge URL is not echoed back: a Location header past clients' 16 KB limit breaks them.
        const next = encodeURIComponent(req.originalUrl);
        res.redirect(
          303,
          next.length <= MAX_NEXT ? `/console/login?next=${next}` : '/console/login',
        );
        return;
      }
    }
    let status = 500;
    let messages: string[] = [t.errorInternal];
    if (exception instanceof DomainError) {
      status = HTTP_STATUS_OF[exception.kind].status;
      messages = exception.messages;
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      const m =
        typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : body;
      messages = Array.isArray(m) ? m.map(String) : [String(m ?? exception.message)];
    } else {
      this.logger.error(
        { error: safeError(exception), method: req.method, path: redactPath(req.originalUrl) },
        'console error',
      );
    }
    if (wantsJson) {
      res.status(status).json({ statusCode: status, message: messages });
      return;
    }
    const session = req.console?.session ?? null;
    const title =
      status === 403 ? t.errorForbidden : status === 404 ? t.errorNotFound : t.errorTitle;
    sendHtml(
      res,
      status,
      renderPage('error', {
        lang,
        title,
        path: req.path,
        status,
        messages,
        user: session ? consoleUser(session) : undefined,
        csrf: session?.csrf,
      }),
    );
  }
}

import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import { clientOf } from '../common/public-rate-limit';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import type { Role } from './api-key.entity';
import { AuthenticatedRequest } from './actor';
import { ApiKeysService } from './api-keys.service';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

/** Global guard: every route needs a valid key unless marked @Public(); roles checked after. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  // Anyone can reach /v1 without a key, so failed attempts are rate-limited per client address
  // (an IPv4 address or IPv6 /64; PUBLIC_RATE_LIMIT per minute, then blocked for a minute):
  // keys cannot be guessed at speed.
  private async countFailure(ip: string): Promise<void> {
    const record = await this.storage.increment(
      `auth-failure:${ip}`,
      60_000,
      this.settings.publicRateLimit,
      60_000,
      'auth-failure',
    );
    if (record.isBlocked) {
      throw new HttpException(
        'too many failed authentication attempts; retry later',
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const ip = clientOf(req.ip);
    if (!match) {
      await this.countFailure(ip);
      throw new UnauthorizedException('Authorization: Bearer <api key> is required');
    }
    const key = await this.keys.authenticate(match[1]);
    if (!key) {
      await this.countFailure(ip);
      throw new UnauthorizedException('the API key is unknown or revoked');
    }
    req.actor = { keyId: key.id, role: key.role };
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    // A route without @Roles is admin-only: forgetting the decorator must not open a route.
    if (key.role !== 'admin' && !(allowed ?? []).includes(key.role)) {
      throw new ForbiddenException(`the ${key.role} role may not call this route`);
    }
    return true;
  }
}

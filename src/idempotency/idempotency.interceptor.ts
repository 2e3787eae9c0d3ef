import { createHash } from 'node:crypto';
import {
  BadRequestException,
  CallHandler,
  ExecutionContext,
  Injectable,
  Logger,
  NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { catchError, from, mergeMap, of, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/actor';
import { stableJson } from '../common/stable-json';
import { IdempotencyService } from './idempotency.service';

const KEY_PATTERN = /^[!-~]{1,255}$/;
// Nest's own metadata key of @HttpCode.
const HTTP_CODE_METADATA = '__httpCode__';

/** The `Idempotency-Key` header: 1 to 255 visible ASCII characters (a UUID is typical). */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !KEY_PATTERN.test(header))
    throw new BadRequestException([
      'Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good key)',
    ]);
  return header;
}

/**
 * `Idempotency-Key` on a write route: the same key again (same API key, same method, path and
 * body) answers the first answer and runs nothing; another body under the key is a 409.
 * Keys are scoped per API key, so one client can neither replay nor block another's.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly log = new Logger('idempotency');

  constructor(
    private readonly keys: IdempotencyService,
    private readonly reflector: Reflector,
  ) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const key = idempotencyKeyOf(req.headers['idempotency-key']);
    if (key === undefined || !req.actor) return next.handle();
    const apiKeyId = req.actor.keyId;
    const fingerprint = createHash('sha256')
      .update(`${req.method} ${req.path}\n${stableJson(req.body ?? null)}`)
      .digest('hex');
    const claim = await this.keys.claim(apiKeyId, key, fingerprint);
    if (claim.kind === 'replay') {
      res.set('Idempotent-Replayed', 'true');
      // Parsed from the stored text, so it serialises to the same bytes as the first answer.
      return of(JSON.parse(claim.response) as unknown);
    }
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, ctx.getHandler()) ??
      (req.method === 'POST' ? 201 : 200);
    return next.handle().pipe(
      mergeMap(async (body: unknown) => {
        try {
          await this.keys.complete(apiKeyId, key, status, JSON.stringify(body));
        } catch (err) {
          // The work is committed: answer it. A retry after the abandon delay would run again.
          this.log.error({ err, apiKeyId }, 'could not store an idempotent answer');
        }
        return body;
      }),
      catchError((err: unknown) =>
        from(
          this.keys
            .release(apiKeyId, key)
            .catch(() => undefined)
            .then(() => {
              throw err;
            }),
        ),
      ),
    );
  }
}

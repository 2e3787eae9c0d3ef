import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from './api-key.entity';

export interface Actor {
  keyId: string;
  role: Role;
}

export interface AuthenticatedRequest extends Request {
  actor?: Actor;
}

/** The API key behind the request, as `key:<id>` in audit rows. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!req.actor) throw new Error('CurrentActor used on a public route');
  return req.actor;
});

export const KEY_ACTOR_PREFIX = 'key:';

export const actorRef = (actor: Actor) => `${KEY_ACTOR_PREFIX}${actor.keyId}`;

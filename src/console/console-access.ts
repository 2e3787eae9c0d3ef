import { SetMetadata, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '../auth/api-key.entity';
import { ROLES_KEY } from '../auth/roles.decorator';
import { CONSOLE_ROLES } from './session.service';

/** One API route, named by its controller class and handler method. */
export interface ApiRoute {
  controller: Type;
  handler: string;
}

export const apiRoute = <T>(controller: Type<T>, handler: keyof T & string): ApiRoute => ({
  controller,
  handler,
});

export const MIRRORS_KEY = 'tactful:console-mirrors';

/**
 * The API routes a console route shows or does. The console route is open to exactly the roles
 * that every one of them allows, read from their own @Roles: the API stays the one source of truth.
 * A console route without it is for admins only, as an API route without @Roles is.
 */
export const ConsoleMirrors = (routes: readonly ApiRoute[]) => SetMetadata(MIRRORS_KEY, routes);

const reflector = new Reflector();

/** The roles an API route allows, resolved as ApiKeyGuard does (handler, then class). */
export function apiRolesOf(route: ApiRoute): readonly Role[] {
  const handler = (route.controller.prototype as Record<string, unknown>)[route.handler];
  if (typeof handler !== 'function')
    throw new Error(`${route.controller.name}.${route.handler} is not a route handler`);
  return (
    reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      handler as () => unknown,
      route.controller,
    ]) ?? []
  );
}

/** Whether a console user of this role may use a page or action mirroring these API routes. */
export function mayUse(role: Role, routes: readonly ApiRoute[]): boolean {
  if (!CONSOLE_ROLES.includes(role)) return false;
  return role === 'admin' || routes.every((r) => apiRolesOf(r).includes(role));
}

import { SetMetadata } from '@nestjs/common';
import type { Role } from './api-key.entity';

export const ROLES_KEY = 'tactful:roles';
export const PUBLIC_KEY = 'tactful:public';

/** Roles allowed on a route; `admin` is always allowed. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** A route anyone may call (health, public pages, webhooks with their own checks). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

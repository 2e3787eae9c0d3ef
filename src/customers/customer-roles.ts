import type { Role } from '../auth/api-key.entity';

/**
 * Roles (besides admin) that may change an existing customer. A customer's e-mail, phone and
 * account manager's phone decide where messages and calls go, so only the system of record
 * (the CRM integration) changes them; marketers may create customers, not change them.
 */
export const CUSTOMER_EDITORS = ['integration'] as const satisfies readonly Role[];
/** Roles (besides admin) that may create a customer (POST /v1/customers with a new externalId). */
export const CUSTOMER_CREATORS = [
  ...CUSTOMER_EDITORS,
  'marketer',
] as const satisfies readonly Role[];

export const mayChangeCustomers = (role: Role): boolean =>
  role === 'admin' || (CUSTOMER_EDITORS as readonly Role[]).includes(role);

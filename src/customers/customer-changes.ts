import { isDeepStrictEqual } from 'node:util';
import type { CustomerRow } from './customer-input';

/** The fields of a customer as they are named in the API (and in `customer.*` audit rows). */
export const CUSTOMER_FIELDS = [
  'externalId',
  'kind',
  'name',
  'email',
  'phone',
  'timezone',
  'locale',
  'company',
  'accountManager.name',
  'accountManager.phone',
  'accountManager.email',
  'attributes',
] as const;
export type CustomerField = (typeof CUSTOMER_FIELDS)[number];

/** What a customer holds, as stored: the upsert's defaults applied. */
export type CustomerValues = Record<CustomerField, unknown>;

/** A normalised input row as it will be stored (the upsert defaults timezone, locale, attributes). */
export function valuesOfRow(row: CustomerRow): CustomerValues {
  return {
    externalId: row.externalId,
    kind: row.kind,
    name: row.name,
    email: row.email,
    phone: row.phone,
    timezone: row.timezone ?? 'UTC',
    locale: row.locale ?? 'en',
    company: row.company,
    'accountManager.name': row.accountManagerName,
    'accountManager.phone': row.accountManagerPhone,
    'accountManager.email': row.accountManagerEmail,
    attributes: row.attributes ?? {},
  };
}

/** A stored customer (entity or row with the same property names). */
export function valuesOfCustomer(
  c: Omit<CustomerRow, 'timezone' | 'locale'> & {
    timezone: string;
    locale: string;
  },
): CustomerValues {
  return valuesOfRow(c);
}

const isEmpty = (v: unknown) =>
  v === null ||
  v === undefined ||
  (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);

/**
 * The names of the fields that differ (never their values: the audit must not copy personal
 * data). With no `before` (a new customer), the fields that were given a value.
 */
export function changedFields(
  before: CustomerValues | null,
  after: CustomerValues,
): CustomerField[] {
  return CUSTOMER_FIELDS.filter((f) =>
    before === null ? !isEmpty(after[f]) : !isDeepStrictEqual(before[f] ?? null, after[f] ?? null),
  );
}

import { validationMessages } from '../common/validation';
import { AccountManagerDto, UpsertCustomerDto } from './customer.dto';
import { toE164 } from './validators';

/** A customer row ready for the database: validated and normalised. */
export interface CustomerRow {
  externalId: string;
  kind: 'consumer' | 'business';
  name: string | null;
  email: string | null;
  phone: string | null;
  timezone: string | null;
  locale: string | null;
  company: string | null;
  accountManagerName: string | null;
  accountManagerPhone: string | null;
  attributes: Record<string, unknown> | null;
}

export interface FieldError {
  field: string;
  message: string;
}

export type InputResult = { ok: true; row: CustomerRow } | { ok: false; errors: FieldError[] };

const fieldOf = (message: string) => {
  const unknown = /^property (\S+) should not exist/.exec(message);
  return unknown ? unknown[1] : message.split(' ')[0];
};

/** Normalises a validated DTO: phones to E.164, e-mail to lower case. */
export function normalizeCustomer(dto: UpsertCustomerDto, region: string): InputResult {
  const errors: FieldError[] = [];
  const phone = dto.phone === undefined ? null : toE164(dto.phone, region);
  if (dto.phone !== undefined && !phone) {
    errors.push({ field: 'phone', message: 'phone must be a valid phone number' });
  }
  const amPhone = dto.accountManager ? toE164(dto.accountManager.phone, region) : null;
  if (dto.accountManager && !amPhone) {
    errors.push({
      field: 'accountManager.phone',
      message: 'accountManager.phone must be a valid phone number',
    });
  }
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    row: {
      externalId: dto.externalId,
      kind: dto.kind,
      name: dto.name ?? null,
      email: dto.email?.trim().toLowerCase() ?? null,
      phone,
      timezone: dto.timezone ?? null,
      locale: dto.locale ?? null,
      company: dto.company ?? null,
      accountManagerName: dto.accountManager?.name ?? null,
      accountManagerPhone: amPhone,
      attributes: dto.attributes ?? null,
    },
  };
}

/** The same rules as the HTTP API, for rows that arrive in a file. */
export function parseCustomerInput(raw: unknown, region: string): InputResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: [{ field: 'row', message: 'row must be a JSON object' }] };
  }
  // Same rules as the API; built by hand because class-transformer costs more than validating.
  const dto: UpsertCustomerDto = Object.assign(Object.create(UpsertCustomerDto.prototype), raw);
  const manager = (raw as { accountManager?: unknown }).accountManager;
  if (typeof manager === 'object' && manager !== null && !Array.isArray(manager)) {
    dto.accountManager = Object.assign(Object.create(AccountManagerDto.prototype), manager);
  }
  const messages = validationMessages(dto);
  if (messages.length) {
    return {
      ok: false,
      errors: messages.map((message) => ({
        field: fieldOf(message),
        message,
      })),
    };
  }
  return normalizeCustomer(dto, region);
}

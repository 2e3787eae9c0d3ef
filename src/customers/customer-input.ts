import { validationMessages } from '../common/validation';
import { AccountManagerDto, UpsertCustomerDto } from './customer.dto';
import { compileValidator, isPlainObject } from './compiled-validator';
import { toE164 } from '../common/validators';

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
  accountManagerEmail: string | null;
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
      accountManagerEmail: dto.accountManager?.email?.trim().toLowerCase() ?? null,
      attributes: dto.attributes ?? null,
    },
  };
}

// The DTO's own decorators, compiled once: the import's fast "is this row valid?" check.
export const isValidUpsert = compileValidator(UpsertCustomerDto, {
  accountManager: AccountManagerDto,
});

/** The same rules as the HTTP API, for rows that arrive in a file. */
export function parseCustomerInput(raw: unknown, region: string): InputResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: [{ field: 'row', message: 'row must be a JSON object' }] };
  }
  // Most rows are valid: the compiled rules say so cheaply. A row they refuse goes through
  // class-validator below, which gives the exact messages (and the final word).
  if (isPlainObject(raw) && isValidUpsert(raw)) {
    return normalizeCustomer(raw as unknown as UpsertCustomerDto, region);
  }
  const messages = dtoMessages(raw);
  if (messages.length) {
    return {
      ok: false,
      errors: messages.map((message) => ({
        field: fieldOf(message),
        message,
      })),
    };
  }
  return normalizeCustomer(dtoOf(raw), region);
}

/** The DTO instance of a row, as the pipe would see it; built by hand because class-transformer costs more than validating. */
function dtoOf(raw: object): UpsertCustomerDto {
  const dto: UpsertCustomerDto = Object.assign(Object.create(UpsertCustomerDto.prototype), raw);
  const manager = (raw as { accountManager?: unknown }).accountManager;
  if (typeof manager === 'object' && manager !== null && !Array.isArray(manager)) {
    dto.accountManager = Object.assign(Object.create(AccountManagerDto.prototype), manager);
  }
  return dto;
}

/** class-validator's messages for a row (exported for the spec that holds the compiled rules to them). */
export function dtoMessages(raw: object): string[] {
  return validationMessages(dtoOf(raw));
}

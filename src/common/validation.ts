import { ValidationError } from '@nestjs/common';
import { validateSync } from 'class-validator';

/** Flattens nested errors into messages that name the full path of the field at fault. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((m) => {
      if (!parent) return m;
      // class-validator starts messages with the bare property name; give the whole path.
      if (m.startsWith(`${error.property} `)) return `${path}${m.slice(error.property.length)}`;
      // forbidNonWhitelisted: "property x should not exist" names a nested field without its parent.
      const unknown = `property ${error.property} `;
      return m.startsWith(unknown) ? `property ${path} ${m.slice(unknown.length)}` : m;
    });
    return [...own, ...flattenValidationErrors(error.children ?? [], path)];
  });
}

// The rules of every request body, whether it comes through the pipe or from a file or an array.
export const VALIDATION_OPTIONS = { whitelist: true, forbidNonWhitelisted: true } as const;

/** Validates an already-built DTO instance with the pipe's options; messages name the field. */
export function validationMessages(dto: object): string[] {
  return flattenValidationErrors(validateSync(dto, VALIDATION_OPTIONS));
}

import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/** Flattens nested errors into messages that name the full path of the field at fault. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((m) =>
      // class-validator starts messages with the bare property name; give the whole path.
      parent && m.startsWith(`${error.property} `) ? `${path}${m.slice(error.property.length)}` : m,
    );
    return [...own, ...flattenValidationErrors(error.children ?? [], path)];
  });
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new BadRequestException(flattenValidationErrors(errors)),
  });
}

import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { flattenValidationErrors, VALIDATION_OPTIONS } from './validation';

/** The global pipe: the same rules as `validationMessages`, answered as a 400 naming each field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...VALIDATION_OPTIONS,
    transform: true,
    exceptionFactory: (errors) => new BadRequestException(flattenValidationErrors(errors)),
  });
}

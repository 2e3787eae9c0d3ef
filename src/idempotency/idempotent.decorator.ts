import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiConflictResponse, ApiHeader } from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** Marks a write route as accepting `Idempotency-Key` (see IdempotencyInterceptor). */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Up to 255 visible ASCII characters, new per request. A retry with the same key within ' +
        '24 hours gets the first answer (header `Idempotent-Replayed: true`) and records nothing; ' +
        'the same key with another body is a 409.',
    }),
    ApiConflictResponse({ description: 'Idempotency-Key reused for a different request' }),
  );

import { HttpStatus } from '@nestjs/common';
import type { DomainErrorKind } from './domain-error';

/** The one mapping of a domain refusal to HTTP: status and the `error` name clients see. */
export const HTTP_STATUS_OF: Record<DomainErrorKind, { status: number; error: string }> = {
  invalid: { status: HttpStatus.BAD_REQUEST, error: 'Bad Request' },
  unauthenticated: { status: HttpStatus.UNAUTHORIZED, error: 'Unauthorized' },
  forbidden: { status: HttpStatus.FORBIDDEN, error: 'Forbidden' },
  not_found: { status: HttpStatus.NOT_FOUND, error: 'Not Found' },
  conflict: { status: HttpStatus.CONFLICT, error: 'Conflict' },
  gone: { status: HttpStatus.GONE, error: 'Gone' },
  too_large: { status: HttpStatus.PAYLOAD_TOO_LARGE, error: 'Payload Too Large' },
  unsupported_media_type: {
    status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    error: 'Unsupported Media Type',
  },
  unprocessable: { status: HttpStatus.UNPROCESSABLE_ENTITY, error: 'Unprocessable Entity' },
  too_many_requests: { status: HttpStatus.TOO_MANY_REQUESTS, error: 'Too Many Requests' },
  unavailable: { status: HttpStatus.SERVICE_UNAVAILABLE, error: 'Service Unavailable' },
};

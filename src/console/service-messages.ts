import { DomainError } from '../common/domain-error';
import { HTTP_STATUS_OF } from '../common/http-status-of';

/**
 * The messages of a service's refusal with one of these statuses, to show on the page; any
 * other error is rethrown (the console's exception filter answers it).
 */
export function messagesOfRefusal(err: unknown, statuses: readonly number[] = [400]): string[] {
  if (err instanceof DomainError && statuses.includes(HTTP_STATUS_OF[err.kind].status)) {
    return err.messages;
  }
  throw err;
}

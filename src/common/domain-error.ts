/**
 * What a service refuses, in its own terms. Services and domain code throw DomainError; only the
 * HTTP edge (filter, console, guards) turns a kind into a status (`http-status-of.ts`), so the
 * same refusal reads the same in the API and on a console page.
 */
export type DomainErrorKind =
  | 'invalid'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'unauthenticated'
  | 'gone'
  | 'too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'too_many_requests'
  | 'unavailable';

export class DomainError extends Error {
  /** Messages that name the field or the thing refused; shown to the caller as they are. */
  readonly messages: string[];

  constructor(
    readonly kind: DomainErrorKind,
    messages: string | readonly string[],
  ) {
    const list = typeof messages === 'string' ? [messages] : [...messages];
    super(list.join('; '));
    this.name = 'DomainError';
    this.messages = list;
  }
}

export const invalid = (messages: string | readonly string[]): DomainError =>
  new DomainError('invalid', messages);
export const notFound = (messages: string | readonly string[]): DomainError =>
  new DomainError('not_found', messages);
export const conflict = (messages: string | readonly string[]): DomainError =>
  new DomainError('conflict', messages);
export const forbidden = (messages: string | readonly string[]): DomainError =>
  new DomainError('forbidden', messages);

export function isDomainError(err: unknown, ...kinds: DomainErrorKind[]): err is DomainError {
  return err instanceof DomainError && (kinds.length === 0 || kinds.includes(err.kind));
}

import type { LoggerService } from '@nestjs/common';

/** Nest's own start-up chatter (a line per module and per route), left out of the log. */
const START_UP_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

const contextOf = (params: unknown[]): unknown => params[params.length - 1];

/**
 * The app's logger without Nest's start-up lines at log level (warnings and errors from those
 * contexts still pass): `npm start` prints one short block instead (startup-block.ts).
 */
export class QuietStartLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = contextOf(params);
    if (typeof context === 'string' && START_UP_CONTEXTS.has(context)) return;
    this.inner.log(message, ...params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.inner.error(message, ...params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.inner.warn(message, ...params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.inner.debug?.(message, ...params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.inner.verbose?.(message, ...params);
  }
}

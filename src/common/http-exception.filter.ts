import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isDatabaseUnavailable, sendDatabaseUnavailable } from './database-unavailable';
import { DomainError } from './domain-error';
import { HTTP_STATUS_OF } from './http-status-of';
import { redactPath, safeError } from './log-safety';

/** Every error leaves as `{ statusCode, error, message }`; unexpected ones reveal nothing. */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (isDatabaseUnavailable(exception))
      return sendDatabaseUnavailable(host.switchToHttp().getRequest<Request>(), res);
    if (exception instanceof DomainError) {
      const { status, error } = HTTP_STATUS_OF[exception.kind];
      res.status(status).json({ statusCode: status, error, message: exception.messages });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      if (typeof body === 'object' && body !== null) {
        const b = body as Record<string, unknown>;
        res.status(status).json({
          statusCode: status,
          error: b.error ?? exception.name.replace(/Exception$/, ''),
          message: Array.isArray(b.message) ? b.message : [String(b.message ?? exception.message)],
        });
      } else {
        res
          .status(status)
          .json({ statusCode: status, error: exception.name, message: [String(body)] });
      }
      return;
    }
    // Class, code and names only: a database error's parameters are the request's data.
    const req = host.switchToHttp().getRequest<Request>();
    this.logger.error(
      {
        error: safeError(exception),
        method: req?.method,
        path: redactPath(req?.originalUrl ?? req?.url),
      },
      'unhandled error',
    );
    res
      .status(500)
      .json({ statusCode: 500, error: 'Internal Server Error', message: ['internal error'] });
  }
}

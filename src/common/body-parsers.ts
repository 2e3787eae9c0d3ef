import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { json, urlencoded } from 'express';

interface BodyParserError extends Error {
  status?: number;
  type?: string;
}

// Body-parser errors never reach Nest's filters; answer them here in the same JSON shape.
function guard(parser: ReturnType<typeof json>) {
  return (req: Request, res: Response, next: NextFunction) =>
    parser(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as BodyParserError;
      const status = e.status ?? 400;
      const message =
        e.type === 'entity.too.large'
          ? 'request body is larger than the limit'
          : e.type === 'entity.parse.failed'
            ? 'request body is not valid JSON'
            : e.message;
      res.status(status).json({
        statusCode: status,
        error: status === 413 ? 'Payload Too Large' : 'Bad Request',
        message: [message],
      });
    });
}

export function installBodyParsers(app: INestApplication, limitKb: number): void {
  const limit = `${limitKb}kb`;
  app.use(guard(json({ limit, type: ['application/json', 'application/*+json'] })));
  app.use(guard(urlencoded({ limit, extended: false })));
}

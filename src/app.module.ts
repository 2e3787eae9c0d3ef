import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import type { DestinationStream } from 'pino';
import type { Clock } from './common/clock';
import { redactPath, safeError, safeLogMethod } from './common/log-safety';
import type { Settings } from './config/settings';
import { TactfulModule } from './tactful.module';

/** The standalone service: TactfulModule plus structured logging. */
@Module({})
export class AppModule {
  /** `logDestination`: where the log lines go (stdout by default; tests capture them). */
  static forRoot(
    settings: Settings,
    databaseUrl: string,
    clock?: Clock,
    logDestination?: DestinationStream,
  ): DynamicModule {
    const options = {
      level: settings.logLevel,
      // Paths only, tokens redacted in any letter case: query strings and tokens in paths may
      // carry personal data. Errors carry class, code and names, never values or parameters.
      serializers: {
        req: (req: IncomingMessage & { id?: unknown }) => ({
          id: req.id,
          method: req.method,
          path: redactPath(req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        // pino-http runs pino's own err serializer first (it copies every property, the query's
        // parameters too); this one keeps class, code and names only.
        err: safeError,
      },
      redact: ['req.headers', 'res.headers', 'req.body', 'err.parameters', 'err.query'],
      hooks: { logMethod: safeLogMethod },
      // Readable lines in a terminal; JSON (one object a line) for anything else.
      ...(!logDestination && process.stdout.isTTY
        ? {
            transport: {
              target: 'pino-pretty',
              options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
            },
          }
        : {}),
    };
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: logDestination ? [options, logDestination] : options,
        }),
        TactfulModule.forRoot({ settings, databaseUrl, clock }),
      ],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import type { Clock } from './common/clock';
import type { Settings } from './config/settings';
import { TactfulModule } from './tactful.module';

/** The standalone service: TactfulModule plus structured logging. */
@Module({})
export class AppModule {
  static forRoot(settings: Settings, databaseUrl: string, clock?: Clock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: settings.logLevel,
            // Paths only: query strings and tokens in paths may carry personal data.
            serializers: {
              req: (req: IncomingMessage & { id?: unknown }) => ({
                id: req.id,
                method: req.method,
                path: (req.url ?? '').split('?')[0].replace(/\/(p|u|confirm)\/[^/]+/, '/$1/:token'),
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            redact: ['req.headers', 'res.headers'],
          },
        }),
        TactfulModule.forRoot({ settings, databaseUrl, clock }),
      ],
    };
  }
}

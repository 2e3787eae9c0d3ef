import type { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { installBodyParsers } from './common/body-parsers';
import { JsonExceptionFilter } from './common/http-exception.filter';
import { createValidationPipe } from './common/validation.pipe';
import { httpMetrics } from './metrics/http-metrics';
import { buildOpenApiDocument } from './openapi/openapi-document';
import type { Settings } from './config/settings';

/** Everything the HTTP app needs besides its modules; shared by main.ts and the tests. */
export function configureApp(app: INestApplication, settings: Settings): void {
  const express = app as NestExpressApplication;
  if (settings.trustProxy) express.set('trust proxy', 1);
  express.disable('x-powered-by');
  app.use(httpMetrics);
  app.use(helmet());
  installBodyParsers(app, settings.bodyLimitKb);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new JsonExceptionFilter());
  const doc = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs/openapi.json' });
}

import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { installBodyParsers } from './common/body-parsers';
import { JsonExceptionFilter } from './common/http-exception.filter';
import { createValidationPipe } from './common/validation.pipe';
import { httpMetrics } from './metrics/http-metrics';
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
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tactful')
      .setDescription(
        'Consent-first customer communications. Admin routes need `Authorization: Bearer <api key>`.',
      )
      .setVersion('0.1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs/openapi.json' });
}

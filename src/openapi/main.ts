import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { loadSettings } from '../config/settings';
import { buildOpenApiDocument } from './openapi-document';

/**
 * `npm run openapi [-- <file>]`: writes the OpenAPI document (default var/openapi.json) from the
 * app's modules in preview mode: nothing is instantiated, no database is needed.
 */
async function main(): Promise<void> {
  const file = resolve(process.argv[2] ?? 'var/openapi.json');
  const settings = loadSettings({
    ...process.env,
    TACTFUL_SECRET: 'openapi-document-only-0123456789',
  });
  const app = await NestFactory.create(
    AppModule.forRoot(settings, 'postgres://openapi.invalid/none'),
    {
      preview: true,
      logger: false,
      bodyParser: false,
    },
  );
  const doc = buildOpenApiDocument(app);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  await app.close();
  process.stdout.write(`OpenAPI document written to ${file}\n`);
}

void main();

/**
 * The HTTP app in its own process for the import crash test:
 * `node -r @swc-node/register test/customers/import-worker.ts` with DATABASE_URL, … in the
 * environment. Listens on a free port, prints "port <n>" and serves until killed.
 */
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { loadSettings } from '../../src/config/settings';
import { configureApp } from '../../src/configure-app';

async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  if (!settings.databaseUrl) throw new Error('DATABASE_URL is required');
  const app = await NestFactory.create(AppModule.forRoot(settings, settings.databaseUrl), {
    logger: false,
    bodyParser: false,
  });
  configureApp(app, settings);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  process.stdout.write(`port ${port}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});

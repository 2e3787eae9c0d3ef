import 'reflect-metadata';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ApiKeysService } from './auth/api-keys.service';
import { loadSettings, SettingsError, type Settings } from './config/settings';
import { configureApp } from './configure-app';
import { warnAboutUnreadReplies } from './common/reply-address';
import { DatabaseStartError } from './database/data-dir-access';
import { openDatabase } from './database/embedded-postgres';
import { QuietStartLogger } from './startup/quiet-start-logger';
import { startupBlock } from './startup/startup-block';

async function bootstrap(): Promise<void> {
  let settings: Settings;
  try {
    settings = loadSettings();
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (!settings.databaseUrl) {
    process.stdout.write(
      `No DATABASE_URL: starting embedded PostgreSQL under ${join(settings.dataDir, 'pg')}\n`,
    );
  }
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase(settings);
  } catch (err) {
    if (!(err instanceof DatabaseStartError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  // The key goes into the start-up block below instead of a line of its own.
  ApiKeysService.printBootstrapKey = false;
  const app = await NestFactory.create(AppModule.forRoot(settings, database.url), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(new QuietStartLogger(app.get(Logger)));
  configureApp(app, settings);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: shutting down\n`);
    await app.close();
    await database.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await app.listen(settings.port);
  process.stdout.write(
    startupBlock(settings, {
      embeddedDatabase: !settings.databaseUrl,
      adminKey: app.get(ApiKeysService).firstStartKey,
    }),
  );
  warnAboutUnreadReplies(settings);
}

void bootstrap();

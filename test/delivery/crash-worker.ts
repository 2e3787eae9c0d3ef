/**
 * A sender in its own process for the crash test and the send benchmark:
 * `node -r @swc-node/register test/delivery/crash-worker.ts` with DATABASE_URL, SMTP_URL,
 * TACTFUL_ROLES=worker, … in the environment. Boots the whole app (worker role: the interval
 * tick runs), makes sure the seed template exists, prints "ready" and sends until killed.
 */
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { isDomainError } from '../../src/common/domain-error';
import { loadSettings } from '../../src/config/settings';
import { SenderService } from '../../src/delivery/sender.service';
import { TemplatesService } from '../../src/templates/templates.service';
import { SEED_TEMPLATE } from './seed';

async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  if (!settings.databaseUrl) throw new Error('DATABASE_URL is required');
  const app = await NestFactory.create(AppModule.forRoot(settings, settings.databaseUrl), {
    logger: settings.logLevel === 'silent' ? false : ['error', 'warn', 'log'],
    bodyParser: false,
  });
  await app.init();
  if (process.env.SENDER_BATCH) app.get(SenderService).batchSize = Number(process.env.SENDER_BATCH);
  const templates = app.get(TemplatesService);
  try {
    await templates.latestVersion(SEED_TEMPLATE.name);
  } catch (err) {
    if (!isDomainError(err, 'not_found')) throw err;
    await templates.create(SEED_TEMPLATE, 'seed');
  }
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});

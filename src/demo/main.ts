import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { loadSettings } from '../config/settings';
import { openDatabase } from '../database/embedded-postgres';
import { startupFailureText } from '../database/startup-failure';
import { adminKeyHint, demoSummary, formatSummary } from './demo-summary';
import { loadDemo, runDemo } from './sample-company';

/**
 * `npm run demo`: loads the sample company into the configured database (embedded PostgreSQL
 * under ./var/pg without DATABASE_URL), launches its campaigns, drives the planner and the
 * sender in-process until nothing is due now, prints a summary and exits.
 */
async function main(): Promise<number> {
  const startedAt = new Date();
  // Timers off (no scheduler or worker role): this process ticks the planner and sender itself.
  const settings = loadSettings({ LOG_LEVEL: 'warn', ...process.env, TACTFUL_ROLES: 'api' });
  if (!settings.databaseUrl)
    process.stdout.write(`Embedded PostgreSQL under ${settings.dataDir}/pg (no DATABASE_URL)\n`);
  const database = await openDatabase(settings);
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(settings, database.url),
    { logger: ['error', 'warn'] },
  );
  try {
    const log = (line: string) => process.stdout.write(`  ${line}\n`);
    process.stdout.write('Loading the sample company…\n');
    const load = await loadDemo(app, { log });
    for (const e of load.launchErrors) process.stdout.write(`  not launched: ${e}\n`);
    process.stdout.write('Planning and sending…\n');
    const run = await runDemo(app, { waitUntil: load.waitUntil, log });
    const summary = await demoSummary(app);
    process.stdout.write(
      `\n${formatSummary(summary, {
        settings,
        load,
        run,
        adminKeyHint: await adminKeyHint(app, startedAt),
      })}\n`,
    );
    return 0;
  } finally {
    await app.close();
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${startupFailureText(err)}\n`);
    process.exit(1);
  },
);

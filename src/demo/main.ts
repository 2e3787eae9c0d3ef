import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { loadSettings } from '../config/settings';
import { openDatabase } from '../database/embedded-postgres';
import { startupFailureText } from '../database/startup-failure';
import { adminKeyHint, demoSummary, formatSummary } from './demo-summary';
import { CampaignResultsService } from '../outcomes/campaign-results.service';
import { loadOutcomeDemo, OUTCOME_CAMPAIGNS, simulateOutcomes } from './demo-outcomes';
import { DEMO_ACTOR, loadDemo, runDemo } from './sample-company';

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
    process.stdout.write('Simulated shoppers for two measured campaigns…\n');
    await loadOutcomeDemo(app, DEMO_ACTOR);
    process.stdout.write('Planning and sending…\n');
    const run = await runDemo(app, { waitUntil: load.waitUntil, log });
    process.stdout.write('Shoppers click, buy and a few unsubscribe…\n');
    await simulateOutcomes(app, DEMO_ACTOR);
    await printOutcomes(app);
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

/** Each measured campaign's verdict, as GET /v1/campaigns/:id/results gives it. */
async function printOutcomes(app: INestApplicationContext): Promise<void> {
  const results = app.get(CampaignResultsService);
  const db = app.get(DataSource);
  for (const c of OUTCOME_CAMPAIGNS) {
    const [row]: { id: string }[] = await db.query(
      `SELECT id FROM campaigns WHERE name = $1 AND status <> 'cancelled'`,
      [c.name],
    );
    if (!row) continue;
    const r = await results.results(row.id);
    const pp = (v: number) => `${(v * 100).toFixed(1)} pp`;
    const uplift = r.uplift
      ? `uplift ${pp(r.uplift.absolute)} (95%: ${pp(r.uplift.low)} … ${pp(r.uplift.high)})`
      : 'no uplift yet';
    process.stdout.write(
      `  ${c.name}: ${r.verdict}, ${uplift}; clicked ${r.treated.clicked}, ` +
        `unsubscribed ${r.annoyance.unsubscribed} — GET /v1/campaigns/${row.id}/results\n`,
    );
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${startupFailureText(err)}\n`);
    process.exit(1);
  },
);

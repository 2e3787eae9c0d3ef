import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Presets, SingleBar } from 'cli-progress';
import { AppModule } from '../app.module';
import { CampaignsService } from '../campaigns/campaigns.service';
import { loadSettings } from '../config/settings';
import { openDatabase } from '../database/embedded-postgres';
import { progressState } from '../planning/progress-state';

const USAGE = `Usage: npm run cli -- campaign run <id> [--acknowledge-warnings] [--poll-ms 1000]
  launches the campaign if it is a draft, then plans and sends it in this process
  (roles from TACTFUL_ROLES, all by default) and follows its progress until nothing is due`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `campaign run <id>`: returns the process exit code. */
export async function runCampaignCommand(args: string[]): Promise<number> {
  const [sub, id, ...rest] = args;
  if (sub !== 'run' || !id || !UUID.test(id)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const ack = rest.includes('--acknowledge-warnings');
  const pollArg = rest.includes('--poll-ms') ? Number(rest[rest.indexOf('--poll-ms') + 1]) : 1000;
  const pollMs = Number.isFinite(pollArg) && pollArg >= 100 ? pollArg : 1000;

  const settings = loadSettings({ LOG_LEVEL: 'warn', ...process.env });
  const database = await openDatabase(settings);
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(settings, database.url),
    { logger: ['error', 'warn'] },
  );
  try {
    const campaigns = app.get(CampaignsService);
    const view = await campaigns.get(id);
    // Trigger campaigns never finish: follow until what is due now has gone out.
    const standing = view.schedule.type === 'trigger';
    if (view.status === 'draft') {
      const launched = await campaigns.launch(id, ack, 'cli');
      process.stdout.write(
        `launched ${id}: step ${launched.step.step} due ${launched.step.dueAt.toISOString()}\n`,
      );
    } else process.stdout.write(`campaign ${id} is ${view.status}\n`);
    if (!settings.roles.includes('scheduler'))
      process.stdout.write('this process has no scheduler role: another instance plans it\n');

    const bar = new SingleBar(
      {
        format:
          'campaign [{bar}] {percentage}% | decided {value}/{total} | sent {sent} | deferred {deferred} | skipped {skipped} | failed {failed} | unknown {unknown} | {status}',
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    let p = await campaigns.progress(id);
    bar.start(Math.max(p.audience, 1), 0, {
      sent: 0,
      deferred: 0,
      skipped: 0,
      failed: 0,
      unknown: 0,
      status: p.status,
    });
    for (;;) {
      p = await campaigns.progress(id);
      const s = progressState(p);
      bar.setTotal(Math.max(p.audience, s.decided, 1));
      bar.update(s.decided, {
        sent: p.sent,
        deferred: p.deferred,
        skipped: s.skipped,
        failed: p.failed,
        unknown: p.unknown,
        status: p.status,
      });
      const finished = p.status === 'completed' || p.status === 'cancelled';
      const settled = (s.stepsPlanned || standing) && s.inFlight === 0;
      if (finished || (settled && p.status === 'running')) break;
      if (p.status === 'paused') {
        bar.stop();
        process.stdout.write(`campaign ${id} is paused\n`);
        return 1;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    bar.stop();
    process.stdout.write(
      `status ${p.status}: audience ${p.audience}, planned ${p.planned}, sent ${p.sent}, ` +
        `deferred ${p.deferred}, failed ${p.failed}, unknown ${p.unknown}, cancelled ${p.cancelled}\n`,
    );
    if (p.unknown > 0) process.stdout.write(`  unknown: ${p.unknownMeaning}\n`);
    for (const [reason, n] of Object.entries(p.skipped))
      process.stdout.write(`  skipped ${reason}: ${n}\n`);
    if (p.deferred > 0)
      process.stdout.write(
        `${p.deferred} deliveries wait for their time (quiet hours, budgets); a running service sends them\n`,
      );
    return 0;
  } finally {
    await app.close();
    await database.stop();
  }
}

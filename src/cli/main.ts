import 'reflect-metadata';
import { createReadStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { SingleBar, Presets } from 'cli-progress';
import { AppModule } from '../app.module';
import { loadSettings } from '../config/settings';
import { CustomerImportService, ImportFormat } from '../customers/customer-import.service';
import { openDatabase } from '../database/embedded-postgres';
import { startupFailureText } from '../database/startup-failure';
import { AUDIT_USAGE, runAuditCommand } from './audit';
import { runCampaignCommand } from './campaign';

const USAGE = `Usage: npm run cli -- <command>
  import <file> [--format ndjson|csv]          import customers from an NDJSON or CSV file
  campaign run <id> [--acknowledge-warnings]   launch a draft and follow its progress
${AUDIT_USAGE}`;

async function withApp<T>(
  fn: (app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>) => Promise<T>,
): Promise<T> {
  const settings = loadSettings({ LOG_LEVEL: 'warn', ...process.env });
  const database = await openDatabase(settings);
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(settings, database.url),
    { logger: ['error', 'warn'] },
  );
  try {
    return await fn(app);
  } finally {
    await app.close();
    await database.stop();
  }
}

async function importCommand(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const formatArg = args.includes('--format') ? args[args.indexOf('--format') + 1] : undefined;
  const format = (formatArg ??
    (extname(file).toLowerCase() === '.csv' ? 'csv' : 'ndjson')) as ImportFormat;
  if (format !== 'csv' && format !== 'ndjson') {
    process.stderr.write('--format must be ndjson or csv\n');
    return 2;
  }
  const size = statSync(file).size;
  return withApp(async (app) => {
    const bar = new SingleBar(
      {
        format: 'import [{bar}] {percentage}% | {rows} rows | {eta_formatted} left',
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    bar.start(size, 0, { rows: 0 });
    const report = await app
      .get(CustomerImportService)
      .import(createReadStream(file), format, 'cli', (p) => bar.update(p.bytes, { rows: p.rows }));
    bar.update(size, { rows: report.rows });
    bar.stop();
    process.stdout.write(
      `import ${report.importId} ${report.status}: rows ${report.rows}, inserted ${report.inserted}, updated ${report.updated}, failed ${report.failed}\n`,
    );
    if (report.failure) process.stdout.write(`  ${report.failure}\n`);
    for (const e of report.errors)
      process.stdout.write(`  line ${e.line}: ${e.field}: ${e.message}\n`);
    if (report.errorsTruncated) process.stdout.write('  … more errors not listed\n');
    return report.failed > 0 || report.status !== 'completed' ? 1 : 0;
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'import':
      return importCommand(rest);
    case 'audit':
      return runAuditCommand(rest);
    case 'campaign':
      return runCampaignCommand(rest);
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${startupFailureText(err)}\n`);
    process.exit(1);
  },
);

import { DataSource } from 'typeorm';
import { AuditSealerService, VerifyReport } from '../audit/audit-sealer.service';
import { loadSettings } from '../config/settings';
import { dataSourceOptions } from '../database/data-source';

type EmbeddedModule = typeof import('../database/embedded-postgres');

export const AUDIT_USAGE = `  audit verify [--no-seal] [--json]            seal new audit rows, then check the hash chain`;

export function formatVerifyReport(r: VerifyReport): string {
  if (r.ok)
    return (
      `audit OK: ${r.seals} seals, ${r.rows} rows sealed, ${r.unsealedRows} newer rows not sealed yet` +
      (r.headHash ? `\nhead ${r.headHash}` : '') +
      '\n'
    );
  const b = r.broken!;
  return (
    `audit BROKEN at seal ${b.seq}${b.rowId ? `, row id ${b.rowId}` : ''}: ${b.problem}\n` +
    `${r.seals} seals (${r.rows} rows) verified before it\n`
  );
}

/**
 * `npm run cli -- audit verify`: exit 0 when the chain holds, 1 with the first broken link, 2 when
 * it could not be checked (no database, a failing query).
 * Works without the Nest application: only the database is needed. `opts` lets a test (or a
 * host) pass its own database and capture the output.
 */
export async function runAuditCommand(
  args: string[],
  opts: { databaseUrl?: string; out?: (s: string) => void; err?: (s: string) => void } = {},
): Promise<number> {
  const out = opts.out ?? ((s: string) => process.stdout.write(s));
  const err = opts.err ?? ((s: string) => process.stderr.write(s));
  const [sub, ...flags] = args;
  if (sub !== 'verify') {
    err(`Usage: npm run cli -- audit verify [--no-seal] [--json]\n`);
    return 2;
  }
  let url: string;
  let stop = async () => undefined as void;
  if (opts.databaseUrl) url = opts.databaseUrl;
  else {
    const settings = loadSettings({ LOG_LEVEL: 'warn', ...process.env });
    // Loaded only here: the embedded server's package is ESM (Jest cannot load it) and is not
    // needed when a URL is given.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { openDatabase } = require('../database/embedded-postgres') as EmbeddedModule;
    const db = await openDatabase(settings);
    url = db.url;
    stop = db.stop;
  }
  const ds = new DataSource({ ...dataSourceOptions(url), extra: { max: 2 } });
  try {
    await ds.initialize();
    const report = await new AuditSealerService(ds).verify({ seal: !flags.includes('--no-seal') });
    out(flags.includes('--json') ? `${JSON.stringify(report)}\n` : formatVerifyReport(report));
    return report.ok ? 0 : 1;
  } catch (e) {
    // Exit 2, not 1: the chain was not checked, which is not the same as a broken chain.
    err(`audit verify could not run: ${(e as Error).message}\n`);
    return 2;
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await stop();
  }
}

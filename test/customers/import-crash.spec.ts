import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestApp, type TestApp } from '../support/test-app';
import { postImport } from './import-upload';

const ROOT = resolve(__dirname, '../..');
const ROWS = 30_000;
const ROUNDS = 3;

/** The app in a child process; resolves with its port once it listens. */
function startApp(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(__dirname, 'import-worker.ts')],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolvePromise, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(d.toString());
      if (m) resolvePromise({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`app exited early (${code}): ${err}`)));
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((r) =>
    child.exitCode !== null || child.signalCode ? r() : child.once('exit', () => r()),
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await sleep(50);
  }
}

describe('an import whose process is SIGKILLed mid-import', () => {
  let t: TestApp;
  let key: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    t = await createTestApp({ env: { IMPORT_STALE_SECONDS: '2' } });
    key = await t.keyFor('integration');
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
    await t.close();
  });

  it('leaves a record, shown as interrupted, whose counts match the customers in the table', async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const prefix = `k${round}-`;
      const { child, port } = await startApp({
        DATABASE_URL: t.databaseUrl,
        TACTFUL_ROLES: 'api',
        TACTFUL_SECRET: 'crash-secret-0123456789abcdef0123456789',
        TACTFUL_DATA_DIR: mkdtempSync(join(tmpdir(), 'tactful-import-crash-')),
        LOG_LEVEL: 'silent',
        IMPORT_STALE_SECONDS: '2',
      });
      children.push(child);
      // The file arrives slowly, in pieces; every 700th row is refused (a bad e-mail).
      const upload = postImport(port, key, 'application/x-ndjson', (req) => {
        void (async () => {
          for (let i = 1; i <= ROWS && !req.destroyed; i++) {
            const email = i % 700 === 0 ? 'not-an-email' : `c${i}@example.com`;
            const ok = req.write(
              `${JSON.stringify({ externalId: `${prefix}${i}`, kind: 'consumer', email })}\n`,
            );
            if (i % 500 === 0 || !ok) await sleep(5);
          }
          if (!req.destroyed) req.end();
        })();
      });
      upload.catch(() => undefined);
      // Kill somewhere after a few batches, at a different point each round.
      const target = 2000 * (round + 1) + Math.floor(Math.random() * 2000);
      for (;;) {
        const [r] = await t.db.query(
          `SELECT count(*)::int AS n FROM customers WHERE external_id LIKE $1`,
          [`${prefix}%`],
        );
        if (r.n >= target) break;
        if (child.exitCode !== null) throw new Error('the app exited by itself');
        await sleep(5);
      }
      child.kill('SIGKILL');
      await exited(child);
      await expect(upload).rejects.toThrow();

      const [{ id }] = await t.db.query(
        `SELECT id FROM customer_imports ORDER BY started_at DESC LIMIT 1`,
      );
      const fresh = await t.as(key).get(`/v1/customers/imports/${id}`);
      expect(fresh.body.status).toBe('running'); // its heartbeat is still recent
      await sleep(2500);
      const res = await t.as(key).get(`/v1/customers/imports/${id}`);
      const record = res.body;
      const [{ n, maxLine }] = await t.db.query(
        `SELECT count(*)::int AS n, max(substring(external_id from $2::int)::int) AS "maxLine"
         FROM customers WHERE external_id LIKE $1`,
        [`${prefix}%`, prefix.length + 1],
      );
      const refusedBefore = (line: number) => Math.floor(line / 700);
      expect(record).toMatchObject({
        status: 'interrupted',
        rowsWritten: n,
        inserted: n,
        rowsRead: record.lastCommittedLine,
        rowsRefused: refusedBefore(record.lastCommittedLine),
      });
      expect(n).toBeGreaterThanOrEqual(target);
      expect(n).toBe(record.lastCommittedLine - refusedBefore(record.lastCommittedLine));
      // What is in the table is exactly the file up to the last committed line.
      expect(maxLine).toBeLessThanOrEqual(record.lastCommittedLine);
      expect(maxLine).toBeGreaterThan(record.lastCommittedLine - 700);

      // The scheduler's sweep closes it for good, with its import.failed audit row.
      const swept = await until(async () => {
        const r = await t.as(key).get(`/v1/customers/imports/${id}`);
        return r.body.finishedAt ? r.body : undefined;
      });
      expect(swept).toMatchObject({
        status: 'interrupted',
        rowsWritten: n,
        failure: `the importing process stopped; lines after ${record.lastCommittedLine} were not written`,
      });
      const audit = await t.db.query(
        `SELECT type, data FROM audit_events WHERE data->>'importId' = $1 ORDER BY id`,
        [id],
      );
      expect(audit.map((a: { type: string }) => a.type)).toEqual([
        'import.started',
        'import.failed',
      ]);
      expect(audit[1].data).toMatchObject({
        inserted: n,
        lastCommittedLine: record.lastCommittedLine,
      });
    }
    const { body: list } = await t.as(key).get('/v1/customers/imports');
    expect(list.map((r: { status: string }) => r.status)).toEqual([
      'interrupted',
      'interrupted',
      'interrupted',
    ]);
  }, 180_000);
});

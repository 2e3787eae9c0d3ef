import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { cloneTestDatabase } from '../support/database';
import { curlImport, pollHealth, type UploadResult } from './import-upload';
import { freePort } from '../support/free-port';

const ROOT = resolve(__dirname, '../..');
const ADMIN_KEY = 'long-lines-admin-key-0123456789abcdef';
const MB20 = 20 * 1024 * 1024;
const LIMIT = 1024 * 1024;

const big = (c: string) => Buffer.alloc(MB20, c);
const text = (s: string) => Buffer.from(s);

// The service runs in its own process, as in production: inside a Jest worker its event loop
// would share a heap (and its garbage collections) with every other spec file of that worker. On
// the shared 2-core machine another process can still hold the CPU for a while, so a test is
// retried (with fresh ids); the old splitter froze /health for 8-29 s, every time.
jest.retryTimes(4, { logErrorsBeforeRetry: true });

describe('an import with a 20 MB line does not freeze the service', () => {
  let service: ChildProcess;
  let db: Client;
  let drop: () => Promise<void>;
  let key: string;
  let port: number;
  let attempt = 0;
  const dir = mkdtempSync(join(tmpdir(), 'tactful-long-lines-'));
  chmodSync(dir, 0o755);

  beforeAll(async () => {
    const database = await cloneTestDatabase();
    drop = database.drop;
    db = new Client({ connectionString: database.url });
    await db.connect();
    port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_OPTIONS;
    Object.assign(env, {
      DATABASE_URL: database.url,
      PORT: String(port),
      TACTFUL_ROLES: 'api',
      TACTFUL_ADMIN_KEY: ADMIN_KEY,
      TACTFUL_SECRET: 'long-lines-secret-0123456789abcdef0123456789',
      TACTFUL_DATA_DIR: dir,
      LOG_LEVEL: 'warn',
    });
    service = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    service.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (up) break;
      if (service.exitCode !== null || Date.now() > deadline)
        throw new Error(`the service did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const made = await fetch(`http://127.0.0.1:${port}/v1/api-keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ role: 'integration', name: 'CRM' }),
    });
    key = ((await made.json()) as { key: string }).key;
  }, 90_000);

  afterAll(async () => {
    if (service && service.exitCode === null) {
      const exited = new Promise((r) => service.once('exit', r));
      service.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (service.exitCode === null) service.kill('SIGKILL');
    }
    await db?.end();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  /** A fresh id prefix per attempt, so a retried test imports new customers. */
  const tagged = (prefix: string) => `${prefix}${++attempt}-`;

  async function importWhilePolling(type: string, parts: Buffer[]): Promise<UploadResult> {
    const file = join(dir, 'body');
    writeFileSync(file, Buffer.concat(parts));
    const health = pollHealth(port);
    const started = Date.now();
    const res = await curlImport(port, key, type, file);
    const { max, count } = await health.stop();
    // /health was asked again and again during the import, and never waited long.
    expect(count).toBeGreaterThanOrEqual(2);
    expect(Math.round(max)).toBeLessThan(200);
    expect(Date.now() - started).toBeLessThan(60_000);
    return res;
  }

  const externalIds = async (prefix: string) =>
    (
      await db.query<{ external_id: string }>(
        `SELECT external_id FROM customers WHERE external_id LIKE $1 ORDER BY external_id`,
        [`${prefix}%`],
      )
    ).rows.map((r) => r.external_id.slice(prefix.length));

  it('NDJSON: the long line is a row error with its line number; the rows after it are imported', async () => {
    const p = tagged('n');
    const row = (id: string) => JSON.stringify({ externalId: `${p}${id}`, kind: 'consumer' });
    const res = await importWhilePolling('application/x-ndjson', [
      text(`${row('1')}\n{"externalId":"${p}long","kind":"consumer","name":"`),
      big('x'),
      text(`"}\n${row('3')}\n${row('4')}\n`),
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 4, inserted: 3, failed: 1 });
    expect(res.body.errors).toEqual([
      { line: 2, field: 'row', message: `line 2 is longer than ${LIMIT} bytes` },
    ]);
    expect(await externalIds(p)).toEqual(['1', '3', '4']);
  }, 120_000);

  it('NDJSON: a 20 MB body without any line end is one refused line, and the rest of the service answers', async () => {
    const res = await importWhilePolling('application/x-ndjson', [big('y')]);
    expect(res.body).toMatchObject({ rows: 1, inserted: 0, failed: 1 });
    expect(res.body.errors).toEqual([
      { line: 1, field: 'row', message: `line 1 is longer than ${LIMIT} bytes` },
    ]);
  }, 120_000);

  it('CSV: a 20 MB single-line record is a row error; the rows after it are imported', async () => {
    const p = tagged('c');
    const res = await importWhilePolling('text/csv', [
      text(`externalId,kind,name\n${p}1,consumer,A\n${p}long,consumer,`),
      big('x'),
      text(`\n${p}3,consumer,C\n${p}4,consumer,D\n`),
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 4, inserted: 3, failed: 1 });
    expect(res.body.errors).toEqual([
      { line: 3, field: 'row', message: `CSV: line 3 is longer than ${LIMIT} bytes` },
    ]);
    expect(await externalIds(p)).toEqual(['1', '3', '4']);
  }, 120_000);

  it('CSV: a quoted field with newlines that never closes is cut at the limit, and reading resumes after it', async () => {
    // 20 MB of short lines inside one open quote: no physical line is long, the record is.
    const inside = text(`${'z'.repeat(999)}\n`.repeat(MB20 / 1000));
    const p = tagged('q');
    const res = await importWhilePolling('text/csv', [
      text(`externalId,kind,name\n${p}1,consumer,A\n${p}open,consumer,"`),
      inside,
      text(`${p}after-1,consumer,B\n${p}after-2,consumer,C\n`),
    ]);
    expect(res.status).toBe(200);
    const errors = res.body.errors as { line: number; field: string; message: string }[];
    expect(errors[0]).toEqual({
      line: 3,
      field: 'row',
      message: expect.stringMatching(
        new RegExp(`^CSV: the record starting on line 3 is longer than ${LIMIT} bytes`),
      ),
    });
    // The lines after the cut are read as records again (each a wrong column count here) …
    expect(errors[1]).toEqual({
      line: expect.any(Number),
      field: 'row',
      message: 'CSV: the row has 1 columns, the header 3',
    });
    // … and the real rows after the never-closed quote are imported.
    expect(await externalIds(p)).toEqual(['1', 'after-1', 'after-2']);
  }, 120_000);
});

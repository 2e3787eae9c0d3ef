import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    // Schema changes only ever go through migrations.
    synchronize: false,
    // A database that does not answer fails a request in 10 s (503) instead of holding it open.
    extra: { max: 20, connectionTimeoutMillis: 10_000 },
  };
}

// For the TypeORM CLI (migration:generate); the app builds its options from settings.
export default new DataSource(
  dataSourceOptions(
    process.env.DATABASE_URL ?? 'postgres://tactful:tactful@127.0.0.1:5432/tactful',
  ),
);

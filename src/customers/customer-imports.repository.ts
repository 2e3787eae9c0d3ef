import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ImportFormat } from './import-records';

export type ImportStatus = 'running' | 'completed' | 'failed' | 'interrupted';

/** What the import record says: counts only, never a row's content. */
export interface ImportRecord {
  id: string;
  actor: string;
  format: ImportFormat;
  status: ImportStatus;
  startedAt: Date;
  finishedAt: Date | null;
  rowsRead: number;
  inserted: number;
  updated: number;
  rowsWritten: number;
  rowsRefused: number;
  /** Every line up to this one is settled: written or refused. */
  lastCommittedLine: number;
  failure: string | null;
}

/** What one committed batch adds to the record. */
export interface ImportAdvance {
  rowsRead: number;
  inserted: number;
  updated: number;
  refused: number;
  lastLine: number;
}

const START_IMPORT = `INSERT INTO customer_imports (actor, format) VALUES ($1, $2) RETURNING id`;

const ADVANCE_IMPORT = `
  UPDATE customer_imports
  SET rows_read = $2, rows_inserted = rows_inserted + $3, rows_updated = rows_updated + $4,
      rows_refused = rows_refused + $5, last_committed_line = $6, heartbeat_at = now()
  WHERE id = $1 AND status = 'running'`;

const BEAT_IMPORT = `UPDATE customer_imports SET heartbeat_at = now() WHERE id = $1 AND status = 'running'`;

const FINISH_IMPORT = `
  UPDATE customer_imports
  SET status = $2, failure = $3, finished_at = now(), heartbeat_at = now(),
      rows_read = COALESCE($4, rows_read), rows_refused = rows_refused + $5,
      last_committed_line = COALESCE($6, last_committed_line)
  WHERE id = $1 AND status = 'running'`;

const SWEEP_STALE_IMPORTS = `
  WITH swept AS (
    UPDATE customer_imports
    SET status = 'interrupted', finished_at = now(),
        failure = 'the importing process stopped; lines after ' || last_committed_line || ' were not written'
    WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1)
    RETURNING *
  )
  SELECT id, actor, format, started_at, finished_at, failure, status,
         rows_read::float8 AS rows_read, rows_inserted::float8 AS rows_inserted,
         rows_updated::float8 AS rows_updated, rows_refused::float8 AS rows_refused,
         last_committed_line::float8 AS last_committed_line
  FROM swept`;

// A running import whose process stopped beating died with it: shown as interrupted.
const SELECT_IMPORTS = `
  SELECT id, actor, format, started_at, finished_at, failure,
         CASE WHEN status = 'running' AND heartbeat_at < now() - make_interval(secs => $1)
              THEN 'interrupted' ELSE status END AS status,
         rows_read::float8 AS rows_read, rows_inserted::float8 AS rows_inserted,
         rows_updated::float8 AS rows_updated, rows_refused::float8 AS rows_refused,
         last_committed_line::float8 AS last_committed_line
  FROM customer_imports`;

const SELECT_IMPORT_BY_ID = `${SELECT_IMPORTS} WHERE id = $2`;
const SELECT_RECENT_IMPORTS = `${SELECT_IMPORTS} ORDER BY started_at DESC, id DESC LIMIT $2`;

interface ImportRow {
  id: string;
  actor: string;
  format: ImportFormat;
  status: ImportStatus;
  started_at: Date;
  finished_at: Date | null;
  failure: string | null;
  rows_read: number;
  rows_inserted: number;
  rows_updated: number;
  rows_refused: number;
  last_committed_line: number;
}

const toRecord = (r: ImportRow): ImportRecord => ({
  id: r.id,
  actor: r.actor,
  format: r.format,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  rowsRead: r.rows_read,
  inserted: r.rows_inserted,
  updated: r.rows_updated,
  rowsWritten: r.rows_inserted + r.rows_updated,
  rowsRefused: r.rows_refused,
  lastCommittedLine: r.last_committed_line,
  failure: r.failure,
});

@Injectable()
export class CustomerImportsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async start(m: EntityManager, actor: string, format: ImportFormat): Promise<string> {
    const [{ id }]: { id: string }[] = await m.query(START_IMPORT, [actor, format]);
    return id;
  }

  /** False if the record is no longer running (swept as interrupted): the batch must not commit. */
  async advance(m: EntityManager, id: string, a: ImportAdvance): Promise<boolean> {
    const [, count]: [unknown, number] = await m.query(ADVANCE_IMPORT, [
      id,
      a.rowsRead,
      a.inserted,
      a.updated,
      a.refused,
      a.lastLine,
    ]);
    return count === 1;
  }

  /**
   * Closes the running records whose heartbeat stopped (their process died) as interrupted, with
   * their `import.failed` audit rows, in one transaction. Safe on several instances at once: a
   * record is closed by whichever UPDATE gets it first.
   */
  async sweepStale(m: EntityManager, staleSeconds: number): Promise<ImportRecord[]> {
    const rows: ImportRow[] = await m.query(SWEEP_STALE_IMPORTS, [staleSeconds]);
    return rows.map(toRecord);
  }

  async beat(id: string): Promise<void> {
    await this.dataSource.query(BEAT_IMPORT, [id]);
  }

  /**
   * Closes a running record; with `last` the counts read after the last batch are added.
   * False if it was no longer running (swept as interrupted meanwhile).
   */
  async finish(
    m: EntityManager,
    id: string,
    status: Exclude<ImportStatus, 'running'>,
    failure: string | null,
    last?: { rowsRead: number; refused: number; lastLine: number },
  ): Promise<boolean> {
    const [, count]: [unknown, number] = await m.query(FINISH_IMPORT, [
      id,
      status,
      failure,
      last?.rowsRead ?? null,
      last?.refused ?? 0,
      last?.lastLine ?? null,
    ]);
    return count === 1;
  }

  async get(id: string, staleSeconds: number): Promise<ImportRecord | undefined> {
    const [row]: ImportRow[] = await this.dataSource.query(SELECT_IMPORT_BY_ID, [staleSeconds, id]);
    return row && toRecord(row);
  }

  async recent(limit: number, staleSeconds: number): Promise<ImportRecord[]> {
    const rows: ImportRow[] = await this.dataSource.query(SELECT_RECENT_IMPORTS, [
      staleSeconds,
      limit,
    ]);
    return rows.map(toRecord);
  }
}

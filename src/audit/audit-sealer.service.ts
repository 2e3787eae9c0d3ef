import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  decodeIds,
  encodeIds,
  GENESIS_HASH,
  locateProblem,
  ROW_DIGEST_SQL,
  sealHash,
  shortDigests,
  SHORT_DIGEST,
  type ChainProblem,
} from './audit-chain';

/** Rows a seal covers at most. */
export const SEAL_BATCH = 10_000;
const SEAL_LOCK = `hashtext('tactful.audit_seal')`;

interface Horizon {
  /** Every id at or below this was handed out before the horizon was taken. */
  upTo: string;
  /** Virtual transaction ids that held a write lock on audit_events then. */
  holders: string[];
}

interface SealRow {
  seq: string;
  first_id: string;
  last_id: string;
  row_count: number;
  row_ids: Buffer;
  row_digests: Buffer;
  prev_hash: string;
  hash: string;
}

export interface VerifyReport {
  ok: boolean;
  seals: number;
  rows: number;
  /** Rows newer than the last seal (still in flight or waiting for the next tick). */
  unsealedRows: number;
  /** The hash of the last seal: publish or keep it elsewhere to detect a truncated tail. */
  headHash: string | null;
  broken?: { seq: string; rowId: string | null; problem: ChainProblem['problem'] | 'chain broken' };
}

/**
 * Tamper evidence: seals audit rows in id order, batch by batch, each seal chained to the one
 * before by hash.
 *
 * Ids come from a sequence, so a transaction can commit id 100 after another committed 101.
 * Sealing 101 first would leave 100 outside the chain for ever. So a seal only covers ids that
 * are final: the horizon reads the sequence's last value, then the transactions holding a write
 * lock on audit_events (every insert takes ROW EXCLUSIVE on the table before it draws an id).
 * Once those transactions have ended, every id up to that value is committed or never will be.
 * This assumes the sequence's default CACHE 1 (per-session caches would hand out old ids later).
 * pg_locks is cluster-wide: only this database's locks count (a database cloned from a template
 * has the same table OID, and another database's open insert must not hold this chain back).
 */
@Injectable()
export class AuditSealerService {
  private readonly log = new Logger(AuditSealerService.name);
  private pending: Horizon | null = null;

  constructor(private readonly dataSource: DataSource) {}

  /** The periodic step: seal up to the horizon taken last time if it has settled, then take a new one. */
  async tick(): Promise<number> {
    let sealed = 0;
    if (this.pending && (await this.settled(this.pending)))
      sealed = await this.sealUpTo(this.pending.upTo, false);
    this.pending = await this.horizon();
    return sealed;
  }

  /** Seals everything committed now, waiting up to timeoutMs for in-flight inserts to end. */
  async sealNow(timeoutMs = 10_000): Promise<number> {
    const h = await this.horizon();
    const deadline = Date.now() + timeoutMs;
    while (!(await this.settled(h))) {
      if (Date.now() > deadline) {
        this.log.warn(`audit seal: in-flight audit writers did not finish within ${timeoutMs} ms`);
        return 0;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.sealUpTo(h.upTo, true);
  }

  private async horizon(): Promise<Horizon> {
    const [{ last }]: { last: string | null }[] = await this.dataSource.query(
      `SELECT pg_sequence_last_value(pg_get_serial_sequence('audit_events', 'id'))::text AS last`,
    );
    const holders: { vxid: string }[] = await this.dataSource.query(
      `SELECT DISTINCT virtualtransaction AS vxid FROM pg_locks
        WHERE locktype = 'relation' AND relation = 'audit_events'::regclass
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND mode = 'RowExclusiveLock' AND pid IS DISTINCT FROM pg_backend_pid()`,
    );
    return { upTo: last ?? '0', holders: holders.map((h) => h.vxid) };
  }

  private async settled(h: Horizon): Promise<boolean> {
    if (h.holders.length === 0) return true;
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY($1)`,
      [h.holders],
    );
    return n === 0;
  }

  /** Seals rows up to upTo in batches; one transaction per seal, serialised across instances. */
  private async sealUpTo(upTo: string, wait: boolean): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.dataSource.transaction(async (m) => {
        if (wait) await m.query(`SELECT pg_advisory_xact_lock(${SEAL_LOCK})`);
        else {
          const [{ ok }]: { ok: boolean }[] = await m.query(
            `SELECT pg_try_advisory_xact_lock(${SEAL_LOCK}) AS ok`,
          );
          if (!ok) return 0;
        }
        return this.sealBatch(m, upTo);
      });
      total += n;
      if (n < SEAL_BATCH) break;
    }
    if (total > 0) this.log.log(`audit seal: ${total} rows sealed`);
    return total;
  }

  private async sealBatch(m: EntityManager, upTo: string): Promise<number> {
    // Numbers travel as text (bigint exceeds a JS number) but are ordered by the column: a bare
    // `ORDER BY seq` would sort the text output column ('9' after '10').
    const [last]: { seq: string; last_id: string; hash: string }[] = await m.query(
      `SELECT seq::text AS seq, last_id::text AS last_id, hash FROM audit_seals
        ORDER BY audit_seals.seq DESC LIMIT 1`,
    );
    const after = last?.last_id ?? '0';
    const rows: { id: string; d: Buffer }[] = await m.query(
      `SELECT id::text, ${ROW_DIGEST_SQL} AS d FROM audit_events
        WHERE id > $1 AND id <= $2 ORDER BY audit_events.id LIMIT $3`,
      [after, upTo, SEAL_BATCH],
    );
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => BigInt(r.id));
    const full = Buffer.concat(rows.map((r) => r.d));
    const meta = {
      seq: String(BigInt(last?.seq ?? '0') + 1n),
      firstId: rows[0].id,
      lastId: rows[rows.length - 1].id,
      rowCount: rows.length,
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    await m.query(
      `INSERT INTO audit_seals (seq, first_id, last_id, row_count, row_ids, row_digests, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        meta.seq,
        meta.firstId,
        meta.lastId,
        meta.rowCount,
        encodeIds(ids, ids[0]),
        shortDigests(full),
        meta.prevHash,
        sealHash(meta, full),
      ],
    );
    return rows.length;
  }

  /** Seals what is committed, then re-hashes every sealed row and checks the chain link by link. */
  async verify(opts: { seal?: boolean } = {}): Promise<VerifyReport> {
    if (opts.seal !== false) await this.sealNow();
    let prevHash = GENESIS_HASH;
    let prevLast = '0';
    let seals = 0;
    let rows = 0;
    let afterSeq = '0';
    for (;;) {
      const page: SealRow[] = await this.dataSource.query(
        `SELECT seq::text AS seq, first_id::text AS first_id, last_id::text AS last_id, row_count,
                row_ids, row_digests, prev_hash, hash
           FROM audit_seals WHERE audit_seals.seq > $1::bigint ORDER BY audit_seals.seq LIMIT 50`,
        [afterSeq],
      );
      for (const s of page) {
        const current: { id: string; d: Buffer }[] = await this.dataSource.query(
          `SELECT id::text, ${ROW_DIGEST_SQL} AS d FROM audit_events
            WHERE id > $1 AND id <= $2 ORDER BY audit_events.id`,
          [prevLast, s.last_id],
        );
        const broken = (
          rowId: string | null,
          problem: NonNullable<VerifyReport['broken']>['problem'],
        ) => this.report(false, seals, rows, prevHash, { seq: s.seq, rowId, problem });
        if (s.prev_hash !== prevHash) return broken(null, 'chain broken');
        const full = Buffer.concat(current.map((r) => r.d));
        const meta = {
          seq: s.seq,
          firstId: current[0]?.id ?? s.first_id,
          lastId: current[current.length - 1]?.id ?? s.last_id,
          rowCount: current.length,
          prevHash,
        };
        if (sealHash(meta, full) !== s.hash) {
          const located = locateProblem(
            decodeIds(s.row_ids, BigInt(s.first_id)),
            s.row_digests,
            current.map((r) => ({ id: BigInt(r.id), short: r.d.subarray(0, SHORT_DIGEST) })),
          );
          return broken(located.rowId, located.problem);
        }
        prevHash = s.hash;
        prevLast = s.last_id;
        seals += 1;
        rows += s.row_count;
        afterSeq = s.seq;
      }
      if (page.length < 50) break;
    }
    return this.report(true, seals, rows, seals ? prevHash : null, undefined, prevLast);
  }

  private async report(
    ok: boolean,
    seals: number,
    rows: number,
    headHash: string | null,
    broken?: VerifyReport['broken'],
    prevLast?: string,
  ): Promise<VerifyReport> {
    let unsealedRows = 0;
    if (ok) {
      const [{ n }]: { n: number }[] = await this.dataSource.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE id > $1`,
        [prevLast ?? '0'],
      );
      unsealedRows = n;
    }
    return { ok, seals, rows, unsealedRows, headHash, ...(broken ? { broken } : {}) };
  }
}

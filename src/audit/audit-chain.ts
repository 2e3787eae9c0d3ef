import { createHash } from 'node:crypto';

/**
 * The canonical form of an audit row, as SQL over audit_events: every column, in a fixed order,
 * as a JSON array (jsonb text output is deterministic: keys sorted, whitespace fixed). `at` is
 * written as epoch microseconds so the session time zone cannot change it.
 */
export const ROW_DIGEST_SQL = `sha256(convert_to(jsonb_build_array(
  id::text, (extract(epoch FROM at) * 1000000)::bigint::text, type, customer_id, campaign_id,
  delivery_id, channel, reason, policy_version, actor, data)::text, 'UTF8'))`;

export const GENESIS_HASH = '0'.repeat(64);
/** Bytes of each row's SHA-256 kept in the seal to name the row that changed. */
export const SHORT_DIGEST = 8;

export interface SealMeta {
  seq: string;
  firstId: string;
  lastId: string;
  rowCount: number;
  prevHash: string;
}

/** The seal's hash: the previous seal's hash, this seal's range and every row's full digest. */
export function sealHash(meta: SealMeta, fullDigests: Buffer): string {
  return createHash('sha256')
    .update(
      `tactful-audit-seal-v1|${meta.prevHash}|${meta.seq}|${meta.firstId}|${meta.lastId}|${meta.rowCount}|`,
    )
    .update(fullDigests)
    .digest('hex');
}

/** First SHORT_DIGEST bytes of each 32-byte digest. */
export function shortDigests(fullDigests: Buffer): Buffer {
  const n = fullDigests.length / 32;
  const out = Buffer.alloc(n * SHORT_DIGEST);
  for (let i = 0; i < n; i++)
    fullDigests.copy(out, i * SHORT_DIGEST, i * 32, i * 32 + SHORT_DIGEST);
  return out;
}

/** Ids as LEB128 varint deltas from the previous id (the first from firstId): ~1 byte a row. */
export function encodeIds(ids: bigint[], firstId: bigint): Buffer {
  const bytes: number[] = [];
  let prev = firstId;
  for (const id of ids) {
    let d = id - prev;
    prev = id;
    do {
      let b = Number(d & 0x7fn);
      d >>= 7n;
      if (d > 0n) b |= 0x80;
      bytes.push(b);
    } while (d > 0n);
  }
  return Buffer.from(bytes);
}

export function decodeIds(buf: Buffer, firstId: bigint): bigint[] {
  const ids: bigint[] = [];
  let prev = firstId;
  let d = 0n;
  let shift = 0n;
  for (const b of buf) {
    d |= BigInt(b & 0x7f) << shift;
    if (b & 0x80) {
      shift += 7n;
      continue;
    }
    prev += d;
    ids.push(prev);
    d = 0n;
    shift = 0n;
  }
  return ids;
}

export interface ChainProblem {
  rowId: string | null;
  problem: 'row altered' | 'row removed' | 'row added' | 'seal altered';
}

/**
 * Where a seal's rows differ from what it recorded: the lowest row id that was altered, removed
 * or added, or 'seal altered' when the rows match the recorded digests but the seal does not.
 */
export function locateProblem(
  expectedIds: bigint[],
  expectedShort: Buffer,
  current: { id: bigint; short: Buffer }[],
): ChainProblem {
  const byId = new Map(current.map((r) => [r.id, r.short]));
  const expected = new Set(expectedIds);
  let found: { id: bigint; problem: ChainProblem['problem'] } | null = null;
  const consider = (id: bigint, problem: ChainProblem['problem']) => {
    if (!found || id < found.id) found = { id, problem };
  };
  expectedIds.forEach((id, i) => {
    const now = byId.get(id);
    if (!now) consider(id, 'row removed');
    else if (!now.equals(expectedShort.subarray(i * SHORT_DIGEST, (i + 1) * SHORT_DIGEST)))
      consider(id, 'row altered');
  });
  for (const r of current) if (!expected.has(r.id)) consider(r.id, 'row added');
  const f = found as { id: bigint; problem: ChainProblem['problem'] } | null;
  return f
    ? { rowId: f.id.toString(), problem: f.problem }
    : { rowId: null, problem: 'seal altered' };
}

import type { EntityManager } from 'typeorm';

/** Advisory-lock namespace (first key) of the contact locks; the second key is the bucket. */
export const CONTACT_LOCK_NAMESPACE = 0x7ac7c0de;

/**
 * The buckets of the given customers, distinct and ascending: the first 10 bits of the uuid
 * (1,024 buckets). Customer ids come from gen_random_uuid(), so buckets are uniform, and a keyset
 * batch of customers sorted by id touches few of them (2,000 out of 1,000,000 span about 3). A
 * batch never holds more than 1,024 locks, well inside PostgreSQL's lock table whatever the size
 * of the customer base; the price is that a withdrawal may wait for a batch of neighbours.
 */
export function contactLockBuckets(customerIds: readonly string[]): number[] {
  const buckets = new Set<number>();
  for (const id of customerIds) buckets.add(Number.parseInt(id.slice(0, 3), 16) >> 2);
  return [...buckets].sort((a, b) => a - b);
}

/**
 * Serialises whatever decides on or changes a customer's right to be contacted, until the
 * transaction ends: a planner batch holds the locks of its customers while it reads their
 * contact history and writes reservations, so two planners never both take a customer's last
 * slot; a consent withdrawal or an erasure takes its customer's lock, so a batch in flight either
 * commits first (and its deliveries are cancelled) or reads the withdrawal or erasure.
 * Transaction-scoped advisory locks live in memory only (no row versions, no WAL); they are taken
 * in ascending order, so two batches cannot deadlock on them.
 */
export async function lockContacts(
  m: EntityManager,
  customerIds: readonly string[],
): Promise<void> {
  const buckets = contactLockBuckets(customerIds);
  if (buckets.length === 0) return;
  // OFFSET 0 keeps the sorted subquery from being flattened: the locks are taken in its order.
  await m.query(
    `SELECT count(pg_advisory_xact_lock($1, k))::int AS n
       FROM (SELECT k FROM unnest($2::int[]) AS u(k) ORDER BY k OFFSET 0) s`,
    [CONTACT_LOCK_NAMESPACE, buckets],
  );
}

import type { EntityManager } from 'typeorm';
import { maskPersonal, type PersonalValues } from '../common/mask-personal';

/**
 * Consent wording lives in the mutable `consent_wordings`, keyed by its sha256 (a trigger moves
 * it there on every ledger INSERT); the append-only ledger names the hash. The hash keeps proving
 * which text was shown after erasure blanks a wording that quoted the person or was theirs alone.
 *
 * Erasure: blanks the text of every wording this customer's ledger names that either no other
 * (unerased) customer's ledger names, or quotes the person. A standard form text shared with
 * others stays, so their evidence stays readable. Call inside the erasure's transaction.
 */
export async function forgetWordings(
  m: EntityManager,
  customerId: string,
  person: PersonalValues,
): Promise<number> {
  const rows: { hash: string; wording: string; shared: boolean }[] = await m.query(
    `SELECT w.hash, w.wording,
            EXISTS (SELECT 1 FROM consent_events o JOIN customers c ON c.id = o.customer_id
                     WHERE o.wording_hash = w.hash AND o.customer_id <> $1
                       AND c.erased_at IS NULL) AS shared
       FROM consent_wordings w
      WHERE w.wording IS NOT NULL
        AND w.hash IN (SELECT wording_hash FROM consent_events WHERE customer_id = $1)`,
    [customerId],
  );
  const forget = rows
    .filter((r) => !r.shared || maskPersonal(r.wording, person) !== r.wording)
    .map((r) => r.hash);
  if (!forget.length) return 0;
  await m.query(
    `UPDATE consent_wordings SET wording = NULL, erased_at = now() WHERE hash = ANY($1::text[])`,
    [forget],
  );
  return forget.length;
}

import { invalid } from '../common/domain-error';
import { isUuid, parseStorableInstant } from '../common/strict-values';

/** The campaigns list's keyset cursor: the last row's creation time and id. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

/** The cursor's time and id; a cursor this list did not hand out is a 400. */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const v: unknown =
      typeof cursor === 'string' ? JSON.parse(Buffer.from(cursor, 'base64url').toString()) : null;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      parseStorableInstant(v[0], true) !== null &&
      isUuid(v[1])
    )
      return [v[0] as string, v[1]];
  } catch {
    // fall through to the 400
  }
  throw invalid(['cursor is not valid']);
}

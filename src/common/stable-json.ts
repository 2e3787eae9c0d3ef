/**
 * JSON with object keys in sorted order, so two bodies that mean the same compare equal whatever
 * order a client wrote them in (idempotency fingerprints, duplicate events in one batch).
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort())
    out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}

/**
 * PostgreSQL array literals built in one pass, for multi-row writes through unnest(): PostgreSQL
 * parses `{…}::uuid[]` far faster than json_to_recordset, and one join is far cheaper than the
 * driver's element-by-element escaping of a JavaScript array.
 */

/**
 * Values whose text form never needs quoting in an array literal: uuids, finite numbers,
 * booleans, and NULL for null. Anything else must go through {@link textArray}.
 */
export function plainArray(values: readonly (string | number | boolean | null)[]): string {
  // map + join builds one flat string; += would leave thousands of rope pieces for the GC.
  return `{${values.map((v) => (v === null ? 'NULL' : v)).join(',')}}`;
}

const NEEDS_ESCAPE = /["\\]/;
const quote = (v: string | null) =>
  v === null ? 'NULL' : `"${NEEDS_ESCAPE.test(v) ? v.replace(/["\\]/g, '\\$&') : v}"`;

/** Any text: every element double-quoted (so commas, braces, spaces and "NULL" stay text). */
export function textArray(values: readonly (string | null)[]): string {
  return `{${values.map(quote).join(',')}}`;
}

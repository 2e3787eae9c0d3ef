// Spreadsheets run a cell as a formula when it starts with one of these; a leading quote keeps
// it text (OWASP "CSV injection").
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV cell: neutralised against formula injection, quoted per RFC 4180 when needed. */
export function csvCell(value: string | null): string {
  if (value === null || value === '') return '';
  let v = FORMULA_START.test(value) ? `'${value}` : value;
  if (NEEDS_QUOTES.test(v)) v = `"${v.replace(/"/g, '""')}"`;
  return v;
}

export function csvLine(cells: (string | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

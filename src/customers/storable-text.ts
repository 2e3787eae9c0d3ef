import { isUtf8 } from 'node:buffer';
import type { FieldError } from './customer-input';

/** A line's text; `valid: false` when its bytes were not UTF-8 (bad bytes read as U+FFFD). */
export function decodeUtf8(bytes: Buffer): { text: string; valid: boolean } {
  return { text: bytes.toString('utf8'), valid: isUtf8(bytes) };
}

// A surrogate half without its partner: valid UTF-8 never decodes to one, JSON escapes can.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

type Problem = 'nul' | 'surrogate' | 'utf8';

const problemOf = (s: string, utf8: boolean): Problem | undefined =>
  s.includes('\u0000')
    ? 'nul'
    : LONE_SURROGATE.test(s)
      ? 'surrogate'
      : utf8 && s.includes('\uFFFD')
        ? 'utf8'
        : undefined;

const MESSAGES: Record<Problem, string> = {
  nul: 'must not contain NUL characters',
  surrogate: 'must be valid Unicode text (a lone surrogate)',
  utf8: 'must be valid UTF-8 text',
};

/**
 * The first string (value or key) of a parsed row that PostgreSQL would refuse or silently change:
 * NUL (text and jsonb refuse it), a lone surrogate (jsonb refuses its escape, text would store
 * U+FFFD instead) or, for a line whose bytes were not UTF-8 (`badUtf8`), the U+FFFD that stands
 * for them. Named by its path, `attributes.tags.0`. Walked with a stack, not recursion, so a
 * deeply nested row cannot overflow it.
 */
export function unstorableText(value: unknown, badUtf8 = false): FieldError | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = problemOf(v, badUtf8);
      if (problem) return error(path || 'row', problem);
    } else if (typeof v === 'object' && v !== null) {
      const entries = Array.isArray(v)
        ? v.map((x, i) => [String(i), x] as const)
        : Object.entries(v);
      for (const [key] of entries) {
        const problem = problemOf(key, badUtf8);
        if (problem) return error(path || 'row', problem, true);
      }
      // Pushed in reverse so the first field in the row is reported first.
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i];
        stack.push([child, path ? `${path}.${key}` : key]);
      }
    }
  }
  return undefined;
}

function error(field: string, problem: Problem, inKey = false): FieldError {
  return { field, message: `${field} ${MESSAGES[problem]}${inKey ? ' in a key' : ''}` };
}

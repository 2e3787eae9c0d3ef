import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The structure's rules, checked over the source as text: no import circles; the ground floor
 * imports no feature; campaigns → planning one way; every audit row through audit-log.
 * (Specs are left out: a spec may reach across for a type.)
 */
const SRC = __dirname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [p] : [];
  });
}

const files = sourceFiles(SRC);
const known = new Set(files);
const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));

/** Relative imports of a file, resolved to source files of src/ (`import` and `export … from`). */
function importsOf(file: string): string[] {
  const out: string[] = [];
  for (const m of text
    .get(file)!
    .matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s+'(\.[^']+)'/g)) {
    const base = resolve(dirname(file), m[1]);
    const target = [`${base}.ts`, join(base, 'index.ts')].find((c) => known.has(c));
    if (target) out.push(target);
  }
  return out;
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));
const rel = (f: string) => relative(SRC, f);
/** The feature folder of a file: `planning`, `policy/engine`, `audit-log`, … */
const folderOf = (f: string) => {
  const parts = rel(f).split('/');
  if (parts[0] === 'policy' && parts[1] === 'engine') return 'policy/engine';
  return parts.length > 1 ? parts[0] : '.';
};

function circles(): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const found: string[][] = [];
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') found.push(stack.slice(stack.indexOf(g)).map(rel));
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

/** Folders each folder may import from, for those with a rule. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  config: [],
  common: ['config'],
  'audit-log': ['common'],
  'planned-deliveries': ['audit-log'],
  'policy/engine': [],
};

describe('import rules', () => {
  it('reads the whole source tree', () => {
    expect(files.length).toBeGreaterThan(200);
    expect(graph.get(join(SRC, 'planning/planner.service.ts'))).toContain(
      join(SRC, 'planning/sql/write-batch.ts'),
    );
  });

  it('has no import circles', () => {
    expect(circles()).toEqual([]);
  });

  it('keeps the ground floor free of features', () => {
    const broken: string[] = [];
    for (const [f, targets] of graph) {
      const allowed = MAY_IMPORT[folderOf(f)];
      if (!allowed) continue;
      for (const t of targets) {
        const to = folderOf(t);
        if (to !== folderOf(f) && !allowed.includes(to)) broken.push(`${rel(f)} → ${rel(t)}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('lets campaigns depend on planning, never the other way', () => {
    const back = [...graph]
      .filter(([f]) => folderOf(f) === 'planning')
      .flatMap(([f, ts]) =>
        ts.filter((t) => folderOf(t) === 'campaigns').map((t) => rel(f) + ' → ' + rel(t)),
      );
    expect(back).toEqual([]);
  });

  it('keeps auth and policy off the audit read side', () => {
    const up = [...graph]
      .filter(([f]) => ['auth', 'policy'].includes(rel(f).split('/')[0]))
      .flatMap(([f, ts]) =>
        ts.filter((t) => folderOf(t) === 'audit').map((t) => rel(f) + ' → ' + rel(t)),
      );
    expect(up).toEqual([]);
  });

  it('writes audit rows only through audit-log', () => {
    const writers = files
      .filter((f) => /INSERT\s+INTO\s+audit_events/i.test(text.get(f)!))
      .map(rel)
      .filter((f) => !f.startsWith('database/migrations/'));
    expect(writers).toEqual(['audit-log/audit-writer.ts']);
  });
});

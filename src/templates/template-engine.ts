import Handlebars from 'handlebars';
import { registerTemplateHelpers, VALUE_HELPERS, TEST_HELPERS, type RenderState } from './helpers';
import type { RenderProblem, SourcePosition, SyntaxProblem } from './template-problems';

/** The parts of one locale of a template. */
export const TEMPLATE_PARTS = ['subject', 'html', 'text', 'sms', 'call'] as const;
export type TemplatePart = (typeof TEMPLATE_PARTS)[number];

/** A template part that does not compile; every problem names its line and column. */
export class TemplateSyntaxError extends Error {
  constructor(readonly problems: SyntaxProblem[]) {
    super(problems.map((p) => `line ${p.line}, column ${p.column}: ${p.message}`).join('; '));
    this.name = 'TemplateSyntaxError';
  }
}

export interface CompiledPart {
  part: TemplatePart;
  delegate: Handlebars.TemplateDelegate;
}

export interface RenderOptions {
  locale: string;
  timezone: string;
  now: Date;
  /** Preview marks each missing value in the output (⟦customer.name⟧) instead of leaving it out. */
  preview?: boolean;
}

const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);
const ALLOWED_DATA = new Set(['index', 'key', 'first', 'last', 'root']);
// Never reachable: Handlebars already denies prototype access, these make the refusal explicit.
const FORBIDDEN_SEGMENT = /^(__.*|constructor|prototype|toString|valueOf|hasOwnProperty)$/;
const INTERNAL = ['__value', '__arg'];

type Node = hbs.AST.Node;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;

const pos = (loc: hbs.AST.SourceLocation | undefined): SourcePosition => ({
  line: loc?.start.line ?? 1,
  column: (loc?.start.column ?? 0) + 1,
});

/** Position of a character offset, for checks made on the source text. */
function positionAt(source: string, index: number): SourcePosition {
  const before = source.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** Parses, turning Handlebars' and Jison's errors into a line, a column and a plain message. */
function parse(source: string): hbs.AST.Program {
  try {
    return Handlebars.parseWithoutProcessing(source);
  } catch (e) {
    const err = e as Error & { lineNumber?: number; column?: number };
    if (typeof err.lineNumber === 'number') {
      // Handlebars' own errors ("if doesn't match each - 2:5") carry the place.
      return fail({
        line: err.lineNumber,
        column: (err.column ?? 0) + 1,
        message: err.message.replace(/ - \d+:\d+$/, ''),
      });
    }
    // Jison's parse errors carry it only in text; its lexer still holds the offending token.
    // Handlebars.Parser (the Jison parser) is public at runtime but missing from the typings.
    const parser = (Handlebars as unknown as { Parser?: JisonParser }).Parser;
    const at = parser?.lexer?.yylloc;
    const got = /got '([A-Z_]+)'/.exec(err.message)?.[1];
    const message =
      got === 'EOF'
        ? 'the template ends before a block or tag is closed'
        : got === 'INVALID'
          ? 'unexpected character inside {{ }}'
          : `unexpected ${got ? got.toLowerCase().replace(/_/g, ' ') : 'text'} inside {{ }}`;
    return fail({ line: at?.first_line ?? 1, column: (at?.first_column ?? 0) + 1, message });
  }
}

interface JisonParser {
  lexer?: { yylloc?: { first_line: number; first_column: number } };
}

function fail(problem: SyntaxProblem): never {
  throw new TemplateSyntaxError([problem]);
}

const path = (name: string, loc: hbs.AST.SourceLocation): PathExpression =>
  ({ type: 'PathExpression', data: false, depth: 0, parts: [name], original: name, loc }) as never;
const str = (value: string, loc: hbs.AST.SourceLocation): Expression =>
  ({ type: 'StringLiteral', value, original: value, loc }) as never;
const bool = (value: boolean, loc: hbs.AST.SourceLocation): Expression =>
  ({ type: 'BooleanLiteral', value, original: value, loc }) as never;
const hash = (pairs: Record<string, Expression>, loc: hbs.AST.SourceLocation): hbs.AST.Hash =>
  ({
    type: 'Hash',
    loc,
    pairs: Object.entries(pairs).map(([key, value]) => ({ type: 'HashPair', key, value, loc })),
  }) as never;

function describe(node: Expression): string {
  switch (node.type) {
    case 'PathExpression':
      return (node as PathExpression).original;
    case 'StringLiteral':
      return JSON.stringify((node as hbs.AST.StringLiteral).value);
    case 'NumberLiteral':
    case 'BooleanLiteral':
      return String((node as hbs.AST.NumberLiteral).value);
    case 'SubExpression': {
      const s = node as hbs.AST.SubExpression;
      return `(${call(s.path, s.params, s.hash)})`;
    }
    default:
      return node.type.replace(/Literal$/, '').toLowerCase();
  }
}

function call(p: Expression, params: Expression[], h?: hbs.AST.Hash): string {
  return [
    describe(p),
    ...params.map(describe),
    ...(h?.pairs ?? []).map((pair) => `${pair.key}=${describe(pair.value)}`),
  ].join(' ');
}

/**
 * Checks a parsed template against what Tactful allows and rewrites it so that no value can go
 * missing silently: every output `{{x}}` becomes `{{__value x}}` (missing, null or empty → a
 * problem), every path given to a helper becomes `(__arg path)` (missing → a problem; null or
 * empty too unless the helper only tests it: if, unless, each, with, default, eq, lookup). Paths
 * under `customer.attributes.` may be absent where they are only tested, since attributes are free
 * per customer. Problems are collected, not thrown, so one render reports them all.
 *
 * The rewritten tree only ever contains nodes the parser made plus string and boolean literals
 * built here, so compiling it is as safe as compiling the source text.
 */
class Rewriter {
  readonly problems: SyntaxProblem[] = [];

  constructor(
    private readonly opts: {
      html: boolean;
      partials: ReadonlySet<string>;
      partialName?: string;
    },
  ) {}

  private problem(node: Node | undefined, message: string) {
    this.problems.push({ ...pos(node?.loc), message });
  }

  private where(loc: hbs.AST.SourceLocation): Record<string, Expression> {
    return this.opts.partialName ? { partial: str(this.opts.partialName, loc) } : {};
  }

  program(p: hbs.AST.Program | undefined): void {
    if (!p) return;
    p.body = p.body.map((s) => this.statement(s));
  }

  private statement(s: hbs.AST.Statement): hbs.AST.Statement {
    switch (s.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return s;
      case 'MustacheStatement':
        return this.mustache(s as hbs.AST.MustacheStatement);
      case 'BlockStatement':
        return this.block(s as hbs.AST.BlockStatement);
      case 'PartialStatement': {
        const ps = s as hbs.AST.PartialStatement;
        if (ps.name.type !== 'PathExpression') {
          this.problem(ps, 'dynamic partials {{> (…)}} are not supported');
        } else if (!this.opts.partials.has((ps.name as PathExpression).original)) {
          const known = [...this.opts.partials].join(', ') || 'none';
          this.problem(ps, `unknown partial "${ps.name.original}" (known: ${known})`);
        }
        ps.params = ps.params.map((e) => this.arg(e, true));
        if (ps.hash) ps.hash.pairs.forEach((pair) => (pair.value = this.arg(pair.value, true)));
        return ps;
      }
      case 'DecoratorBlock':
      case 'Decorator':
        this.problem(s, 'decorators ({{* …}}) are not supported');
        return s;
      case 'PartialBlockStatement':
        this.problem(s, 'partial blocks ({{#> …}}) are not supported; use {{> name}}');
        return s;
      default:
        this.problem(s, `${s.type} is not supported`);
        return s;
    }
  }

  private mustache(m: hbs.AST.MustacheStatement): hbs.AST.Statement {
    if (!m.escaped && this.opts.html) {
      this.problem(
        m,
        'triple braces {{{…}}} would insert text unescaped into HTML; use {{…}} (values are escaped)',
      );
    }
    const params = m.params ?? [];
    const pairs = m.hash?.pairs ?? [];
    const label = call(m.path, params, m.hash); // before the arguments are rewritten
    const isPath = m.path.type === 'PathExpression';
    const name = isPath ? (m.path as PathExpression).original : '';
    let value: Expression;
    if (isPath && (params.length || pairs.length || this.isHelper(name))) {
      // A helper call: check the helper, then wrap it as a sub-expression whose result is checked.
      this.helperName(m.path as PathExpression, m);
      const test = TEST_HELPERS.has(name);
      value = {
        type: 'SubExpression',
        path: m.path,
        params: params.map((e) => this.arg(e, test)),
        hash: m.hash && {
          ...m.hash,
          pairs: pairs.map((p) => ({ ...p, value: this.arg(p.value, test) })),
        },
        loc: m.loc,
      } as never;
    } else {
      if (isPath) this.checkPath(m.path as PathExpression);
      value = m.path;
    }
    return {
      ...m,
      path: path('__value', m.loc),
      params: [value],
      hash: hash({ name: str(label, m.loc), ...this.where(m.loc) }, m.loc),
    } as hbs.AST.MustacheStatement;
  }

  private block(b: hbs.AST.BlockStatement): hbs.AST.Statement {
    const name = b.path.type === 'PathExpression' ? b.path.original : '';
    if (!BLOCK_HELPERS.has(name)) {
      this.problem(b, `{{#${name || '…'}}} is not a block helper; use if, unless, each or with`);
    } else if ((b.params ?? []).length !== 1) {
      this.problem(b, `{{#${name}}} takes exactly one value`);
    }
    b.params = (b.params ?? []).map((e) => this.arg(e, true));
    if (b.hash) b.hash.pairs.forEach((pair) => (pair.value = this.arg(pair.value, true)));
    this.program(b.program);
    this.program(b.inverse);
    return b;
  }

  /** A value given to a helper: sub-expressions are checked inside, paths are wrapped. */
  private arg(e: Expression, test: boolean): Expression {
    if (e.type === 'SubExpression') {
      const s = e as hbs.AST.SubExpression;
      this.helperName(s.path, s);
      const innerTest = TEST_HELPERS.has(s.path.original);
      s.params = s.params.map((p) => this.arg(p, innerTest));
      if (s.hash) s.hash.pairs.forEach((pair) => (pair.value = this.arg(pair.value, innerTest)));
      return s;
    }
    if (e.type !== 'PathExpression') return e;
    const p = e as PathExpression;
    this.checkPath(p);
    return {
      type: 'SubExpression',
      path: path('__arg', p.loc),
      params: [p],
      hash: hash(
        { name: str(p.original, p.loc), test: bool(test, p.loc), ...this.where(p.loc) },
        p.loc,
      ),
      loc: p.loc,
    } as never;
  }

  private isHelper(name: string): boolean {
    return BLOCK_HELPERS.has(name) || VALUE_HELPERS.has(name) || TEST_HELPERS.has(name);
  }

  private helperName(p: PathExpression | Expression, node: Node): void {
    const name = p.type === 'PathExpression' ? (p as PathExpression).original : '';
    if (INTERNAL.includes(name) || !this.isHelper(name) || BLOCK_HELPERS.has(name)) {
      this.problem(node, `unknown helper "${name || describe(p)}"`);
    }
  }

  private checkPath(p: PathExpression): void {
    if (p.data && !ALLOWED_DATA.has(p.parts[0] ?? '')) {
      this.problem(p, `@${p.parts[0]} is not available; use @index, @key, @first, @last or @root`);
    }
    const bad = p.parts.find((part) => FORBIDDEN_SEGMENT.test(part));
    if (bad) this.problem(p, `"${bad}" cannot be used in a template`);
  }
}

/** Text checks on an HTML part: nothing that could hide the footer the layout adds after it. */
function htmlSourceProblems(source: string): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const rules: [RegExp, string][] = [
    [/<\s*script\b/i, 'scripts are not allowed in e-mail HTML'],
    [/<\s*style\b/i, 'a <style> block is not allowed; use inline style attributes'],
    [
      /<\s*\/?\s*(html|head|body)\b/i,
      'the layout provides <html>, <head> and <body>; write only the content',
    ],
    [/display\s*:\s*none|visibility\s*:\s*hidden/i, 'hidden content is not allowed'],
  ];
  for (const [re, message] of rules) {
    const m = re.exec(source);
    if (m) problems.push({ ...positionAt(source, m.index), message });
  }
  const open = source.lastIndexOf('<!--');
  if (open >= 0 && source.indexOf('-->', open) < 0) {
    problems.push({ ...positionAt(source, open), message: 'an HTML comment <!-- is not closed' });
  }
  return problems;
}

/**
 * Compiles template parts in an isolated Handlebars environment with Tactful's helpers and the
 * built-in partials. HTML parts escape every value; subject, text, SMS and call parts do not (they
 * are not HTML). Prototype access stays denied (Handlebars' default), so a template cannot reach
 * functions or run code.
 */
export class TemplateEngine {
  private readonly env = Handlebars.create();
  private readonly partialNames: ReadonlySet<string>;
  private readonly partials: Record<
    'escape' | 'plain',
    Record<string, Handlebars.TemplateDelegate>
  > = { escape: {}, plain: {} };

  constructor(partialSources: Record<string, string> = {}) {
    registerTemplateHelpers(this.env);
    this.env.unregisterHelper('log');
    this.env.unregisterHelper('helperMissing');
    this.partialNames = new Set(Object.keys(partialSources));
    for (const [name, source] of Object.entries(partialSources)) {
      for (const mode of ['escape', 'plain'] as const) {
        try {
          this.partials[mode][name] = this.compileSource(source, mode === 'escape', name);
        } catch (e) {
          if (e instanceof TemplateSyntaxError) {
            throw new Error(`partial ${name}: ${e.message}`, { cause: e });
          }
          throw e;
        }
      }
    }
  }

  /** Compiles one part; throws TemplateSyntaxError listing every problem with line and column. */
  compilePart(source: string, part: TemplatePart): CompiledPart {
    return { part, delegate: this.compileSource(source, part === 'html') };
  }

  private compileSource(source: string, html: boolean, partialName?: string) {
    const ast = parse(source);
    const rewriter = new Rewriter({ html, partials: this.partialNames, partialName });
    rewriter.program(ast);
    const problems = [...rewriter.problems, ...(html ? htmlSourceProblems(source) : [])];
    if (problems.length) {
      problems.sort((a, b) => a.line - b.line || a.column - b.column);
      throw new TemplateSyntaxError(problems);
    }
    const delegate = this.env.compile(ast, {
      noEscape: !html,
      strict: false, // our own rewrite reports every missing value at once, see Rewriter
      knownHelpers: { __value: true, __arg: true },
    });
    // Compile a copy now (compiling mutates the tree), so that a compiler error is a save-time
    // error rather than a send-time one.
    this.env.precompile(structuredClone(ast), { noEscape: !html });
    return delegate;
  }

  /** Renders a part; never throws for data problems, it returns them with the output. */
  renderPart(
    compiled: CompiledPart,
    context: object,
    opts: RenderOptions,
  ): { output: string; problems: RenderProblem[] } {
    const state: RenderState = {
      locale: opts.locale,
      timezone: opts.timezone,
      now: opts.now,
      preview: opts.preview ?? false,
      problems: [],
    };
    let output = '';
    try {
      output = compiled.delegate(context, {
        data: { tactful: state },
        partials: this.partials[compiled.part === 'html' ? 'escape' : 'plain'],
      });
    } catch (e) {
      const err = e as Error & { lineNumber?: number; column?: number };
      state.problems.push({
        variable: '',
        line: err.lineNumber ?? 1,
        column: (err.column ?? 0) + 1,
        message: err.message.replace(/ - \d+:\d+$/, ''),
      });
    }
    return { output, problems: state.problems };
  }

  /** Layouts are trusted files: compiled as they are, in strict mode. */
  compileLayout(source: string, html: boolean): Handlebars.TemplateDelegate {
    return this.env.compile(source, { noEscape: !html, strict: true });
  }
}

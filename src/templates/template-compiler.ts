import type Handlebars from 'handlebars';
import { invalid, isDomainError } from '../common/domain-error';
import {
  TemplateEngine,
  TemplateSyntaxError,
  TEMPLATE_PARTS,
  type CompiledPart,
  type TemplatePart,
} from './template-engine';
import { loadTemplateFiles, type TemplateFiles, type TemplateLocales } from './template-files';

export type CompiledLocales = Record<string, Partial<Record<TemplatePart, CompiledPart>>>;

export interface CompiledTemplate {
  name: string;
  version: number;
  locales: CompiledLocales;
}

export interface EmailLayouts {
  html: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
}

const SENTINEL = {
  body: 'SENTINEL-BODY',
  reason: 'SENTINEL-REASON',
  unsubscribe: 'https://sentinel.invalid/u',
  preferences: 'https://sentinel.invalid/p',
  company: 'SENTINEL-COMPANY',
  address: 'SENTINEL-ADDRESS',
};

/**
 * The file-based side of templates: the built-in set, partials and e-mail layouts under
 * templates/, loaded and compiled at construction so a broken built-in file stops the boot,
 * naming the file; and the compiler every stored version goes through.
 */
export class TemplateCompiler {
  readonly files: TemplateFiles;
  readonly engine: TemplateEngine;
  readonly layouts: EmailLayouts;
  private readonly builtins = new Map<string, CompiledTemplate>();

  constructor() {
    this.files = loadTemplateFiles();
    this.engine = new TemplateEngine(this.files.partials);
    this.layouts = {
      html: this.engine.compileLayout(this.files.layouts.html, true),
      text: this.engine.compileLayout(this.files.layouts.text, false),
    };
    checkLayouts(this.layouts);
    for (const [name, locales] of this.files.builtins) {
      try {
        this.builtins.set(name, { name, version: 1, locales: this.compileLocales(locales) });
      } catch (e) {
        if (isDomainError(e, 'invalid')) {
          throw new Error(
            `${this.files.root}/${name}: ${e.messages.map((m) => m.replace(/^locales\./, '')).join('; ')}`,
            { cause: e },
          );
        }
        throw e;
      }
    }
  }

  /** The compiled built-in of a name (its version 1), if there is one. */
  builtin(name: string): CompiledTemplate | undefined {
    return this.builtins.get(name);
  }

  /** The sources of the built-in of a name, if there is one. */
  builtinSources(name: string): TemplateLocales | undefined {
    return this.files.builtins.get(name);
  }

  get builtinCount(): number {
    return this.builtins.size;
  }

  /** Compiles every part; invalid, listing each syntax error as `locales.ru.html line 3, column 7: …`. */
  compileLocales(locales: TemplateLocales): CompiledLocales {
    const out: CompiledLocales = {};
    const errors: string[] = [];
    for (const [locale, parts] of Object.entries(locales)) {
      out[locale] = {};
      for (const part of TEMPLATE_PARTS) {
        const source = parts[part];
        if (source === undefined) continue;
        try {
          out[locale][part] = this.engine.compilePart(source, part);
        } catch (e) {
          if (!(e instanceof TemplateSyntaxError)) throw e;
          for (const p of e.problems) {
            errors.push(
              `locales.${locale}.${part} line ${p.line}, column ${p.column}: ${p.message}`,
            );
          }
        }
      }
    }
    if (errors.length) throw invalid(errors);
    return out;
  }
}

/** The layouts must show every footer element after the body, whatever the layout file says. */
function checkLayouts(layouts: EmailLayouts): void {
  const context = {
    lang: 'en',
    subject: 'subject',
    body: SENTINEL.body,
    footer: { reason: SENTINEL.reason, preferences: 'preferences', unsubscribe: 'unsubscribe' },
    links: { unsubscribe: SENTINEL.unsubscribe, preferences: SENTINEL.preferences },
    company: { name: SENTINEL.company, address: SENTINEL.address },
  };
  for (const [kind, layout] of Object.entries(layouts)) {
    const out = layout(context);
    const body = out.indexOf(SENTINEL.body);
    if (body < 0) throw new Error(`templates/layouts/email.${kind}.hbs must show the body`);
    for (const s of [
      SENTINEL.reason,
      SENTINEL.unsubscribe,
      SENTINEL.preferences,
      SENTINEL.company,
      SENTINEL.address,
    ]) {
      if (out.indexOf(s) <= body) {
        throw new Error(`templates/layouts/email.${kind}.hbs must show ${s} after the body`);
      }
    }
  }
}

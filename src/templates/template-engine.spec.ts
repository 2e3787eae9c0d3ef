import { TemplateEngine, TemplateSyntaxError, type TemplatePart } from './template-engine';

const engine = new TemplateEngine({
  'greeting-ru':
    '{{#if customer.name}}Здравствуйте, {{customer.name}}!{{else}}Здравствуйте!{{/if}}',
  broken: '{{customer.nmae}}',
});

const context = {
  customer: {
    name: 'Анна',
    company: null,
    timezone: 'Europe/Moscow',
    attributes: { items: 5 },
  },
  campaign: { effectiveAt: '2026-03-29T00:30:00Z' },
  items: [{ title: 'Пальто' }, { title: null }],
};

function render(
  source: string,
  opts: { part?: TemplatePart; locale?: string; timezone?: string; ctx?: object } = {},
) {
  const compiled = engine.compilePart(source, opts.part ?? 'text');
  return engine.renderPart(compiled, opts.ctx ?? context, {
    locale: opts.locale ?? 'ru',
    timezone: opts.timezone ?? 'Europe/Moscow',
    now: new Date('2026-03-20T09:00:00Z'),
  });
}
const out = (source: string, opts?: Parameters<typeof render>[1]) => {
  const r = render(source, opts);
  expect(r.problems).toEqual([]);
  return r.output;
};

describe('plural helper (Intl.PluralRules)', () => {
  const ru = (n: number) =>
    out('{{plural n one="товар" few="товара" many="товаров" other="товара"}}', { ctx: { n } });
  it.each([
    [0, '0 товаров'],
    [1, '1 товар'],
    [2, '2 товара'],
    [4, '4 товара'],
    [5, '5 товаров'],
    [11, '11 товаров'],
    [12, '12 товаров'],
    [21, '21 товар'],
    [22, '22 товара'],
    [25, '25 товаров'],
    [101, '101 товар'],
    [1.5, '1,5 товара'],
  ])('ru %d → %s', (n, expected) => expect(ru(n)).toBe(expected));

  it('English one/other, count=false for the word alone, numbers from strings', () => {
    const en = (n: unknown) =>
      out('{{plural n one="item" other="items"}}', { locale: 'en', ctx: { n } });
    expect(en(1)).toBe('1 item');
    expect(en(2)).toBe('2 items');
    expect(en(0)).toBe('0 items');
    expect(en('21')).toBe('21 items');
    expect(
      out('{{plural n one="день" few="дня" many="дней" count=false}}', { ctx: { n: 3 } }),
    ).toBe('дня');
  });

  it('reports a value that is not a number, and forms without other', () => {
    expect(render('{{plural n one="x"}}', { ctx: { n: 'many' } }).problems[0].message).toMatch(
      /plural needs a number/,
    );
    expect(render('{{plural n one="x"}}', { ctx: { n: 5 } }).problems[0].message).toMatch(/other=/);
  });
});

describe('date helpers in the customer zone and locale', () => {
  it('formats in the zone: the same instant is 29 March in Moscow and 28 March in New York', () => {
    expect(out('{{date campaign.effectiveAt}}')).toBe('29 марта 2026 г.');
    expect(
      out('{{date campaign.effectiveAt}}', { locale: 'en', timezone: 'America/New_York' }),
    ).toBe('March 28, 2026');
    expect(out('{{date campaign.effectiveAt "datetime"}}')).toMatch(/29 марта 2026 г\.[^\d]+03:30/);
    expect(out('{{date campaign.effectiveAt "short"}}', { locale: 'ru' })).toBe('29.03.2026');
    expect(out('{{date campaign.effectiveAt "time"}}', { locale: 'en', timezone: 'UTC' })).toMatch(
      /12:30\sAM/,
    );
  });

  it('counts calendar days until a date in the zone', () => {
    expect(out('{{daysUntil campaign.effectiveAt}}')).toBe('9');
    expect(
      out('через {{plural (daysUntil campaign.effectiveAt) one="день" few="дня" many="дней"}}'),
    ).toBe('через 9 дней');
  });

  it('reports a missing or invalid date and an unknown format', () => {
    expect(render('{{date campaign.nope}}').problems).toEqual([
      expect.objectContaining({
        variable: 'campaign.nope',
        message: 'campaign.nope is not defined',
      }),
    ]);
    expect(render('{{date x}}', { ctx: { x: 'soon' } }).problems[0].message).toMatch(
      /needs a date/,
    );
    expect(render('{{date campaign.effectiveAt "fancy"}}').problems[0].message).toMatch(/format/);
  });
});

describe('money and number', () => {
  it('formats currency and numbers for the locale', () => {
    expect(out('{{money 1500 "RUB"}}').replace(/\s/g, ' ')).toBe('1 500,00 ₽');
    expect(out('{{money 1500 "RUB" decimals=0}}').replace(/\s/g, ' ')).toBe('1 500 ₽');
    expect(out('{{money 12.5 "EUR"}}', { locale: 'en' })).toBe('€12.50');
    expect(out('{{number 1234567.5}}', { locale: 'en' })).toBe('1,234,567.5');
    expect(render('{{money 1 "rubles"}}').problems[0].message).toMatch(/ISO currency/);
  });
});

describe('strict rendering', () => {
  it('reports every missing or empty value with its line and column, and leaves no holes in preview', () => {
    const r = render('Hi {{customer.nmae}}\n{{customer.company}} {{nothing}}');
    expect(r.problems).toEqual([
      {
        variable: 'customer.nmae',
        message: 'customer.nmae is missing or empty',
        line: 1,
        column: 4,
      },
      {
        variable: 'customer.company',
        message: 'customer.company is missing or empty',
        line: 2,
        column: 1,
      },
      { variable: 'nothing', message: 'nothing is missing or empty', line: 2, column: 22 },
    ]);
    const compiled = engine.compilePart('Hi {{customer.nmae}}', 'text');
    const preview = engine.renderPart(compiled, context, {
      locale: 'ru',
      timezone: 'UTC',
      now: new Date(),
      preview: true,
    });
    expect(preview.output).toBe('Hi ⟦customer.nmae⟧');
  });

  it('lets optional values be tested: null with if/default, absent attributes with if', () => {
    expect(out('{{#if customer.company}}{{customer.company}}{{else}}частное лицо{{/if}}')).toBe(
      'частное лицо',
    );
    expect(out('{{default customer.company "—"}}')).toBe('—');
    expect(out('{{#if customer.attributes.city}}{{customer.attributes.city}}{{/if}}.')).toBe('.');
    expect(out('{{#if (eq customer.attributes.items 5)}}five{{/if}}')).toBe('five');
    // A typo outside attributes is reported even where it is only tested.
    expect(render('{{#if customer.compnay}}x{{/if}}').problems[0].variable).toBe(
      'customer.compnay',
    );
  });

  it('checks values inside each blocks and partials', () => {
    const r = render('{{#each items}}{{@index}}:{{title}};{{/each}}');
    expect(r.output).toBe('0:Пальто;1:;');
    expect(r.problems).toEqual([
      expect.objectContaining({ variable: 'title', line: 1, column: 27 }),
    ]);
    expect(out('{{> greeting-ru}}')).toBe('Здравствуйте, Анна!');
    expect(render('{{> broken}}').problems).toEqual([
      expect.objectContaining({ variable: 'customer.nmae', partial: 'broken', line: 1, column: 1 }),
    ]);
  });

  it('escapes values in HTML parts only', () => {
    const ctx = { customer: { name: '<script>"x" & \'y\'</script>' } };
    expect(out('<p>{{customer.name}}</p>', { part: 'html', ctx })).toBe(
      '<p>&lt;script&gt;&quot;x&quot; &amp; &#x27;y&#x27;&lt;/script&gt;</p>',
    );
    expect(out('{{customer.name}}', { part: 'text', ctx })).toBe('<script>"x" & \'y\'</script>');
    expect(out('{{customer.name}}', { part: 'sms', ctx })).toBe('<script>"x" & \'y\'</script>');
  });
});

describe('what a template may not do', () => {
  const problems = (source: string, part: TemplatePart = 'html') => {
    try {
      engine.compilePart(source, part);
    } catch (e) {
      if (e instanceof TemplateSyntaxError) return e.problems;
      throw e;
    }
    return [];
  };

  it('reports syntax errors with line and column', () => {
    expect(problems('one\ntwo {{#if x}}\nthree')).toEqual([
      { line: 3, column: 6, message: 'the template ends before a block or tag is closed' },
    ]);
    expect(problems('a\n  {{customer.name')[0]).toMatchObject({
      line: 2,
      column: expect.any(Number),
    });
    expect(problems('{{#if a}}x{{/each}}')[0].message).toBe("if doesn't match each");
  });

  it('cannot reach prototypes, internals, unknown helpers or partials', () => {
    expect(problems('{{constructor.constructor}}')[0].message).toMatch(
      /"constructor" cannot be used/,
    );
    expect(problems('{{customer.__proto__}}')[0].message).toMatch(/cannot be used/);
    expect(problems('{{@tactful.problems}}')[0].message).toMatch(/@tactful is not available/);
    expect(problems('{{__value 1}}')[0].message).toMatch(/unknown helper "__value"/);
    expect(problems('{{log "x"}}')[0].message).toMatch(/unknown helper "log"/);
    expect(problems('{{> nope}}')[0].message).toMatch(/unknown partial "nope"/);
    expect(problems('{{#customer}}x{{/customer}}')[0].message).toMatch(/not a block helper/);
    expect(problems('{{*inline}}')[0].message).toMatch(/decorators/);
  });

  it('cannot hide the footer or insert raw HTML', () => {
    expect(problems('{{{customer.name}}}')[0].message).toMatch(/triple braces/);
    expect(problems('{{{customer.name}}}', 'text')).toEqual([]);
    expect(problems('<div style="display: none">')[0].message).toMatch(/hidden/);
    expect(problems('<p>x</p><style>.f{}</style>')[0]).toMatchObject({ line: 1, column: 9 });
    expect(problems('ok\n<!-- open')[0]).toMatchObject({ line: 2, column: 1 });
    expect(problems('<!-- closed --> ok')).toEqual([]);
    expect(problems('</body>')[0].message).toMatch(/layout provides/);
  });
});

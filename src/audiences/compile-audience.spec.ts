import { compileAudience, containsPattern, InvalidAudienceError } from './compile-audience';
import type { AudienceFilter } from './audience-filter';

const now = new Date('2026-06-01T12:00:00Z');
const compile = (filter: unknown) => {
  const params: unknown[] = [];
  const sql = compileAudience(filter as AudienceFilter, { now, params });
  return { sql, params };
};

describe('compileAudience', () => {
  it('compiles everyone and nobody to constants', () => {
    expect(compile({})).toEqual({ sql: 'TRUE', params: [] });
    expect(compile({ all: [] })).toEqual({ sql: 'TRUE', params: [] });
    expect(compile({ any: [] })).toEqual({ sql: 'FALSE', params: [] });
  });

  it('puts values in placeholders and numbers them after the caller’s parameters', () => {
    const params: unknown[] = ['earlier'];
    const sql = compileAudience(
      {
        all: [
          { field: 'kind', op: 'eq', value: 'consumer' },
          { field: 'purchaseCount', op: 'in', value: [2, 3] },
        ],
      },
      { now, params },
    );
    expect(sql).toBe(
      '(COALESCE(c.kind = $2::text, FALSE) AND COALESCE(c.purchase_count = ANY($3::numeric[]), FALSE))',
    );
    expect(params).toEqual(['earlier', 'consumer', [2, 3]]);
  });

  it('makes ne and nin the complements of eq and in', () => {
    expect(compile({ field: 'company', op: 'ne', value: 'X' }).sql).toBe(
      '(NOT COALESCE(c.company = $1::text, FALSE))',
    );
    expect(compile({ field: 'locale', op: 'nin', value: ['ru'] }).sql).toBe(
      '(NOT COALESCE(c.locale = ANY($1::text[]), FALSE))',
    );
  });

  it('turns withinDays and olderThanDays into cut-offs relative to ctx.now', () => {
    expect(compile({ field: 'lastPurchaseAt', op: 'withinDays', value: 30 })).toEqual({
      sql: 'COALESCE(c.last_purchase_at >= $1::timestamptz, FALSE)',
      params: ['2026-05-02T12:00:00.000Z'],
    });
    expect(compile({ field: 'createdAt', op: 'olderThanDays', value: 1 })).toEqual({
      sql: 'COALESCE(c.created_at < $1::timestamptz, FALSE)',
      params: ['2026-05-31T12:00:00.000Z'],
    });
  });

  it('derives the lifecycle stage with the lapse thresholds of lifecycle.ts (90 / 180 days)', () => {
    const { sql, params } = compile({ field: 'lifecycleStage', op: 'eq', value: 'lapsed' });
    expect(params).toEqual(['2025-12-03T12:00:00.000Z', '2026-03-03T12:00:00.000Z', 'lapsed']);
    expect(sql).toContain("WHEN c.last_purchase_at <= $1::timestamptz THEN 'lapsed'");
    expect(sql).toContain("WHEN c.last_purchase_at <= $2::timestamptz THEN 'lapsing'");
  });

  it('passes attribute keys as a text[] parameter and values as JSON', () => {
    const { sql, params } = compile({
      field: 'attributes.address.city',
      op: 'eq',
      value: 'Казань',
    });
    expect(sql).toBe('COALESCE((c.attributes #> $1::text[]) = $2::jsonb, FALSE)');
    expect(params).toEqual([['address', 'city'], '"Казань"']);
  });

  it('escapes LIKE wildcards in contains', () => {
    expect(containsPattern("50%_off\\'")).toBe("%50\\%\\_off\\\\'%");
    const { sql, params } = compile({ field: 'company', op: 'contains', value: '100%' });
    expect(sql).toBe("COALESCE(c.company ILIKE $1::text ESCAPE '\\', FALSE)");
    expect(params).toEqual(['%100\\%%']);
  });

  it('checks consent for the topic or * on one channel or any', () => {
    const any = compile({ field: 'subscribedTo', op: 'in', value: ['tips', 'offers'] });
    expect(any.params).toEqual(['tips', 'offers']);
    expect(any.sql.match(/EXISTS \(SELECT 1 FROM consent_state s/g)).toHaveLength(2);
    const sms = compile({ field: 'subscribedTo.sms', op: 'eq', value: 'tips' });
    expect(sms.params).toEqual(['sms', 'tips']);
    expect(sms.sql).toContain('s.channel = $1::text');
  });

  it('never puts user input into the SQL text', () => {
    const evil = "x'; DROP TABLE customers; -- /* */ \u02bc";
    const filter = {
      any: [
        { field: 'company', op: 'eq', value: evil },
        { field: 'company', op: 'contains', value: evil },
        { field: 'locale', op: 'in', value: [evil] },
        { field: 'attributes.note', op: 'eq', value: evil },
        { field: 'attributes.note', op: 'gt', value: evil },
        { field: 'attributes.note', op: 'in', value: [evil] },
        { field: 'attributes.x--', op: 'exists', value: true },
      ],
    };
    const { sql, params } = compile(filter);
    expect(sql).not.toContain('DROP');
    expect(sql).not.toContain('x--');
    expect(sql).not.toContain('/*');
    expect(sql).not.toContain(';');
    expect(params).toContain(evil);
  });

  it('refuses to compile an invalid filter', () => {
    expect(() => compile({ field: 'kind; DROP TABLE customers', op: 'eq', value: 'x' })).toThrow(
      InvalidAudienceError,
    );
    try {
      compile({ all: [{ field: 'foo', op: 'eq', value: 1 }] });
    } catch (e) {
      expect((e as InvalidAudienceError).messages).toEqual([
        'audience.all[0].field: unknown field "foo"',
      ]);
    }
    expect.assertions(2);
  });
});

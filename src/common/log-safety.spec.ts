import { QueryFailedError } from 'typeorm';
import { redactPath, safeError } from './log-safety';

const TOKEN = 'k1.eyJjIjoiMDE5MGYzYTItMTIzNC03YWJjIn0.Q2hhbmdlTWVQbGVhc2VYWFhYWFhYWA';

describe('redactPath', () => {
  it('redacts the token of every token-bearing path in any letter case, and the query string', () => {
    for (const prefix of ['p', 'P', 'u', 'U', 'confirm', 'CONFIRM', 'Confirm', 'r', 'R']) {
      const out = redactPath(`/${prefix}/${TOKEN}?email=a@b.c`);
      expect(out).toBe(`/${prefix}/:token`);
    }
    expect(redactPath(`/p/${TOKEN}/extra`)).toBe('/p/:token/extra');
    expect(redactPath(`//P//${TOKEN}`)).not.toContain(TOKEN.slice(3, 20));
  });

  it('redacts token-shaped and long opaque segments on any other path (webhooks, routes added later)', () => {
    expect(redactPath(`/webhooks/anything/${TOKEN}`)).toBe('/webhooks/anything/:token');
    expect(redactPath('/x/abcdefghijklmnopqrstuvwxyz0123456789')).toBe('/x/:token');
    expect(redactPath(`/V1/x/${encodeURIComponent(TOKEN)}`)).toBe('/V1/x/:token');
  });

  it('keeps ids and plain paths, masks addresses in paths', () => {
    const id = '0190f3a2-1234-7abc-8def-123456789012';
    expect(redactPath(`/v1/customers/${id}/timeline`)).toBe(`/v1/customers/${id}/timeline`);
    expect(redactPath('/console/customers')).toBe('/console/customers');
    expect(redactPath('/v1/x/zina@example.org/+79165554477')).toBe('/v1/x/[email]/[phone]');
    expect(redactPath(undefined)).toBe('');
  });
});

describe('safeError', () => {
  it('reduces a TypeORM error to class, SQLSTATE and names: no query, parameters, message or detail', () => {
    const driver = Object.assign(
      new Error('new row for relation "customers" violates check constraint "ck_x"'),
      {
        code: '23514',
        constraint: 'ck_x',
        table: 'customers',
        detail: 'Failing row contains (Zinaida Privatova, zina@example.org, +79165554477).',
      },
    );
    const err = new QueryFailedError(
      'INSERT INTO customers (name, email) VALUES ($1, $2)',
      ['Zinaida Privatova', 'zina@example.org'],
      driver,
    );
    const out = safeError(err);
    expect(out).toMatchObject({
      type: 'QueryFailedError',
      message: 'database error 23514',
      code: '23514',
      constraint: 'ck_x',
      table: 'customers',
    });
    const text = JSON.stringify(out);
    for (const secret of ['Zinaida', 'zina@', '9165554477', 'INSERT', 'Failing row'])
      expect(text).not.toContain(secret);
  });

  it('masks personal values, tokens and quoted literals in other messages', () => {
    const out = safeError(
      new TypeError(`cannot send to zina@example.org at +7 916 555-44-77 with "Zinaida" ${TOKEN}`),
    );
    expect(out.type).toBe('TypeError');
    expect(out.message).toBe('cannot send to [email] at [phone] with "…" [token]');
    expect(out.stack).toMatch(/^\s+at /);
  });

  it('is idempotent (pino applies it again to an already safe object) and handles non-errors', () => {
    const once = safeError(new Error('to a@b.c'));
    expect(safeError(once)).toEqual(once);
    expect(safeError('a@b.c failed')).toEqual({ type: 'string', message: '[email] failed' });
    expect(safeError(null)).toEqual({ type: 'object', message: 'null' });
  });

  it('never passes a forged class name or code through', () => {
    const weird = Object.assign(new Error('x'), { code: 'zina@example.org' });
    expect(JSON.stringify(safeError(weird))).not.toContain('zina');
  });
});

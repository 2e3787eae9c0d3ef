import 'reflect-metadata';
import fc from 'fast-check';
import {
  getMetadataStorage,
  IsInt,
  IsISO8601,
  IsOptional,
  isEmail,
  isISO8601,
  ValidateNested,
} from 'class-validator';
import {
  compileValidator,
  isPlainIsoInstant,
  PLAIN_EMAIL,
  PLAIN_ISO_INSTANT,
} from './compiled-validator';
import { dtoMessages, isValidUpsert, parseCustomerInput } from './customer-input';

// The compiled rules decide alone that a row is valid; class-validator is only asked about rows
// they refuse. So they must never accept a row class-validator refuses, and should accept the
// rows it accepts (else they are only slower): the one known exception is a nested property
// given as an array, which class-validator validates element-wise and the compiled rules leave to it.
const agrees = (raw: Record<string, unknown>) => {
  const valid = dtoMessages(raw).length === 0;
  const expected = valid && !Array.isArray(raw.accountManager);
  expect({ raw, fast: isValidUpsert(raw) }).toEqual({ raw, fast: expected });
};

const consumer = { externalId: 'crm-1', kind: 'consumer' };
const business = { externalId: 'crm-2', kind: 'business', company: 'ООО Ромашка' };

describe('compiled customer rules', () => {
  it.each<[string, Record<string, unknown>]>([
    ['minimal consumer', consumer],
    ['minimal business', business],
    [
      'full business',
      {
        ...business,
        name: 'Анна Петрова',
        email: 'anna@example.ru',
        phone: '+79161234567',
        timezone: 'Europe/Moscow',
        locale: 'ru',
        accountManager: { name: 'Игорь', phone: '+79161234568' },
        attributes: { city: 'Казань' },
      },
    ],
    ['nulls in optional fields', { ...consumer, name: null, email: null, timezone: null }],
    ['business without company', { externalId: 'x', kind: 'business' }],
    ['consumer with a null company', { ...consumer, company: null }],
    ['consumer with an empty company', { ...consumer, company: '' }],
    ['unknown field', { ...consumer, nickname: 'x' }],
    ['unknown nested field', { ...consumer, accountManager: { name: 'a', phone: '123', x: 1 } }],
    ['nested not an object', { ...consumer, accountManager: 'Igor' }],
    ['nested array', { ...consumer, accountManager: [{ name: 'a', phone: '123' }] }],
    ['nested empty array', { ...consumer, accountManager: [] }],
    ['nested missing phone', { ...consumer, accountManager: { name: 'a' } }],
    ['erased: prefix', { ...consumer, externalId: 'erased:5' }],
    ['empty externalId', { ...consumer, externalId: '' }],
    ['externalId of one variation selector', { ...consumer, externalId: '\uFE0F' }],
    ['externalId of 200 emoji', { ...consumer, externalId: '😀'.repeat(200) }],
    ['externalId of 201 letters', { ...consumer, externalId: 'a'.repeat(201) }],
    ['externalId a number', { ...consumer, externalId: 5 }],
    ['kind unknown', { ...consumer, kind: 'person' }],
    ['bad e-mail', { ...consumer, email: 'anna@' }],
    ['e-mail with a display name', { ...consumer, email: 'Anna <anna@example.ru>' }],
    ['offset time zone', { ...consumer, timezone: '+03:00' }],
    ['unknown time zone', { ...consumer, timezone: 'Mars/Olympus' }],
    ['bad locale', { ...consumer, locale: 'russian' }],
    ['attributes an array', { ...consumer, attributes: [1] }],
    ['attributes a string', { ...consumer, attributes: 'x' }],
    ['short phone', { ...consumer, phone: '12' }],
    ['phone a number', { ...consumer, phone: 79161234567 }],
  ])('%s: same verdict as class-validator', (_name, raw) => agrees(raw));

  it('agrees with class-validator on random rows', () => {
    const text = (valid: fc.Arbitrary<string>) =>
      fc.oneof(valid, fc.string({ maxLength: 5 }), fc.constant(''), fc.constant(null));
    const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const row = fc.record(
      {
        externalId: fc.oneof(
          fc.string({ minLength: 1, maxLength: 30 }),
          fc.constant('erased:1'),
          fc.string({ unit: 'grapheme', minLength: 195, maxLength: 205 }),
          fc.integer(),
        ),
        kind: fc.constantFrom('consumer', 'business', 'other', null),
        name: optional(text(fc.string({ maxLength: 20 }))),
        email: optional(text(fc.emailAddress())),
        phone: optional(text(fc.constantFrom('+79161234567', '8 916 123-45-67', '1'))),
        timezone: optional(text(fc.constantFrom('Europe/Moscow', 'UTC', 'Etc/GMT+3', 'Moscow'))),
        locale: optional(text(fc.constantFrom('ru', 'en-US', 'zh-Hant', 'EN'))),
        company: optional(text(fc.string({ maxLength: 20 }))),
        accountManager: optional(
          fc.oneof(
            fc.record(
              {
                name: text(fc.string({ maxLength: 10 })),
                phone: text(fc.constant('+79161112233')),
              },
              { requiredKeys: [] },
            ),
            fc.constant('Igor'),
            fc.constant([]),
          ),
        ),
        attributes: optional(fc.oneof(fc.object(), fc.array(fc.integer()), fc.string())),
        extra: optional(fc.string()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(row, (raw) => {
        // fc.record leaves out undefined keys only when asked; JSON never has them.
        const clean = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
        agrees(clean);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same normalised row and the same errors as before on both paths', () => {
    const raw = { ...business, email: 'Anna@Example.RU', phone: '8 (916) 123-45-67' };
    expect(isValidUpsert(raw)).toBe(true);
    expect(parseCustomerInput(raw, 'RU')).toEqual({
      ok: true,
      row: expect.objectContaining({ email: 'anna@example.ru', phone: '+79161234567' }),
    });
    const bad = { ...consumer, phone: '+7000', email: 'x' };
    expect(parseCustomerInput(bad, 'RU')).toEqual({
      ok: false,
      errors: [{ field: 'email', message: 'email must be an email' }],
    });
    expect(parseCustomerInput({ ...consumer, phone: '+7000' }, 'RU')).toEqual({
      ok: false,
      errors: [{ field: 'phone', message: 'phone must be a valid phone number' }],
    });
  });

  it('takes the e-mail shortcut only for addresses validator.js accepts', () => {
    fc.assert(
      fc.property(fc.stringMatching(PLAIN_EMAIL), (email) => {
        const shortcut = email.length <= 254 && email.indexOf('@') <= 64;
        if (shortcut) expect({ email, valid: isEmail(email, {}) }).toEqual({ email, valid: true });
      }),
      { numRuns: 5000 },
    );
    // Addresses off the shortcut are still judged by validator.js.
    for (const email of ['"quoted"@example.ru', 'anna@xn--80ak6aa92e.xn--p1ai', 'анна@пример.рф']) {
      agrees({ ...consumer, email });
    }
    agrees({ ...consumer, email: `${'a'.repeat(65)}@example.ru` });
    agrees({ ...consumer, email: 'a@b.c' });
  });

  it('refuses to compile rules it does not model', () => {
    class Inner {
      @IsInt() n!: number;
    }
    class Outer {
      @IsOptional() @ValidateNested() inner?: Inner;
    }
    expect(() => compileValidator(Outer)).toThrow(/nested class/);
    expect(compileValidator(Outer, { inner: Inner })({ inner: { n: 1 } })).toBe(true);
    expect(compileValidator(Outer, { inner: Inner })({ inner: { n: 'x' } })).toBe(false);
    class Each {
      @IsInt({ each: true }) ns!: number[];
    }
    expect(() => compileValidator(Each)).toThrow(/each/);
  });
});

describe('the ISO 8601 shortcut', () => {
  class Timed {
    @IsISO8601({ strict: true }) at!: string;
  }
  const isValidTimed = compileValidator(Timed);

  it('takes it only for times validator.js accepts (strict: the day exists)', () => {
    fc.assert(
      fc.property(fc.stringMatching(PLAIN_ISO_INSTANT), (at) => {
        if (isPlainIsoInstant(at))
          expect({ at, valid: isISO8601(at, { strict: true }) }).toEqual({ at, valid: true });
        // Whatever the shortcut says, the compiled rule gives validator.js's verdict.
        expect({ at, fast: isValidTimed({ at }) }).toEqual({
          at,
          fast: isISO8601(at, { strict: true }),
        });
      }),
      { numRuns: 20000 },
    );
    for (const at of ['2024-02-29T00:00:00Z', '2000-02-29T23:59:59.999999+03:00'])
      expect(isPlainIsoInstant(at)).toBe(true);
    for (const at of ['2026-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-04-31T00:00:00Z'])
      expect([at, isPlainIsoInstant(at), isValidTimed({ at })]).toEqual([at, false, false]);
  });

  it('spares validator.js for the usual form, not for the others', () => {
    // The constraint class-validator would run, watched before the rules are compiled.
    class Watched {
      @IsISO8601({ strict: true }) at!: string;
    }
    const storage = getMetadataStorage();
    const [rule] = storage.getTargetValidationMetadatas(Watched, '', false, false, undefined);
    const [constraint] = storage.getTargetValidatorConstraints(rule.constraintCls);
    const spy = jest.spyOn(constraint.instance as { validate: () => boolean }, 'validate');
    const isValidWatched = compileValidator(Watched);
    try {
      for (let i = 0; i < 100; i++)
        expect(
          isValidWatched({ at: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString() }),
        ).toBe(true);
      expect(spy).not.toHaveBeenCalled();
      // Other forms ISO 8601 allows (ordinal date, week date, offset without colon) still go to it.
      for (const at of ['2026-032T10:00:00Z', '2026-W05-1', '2026-01-01T10:00:00+0300'])
        expect(isValidWatched({ at })).toBe(isISO8601(at, { strict: true }));
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      spy.mockRestore();
    }
  });
});

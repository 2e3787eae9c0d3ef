import fc from 'fast-check';
import { CustomerColumns, textArrayLiteral } from './customer-columns';

// node-postgres's own serialisation of parameters (untyped internal module).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (v: unknown) => unknown };

describe('textArrayLiteral', () => {
  it('builds the same literal node-postgres builds from the array', () => {
    const element = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom('"', '\\', ',', '{', '}', ' ', 'a', 'я', 'NULL') }),
      fc.constant(null),
    );
    fc.assert(
      fc.property(fc.array(element, { maxLength: 20 }), (values) => {
        expect(textArrayLiteral(values)).toBe(prepareValue(values));
      }),
      { numRuns: 3000 },
    );
  });

  it('lays rows out in the upsert column order, attributes as JSON', () => {
    const columns = CustomerColumns.of([
      {
        externalId: 'crm-1',
        kind: 'business',
        name: 'Анна "Ромашка"',
        email: 'anna@example.ru',
        phone: '+79161234567',
        timezone: 'Europe/Moscow',
        locale: 'ru',
        company: 'ООО Ромашка',
        accountManagerName: 'Игорь',
        accountManagerPhone: '+79161234568',
        accountManagerEmail: 'igor@shop.example',
        attributes: { city: 'Казань' },
      },
      {
        externalId: 'crm-2',
        kind: 'consumer',
        name: null,
        email: null,
        phone: null,
        timezone: null,
        locale: null,
        company: null,
        accountManagerName: null,
        accountManagerPhone: null,
        accountManagerEmail: null,
        attributes: null,
      },
    ]);
    expect(columns.length).toBe(2);
    expect(columns.params()).toEqual([
      '{"crm-1","crm-2"}',
      '{"business","consumer"}',
      '{"Анна \\"Ромашка\\"",NULL}',
      '{"anna@example.ru",NULL}',
      '{"+79161234567",NULL}',
      '{"Europe/Moscow",NULL}',
      '{"ru",NULL}',
      '{"ООО Ромашка",NULL}',
      '{"Игорь",NULL}',
      '{"+79161234568",NULL}',
      '{"{\\"city\\":\\"Казань\\"}",NULL}',
      '{"igor@shop.example",NULL}',
    ]);
  });
});

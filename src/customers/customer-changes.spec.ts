import { changedFields, valuesOfRow } from './customer-changes';
import type { CustomerRow } from './customer-input';

const row: CustomerRow = {
  externalId: 'crm-1',
  kind: 'consumer',
  name: 'Анна',
  email: 'anna@example.ru',
  phone: '+79161234567',
  timezone: null,
  locale: null,
  company: null,
  accountManagerName: null,
  accountManagerPhone: null,
  accountManagerEmail: null,
  attributes: { city: 'Казань', tags: ['a', 'b'] },
};

describe('changedFields', () => {
  it('names the given fields of a new customer (defaults count as given)', () => {
    expect(changedFields(null, valuesOfRow(row))).toEqual([
      'externalId',
      'kind',
      'name',
      'email',
      'phone',
      'timezone',
      'locale',
      'attributes',
    ]);
  });

  it('finds no change when only the key order of attributes differs', () => {
    const before = valuesOfRow(row);
    const after = valuesOfRow({ ...row, attributes: { tags: ['a', 'b'], city: 'Казань' } });
    expect(changedFields(before, after)).toEqual([]);
  });

  it('names each changed field, nested account manager fields by their API path', () => {
    const before = valuesOfRow(row);
    const after = valuesOfRow({
      ...row,
      email: null,
      accountManagerPhone: '+79990000000',
      attributes: { city: 'Казань', tags: ['b', 'a'] },
      timezone: 'UTC',
    });
    expect(changedFields(before, after)).toEqual(['email', 'accountManager.phone', 'attributes']);
  });
});

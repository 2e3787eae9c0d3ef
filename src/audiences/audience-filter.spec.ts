import { AUDIENCE_LIMITS, fieldSpec, validateAudience } from './audience-filter';

const cond = (field: string, op: string, value: unknown) => ({ field, op, value });

describe('validateAudience', () => {
  it('accepts everyone ({} and all: []) and a nested filter over every kind of field', () => {
    expect(validateAudience({})).toEqual([]);
    expect(validateAudience({ all: [] })).toEqual([]);
    expect(validateAudience({ any: [] })).toEqual([]);
    expect(
      validateAudience({
        all: [
          cond('kind', 'eq', 'consumer'),
          cond('lifecycleStage', 'in', ['new', 'active']),
          cond('locale', 'nin', ['de']),
          cond('company', 'contains', 'Ромаш'),
          cond('email', 'exists', true),
          cond('hasPhone', 'eq', false),
          cond('createdAt', 'gte', '2026-01-01'),
          cond('lastPurchaseAt', 'withinDays', 30),
          cond('firstPurchaseAt', 'lt', '2026-01-01T10:00:00+03:00'),
          cond('purchaseCount', 'gt', 1),
          cond('satisfaction', 'in', [4, 5]),
          cond('subscribedTo', 'eq', 'tips'),
          cond('subscribedTo.sms', 'nin', ['offers']),
          cond('attributes.city', 'eq', 'Казань'),
          cond('attributes.address.zip', 'in', ['420000', '420001']),
          cond('attributes.score', 'gte', 3.5),
          {
            any: [{ not: cond('externalId', 'eq', 'crm-1') }, cond('attributes.vip', 'eq', true)],
          },
        ],
      }),
    ).toEqual([]);
  });

  it('names an unknown field and an unknown operator with their paths', () => {
    expect(
      validateAudience({ all: [cond('kind', 'eq', 'consumer'), cond('foo', 'eq', 1)] }),
    ).toEqual(['audience.all[1].field: unknown field "foo"']);
    expect(validateAudience({ any: [cond('kind', 'like', 'consumer')] })).toEqual([
      'audience.any[0].op: unknown operator "like"',
    ]);
  });

  it('refuses an operator the field does not support, naming the allowed ones', () => {
    expect(validateAudience(cond('kind', 'gt', 'consumer'))).toEqual([
      'audience.op: operator "gt" is not allowed for field "kind" (allowed: eq, ne, in, nin)',
    ]);
    expect(validateAudience(cond('email', 'eq', 'a@b.c'))[0]).toMatch(
      /^audience\.op: operator "eq" is not allowed for field "email"/,
    );
  });

  it.each([
    [cond('kind', 'eq', 'robot'), 'audience.value: must be one of consumer, business'],
    [
      cond('lifecycleStage', 'in', ['new', 'gone']),
      'audience.value: [1] must be one of prospect, new, active, lapsing, lapsed',
    ],
    [cond('lifecycleStage', 'in', []), 'audience.value: must be a non-empty array'],
    [cond('locale', 'in', 'ru'), 'audience.value: must be a non-empty array'],
    [cond('purchaseCount', 'gt', '1'), 'audience.value: must be a number'],
    [cond('purchaseCount', 'eq', Number.NaN), 'audience.value: must be a number'],
    [
      cond('createdAt', 'gt', 'yesterday'),
      expect.stringMatching(/^audience\.value: must be an ISO 8601 date/),
    ],
    [cond('createdAt', 'gt', '2026-02-30x'), expect.stringMatching(/ISO 8601/)],
    [cond('lastPurchaseAt', 'withinDays', -1), expect.stringMatching(/whole number of days/)],
    [cond('lastPurchaseAt', 'withinDays', 1.5), expect.stringMatching(/whole number of days/)],
    [cond('email', 'exists', 'yes'), 'audience.value: must be true or false'],
    [cond('hasEmail', 'eq', 1), 'audience.value: must be true or false'],
    [
      cond('subscribedTo', 'eq', "tips'; DROP TABLE customers; --"),
      'audience.value: must be a topic key such as tips',
    ],
    [cond('company', 'contains', ''), 'audience.value: must not be empty'],
    [
      cond('attributes.city', 'eq', { $ne: 1 }),
      'audience.value: must be a string, number or boolean',
    ],
    [
      cond('attributes.city', 'in', ['a', 1]),
      'audience.value: must hold values of one type (all strings, numbers or booleans)',
    ],
    [cond('attributes.n', 'gt', true), 'audience.value: must be a number or a string'],
    [cond('locale', 'eq', 'x'.repeat(501)), 'audience.value: must be at most 500 characters'],
    [{ field: 'kind', op: 'eq' }, 'audience.value: is required'],
  ])('checks the value type: %j', (filter, message) => {
    expect(validateAudience(filter)).toEqual([message]);
  });

  it('bounds the size of in lists', () => {
    const big = Array.from({ length: AUDIENCE_LIMITS.maxListItems + 1 }, (_, i) => `l${i}`);
    expect(validateAudience(cond('locale', 'in', big))).toEqual([
      `audience.value: must have at most ${AUDIENCE_LIMITS.maxListItems} items`,
    ]);
  });

  it('refuses nesting deeper than the limit and more conditions than the limit', () => {
    let deep: object = cond('kind', 'eq', 'consumer');
    for (let i = 0; i < AUDIENCE_LIMITS.maxDepth; i++) deep = { not: deep };
    expect(validateAudience(deep)).toEqual([]);
    expect(validateAudience({ all: [deep] })).toEqual([
      `audience.all[0]${'.not'.repeat(AUDIENCE_LIMITS.maxDepth - 1)}: nested deeper than ${AUDIENCE_LIMITS.maxDepth} levels`,
    ]);
    const many = { any: Array.from({ length: 250 }, () => cond('kind', 'eq', 'consumer')) };
    expect(validateAudience(many)).toEqual([
      `audience: more than ${AUDIENCE_LIMITS.maxConditions} conditions`,
    ]);
  });

  it('refuses malformed nodes', () => {
    expect(validateAudience(null)).toEqual([
      'audience: must be an object (all, any, not or a condition { field, op, value })',
    ]);
    expect(validateAudience({ all: {} })).toEqual(['audience.all: must be an array of conditions']);
    expect(validateAudience({ all: [], any: [] })).toEqual([
      'audience: "all" cannot be combined with "any"',
    ]);
    expect(validateAudience({ all: [[]] })).toEqual([
      'audience.all[0]: must be an object (all, any, not or a condition { field, op, value })',
    ]);
    expect(validateAudience({ field: 'kind', op: 'eq', value: 'consumer', or: 1 })).toEqual([
      'audience: unknown key "or" (expected all, any, not or field, op, value)',
    ]);
    expect(validateAudience({ field: 1, op: null, value: 1 })).toEqual([
      'audience.field: must be a string',
      'audience.op: must be a string',
    ]);
  });

  it('does not treat object prototype names or look-alikes as fields', () => {
    for (const field of [
      '__proto__',
      'constructor',
      'toString',
      'kіnd' /* Cyrillic і */,
      'Kind',
      'kind ',
    ])
      expect(validateAudience(cond(field, 'eq', 'consumer'))).toEqual([
        `audience.field: unknown field ${JSON.stringify(field)}`,
      ]);
    expect(validateAudience(cond('kind', 'eq', 'cоnsumer' /* Cyrillic о */))).toEqual([
      'audience.value: must be one of consumer, business',
    ]);
  });

  it('shortens long input in messages', () => {
    const [message] = validateAudience(cond('x'.repeat(1000), 'eq', 1));
    expect(message.length).toBeLessThan(120);
  });
});

describe('fieldSpec for attributes', () => {
  it('splits nested keys on dots and accepts letters of any script', () => {
    expect(fieldSpec('attributes.address.city')).toEqual({
      kind: 'attribute',
      path: ['address', 'city'],
    });
    expect(fieldSpec('attributes.город')).toEqual({ kind: 'attribute', path: ['город'] });
  });

  it.each([
    'attributes.',
    'attributes..x',
    "attributes.x'",
    'attributes.x;drop',
    'attributes.a b',
    'attributes.a/*b*/',
    'attributes.{a,b}',
    'attributes.a.b.c.d.e.f',
    `attributes.${'k'.repeat(65)}`,
  ])('refuses the key %s', (field) => {
    expect(fieldSpec(field)).toBeNull();
  });
});

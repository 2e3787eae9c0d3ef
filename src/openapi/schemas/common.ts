import type { OpenAPIObject } from '@nestjs/swagger';

type AnySchema = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];
/** An inline OpenAPI schema (not a $ref). */
export type SchemaObject = Exclude<AnySchema, { $ref: string }>;
/** A schema or a reference to a named component. */
export type Schema = AnySchema;

/** A reference to a named component schema of COMPONENT_SCHEMAS. */
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

export const str: SchemaObject = { type: 'string' };
export const int: SchemaObject = { type: 'integer' };
export const num: SchemaObject = { type: 'number' };
export const bool: SchemaObject = { type: 'boolean' };
export const uuid: SchemaObject = { type: 'string', format: 'uuid' };
export const dateTime: SchemaObject = { type: 'string', format: 'date-time' };
/** A bigint id from a sequence, as a decimal string. */
export const serialId: SchemaObject = { type: 'string', pattern: '^\\d+$' };
export const anyObject: SchemaObject = { type: 'object', additionalProperties: true };
export const counts: SchemaObject = { type: 'object', additionalProperties: int };
export const strings: SchemaObject = { type: 'array', items: str };

export const nullable = (s: SchemaObject): SchemaObject => ({ ...s, nullable: true });
export const enumOf = (values: readonly string[]): SchemaObject => ({
  type: 'string',
  enum: [...values],
});
export const arrayOf = (items: Schema): SchemaObject => ({ type: 'array', items });

/**
 * A closed object: every property listed, those in `optional` may be absent, no others appear.
 * `open` leaves it open to more properties (documents owned by another module, free data).
 */
export const object = (
  properties: Record<string, Schema>,
  opts: { optional?: string[]; open?: boolean; description?: string } = {},
): SchemaObject => ({
  type: 'object',
  ...(opts.description ? { description: opts.description } : {}),
  required: Object.keys(properties).filter((k) => !opts.optional?.includes(k)),
  properties,
  additionalProperties: opts.open === true,
});

/** A `{ items, nextCursor }` page; nextCursor is null on the last page. */
export const page = (items: Schema): SchemaObject =>
  object({ items: arrayOf(items), nextCursor: nullable(str) });

/** A named object schema or null (OpenAPI 3.0: `type` beside `nullable`, the ref in allOf). */
export const nullableRef = (name: string): SchemaObject => ({
  type: 'object',
  nullable: true,
  allOf: [ref(name)],
});

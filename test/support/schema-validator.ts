/**
 * A small, strict validator for the OpenAPI 3.0 schema subset the document uses: type, required,
 * properties, additionalProperties (false or a schema), items, enum, nullable, oneOf/anyOf/allOf,
 * format date-time and uuid, and local `#/components/schemas/...` references. It returns every
 * mismatch with its JSON path, so a failing contract test says where the document lies.
 */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  nullable?: boolean;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
}

export interface OpenApiLike {
  components?: { schemas?: Record<string, Schema> };
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function validateSchema(
  doc: OpenApiLike,
  schema: Schema,
  value: unknown,
  path = '$',
): string[] {
  const s = resolve(doc, schema);
  if (value === null) {
    return s.nullable || s.enum?.includes(null) ? [] : [`${path}: null but not nullable`];
  }
  if (s.allOf) return s.allOf.flatMap((part) => validateSchema(doc, part, value, path));
  if (s.oneOf || s.anyOf) {
    const options = (s.oneOf ?? s.anyOf) as Schema[];
    const passing = options.filter((o) => validateSchema(doc, o, value, path).length === 0);
    if (s.oneOf && passing.length !== 1)
      return [`${path}: matches ${passing.length} of oneOf's ${options.length} schemas`];
    if (passing.length === 0) return [`${path}: matches none of anyOf`];
    return [];
  }
  const errors: string[] = [];
  if (s.enum && !s.enum.includes(value))
    errors.push(`${path}: ${JSON.stringify(value)} not in enum ${JSON.stringify(s.enum)}`);
  switch (s.type) {
    case undefined:
      break;
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: not an object`];
      const obj = value as Record<string, unknown>;
      for (const key of s.required ?? [])
        if (!(key in obj)) errors.push(`${path}: missing required ${key}`);
      for (const [key, v] of Object.entries(obj)) {
        const prop = s.properties?.[key];
        if (prop) errors.push(...validateSchema(doc, prop, v, `${path}.${key}`));
        else if (s.additionalProperties === false)
          errors.push(`${path}: undeclared property ${key}`);
        else if (typeof s.additionalProperties === 'object')
          errors.push(...validateSchema(doc, s.additionalProperties, v, `${path}.${key}`));
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${path}: not an array`];
      if (s.items)
        value.forEach((v, i) =>
          errors.push(...validateSchema(doc, s.items as Schema, v, `${path}[${i}]`)),
        );
      break;
    case 'string':
      if (typeof value !== 'string') return [`${path}: not a string (${JSON.stringify(value)})`];
      if (s.format === 'date-time' && !DATE_TIME.test(value))
        errors.push(`${path}: ${value} is not a date-time`);
      if (s.format === 'uuid' && !UUID.test(value)) errors.push(`${path}: ${value} is not a uuid`);
      break;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || Number.isNaN(value))
        return [`${path}: not a number (${JSON.stringify(value)})`];
      if (s.type === 'integer' && !Number.isInteger(value))
        errors.push(`${path}: ${value} is not an integer`);
      if (s.minimum !== undefined && value < s.minimum) errors.push(`${path}: below ${s.minimum}`);
      if (s.maximum !== undefined && value > s.maximum) errors.push(`${path}: above ${s.maximum}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return [`${path}: not a boolean`];
      break;
    default:
      errors.push(`${path}: the validator does not know type ${s.type}`);
  }
  return errors;
}

function resolve(doc: OpenApiLike, schema: Schema): Schema {
  let s = schema;
  for (let hops = 0; s.$ref; hops++) {
    const name = /^#\/components\/schemas\/(.+)$/.exec(s.$ref)?.[1];
    const target = name ? doc.components?.schemas?.[name] : undefined;
    if (!target || hops > 20) throw new Error(`cannot resolve ${s.$ref}`);
    s = target;
  }
  return s;
}

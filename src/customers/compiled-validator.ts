import {
  getMetadataStorage,
  IS_ISO8601,
  ValidationTypes,
  type MetadataStorage,
  type ValidationArguments,
} from 'class-validator';

// Not exported from the package root.
type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];

/** True when the plain object passes every rule; false when it might not (then ask class-validator). */
export type CompiledValidator = (value: Record<string, unknown>) => boolean;

type Check = (object: Record<string, unknown>, value: unknown) => boolean;

interface PropertyPlan {
  name: string;
  /** IsOptional / ValidateIf: the property is validated only when all of them hold. */
  conditions: ((object: Record<string, unknown>, value: unknown) => boolean)[];
  checks: Check[];
}

/**
 * Compiles the class-validator decorators of a DTO class into one predicate over a plain object,
 * with the semantics of `validateSync(instance, { whitelist: true, forbidNonWhitelisted: true })`:
 * the same metadata and the same constraint functions, without the per-call metadata lookups and
 * ValidationError objects that make class-validator cost ~14 µs a row. It answers only "valid or
 * not"; the messages of an invalid object still come from class-validator, so they cannot differ.
 *
 * `nested` names the class of each @ValidateNested property (the import builds those instances
 * by hand too). Decorator features this compiler does not model (`each`, IsDefined, promises)
 * make it throw, so a new kind of rule cannot be silently skipped.
 */
export function compileValidator(
  target: new () => object,
  nested: Record<string, new () => object> = {},
): CompiledValidator {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(target, '', false, false, undefined);
  if (metadatas.length === 0) throw new Error(`${target.name}: no validation metadata`);
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const m of metadatas) {
    const list = byProperty.get(m.propertyName) ?? [];
    list.push(m);
    byProperty.set(m.propertyName, list);
  }
  const allowed = new Set(byProperty.keys());
  const plans: PropertyPlan[] = [];
  for (const [name, list] of byProperty) {
    const plan: PropertyPlan = { name, conditions: [], checks: [] };
    for (const m of list) {
      if (m.each) throw new Error(`${target.name}.${name}: 'each' is not supported`);
      switch (m.type) {
        case ValidationTypes.WHITELIST:
          break; // only makes the property allowed
        case ValidationTypes.CONDITIONAL_VALIDATION:
          plan.conditions.push(m.constraints[0] as PropertyPlan['conditions'][number]);
          break;
        case ValidationTypes.CUSTOM_VALIDATION:
          plan.checks.push(...customChecks(storage, target.name, m));
          break;
        case ValidationTypes.NESTED_VALIDATION: {
          const cls = nested[name];
          if (!cls) throw new Error(`${target.name}.${name}: pass the nested class`);
          const inner = compileValidator(cls);
          // Arrays, Sets and Maps are validated element-wise by class-validator: leave them to it.
          plan.checks.push((_o, value) => isPlainObject(value) && inner(value));
          break;
        }
        default:
          throw new Error(`${target.name}.${name}: validation type ${m.type} is not supported`);
      }
    }
    plans.push(plan);
  }

  return (object) => {
    // forbidNonWhitelisted: any property without a decorator is an error.
    for (const key in object) {
      if (!allowed.has(key) && Object.prototype.hasOwnProperty.call(object, key)) return false;
    }
    for (const plan of plans) {
      const value = object[plan.name];
      let applies = true;
      for (const condition of plan.conditions) applies = condition(object, value) && applies;
      if (!applies) continue;
      for (const check of plan.checks) if (!check(object, value)) return false;
    }
    return true;
  };
}

/**
 * Cheap sufficient conditions for expensive constraints, by constraint name: when one holds the
 * value is valid, when it does not the constraint itself decides. validator.js's isEmail costs
 * ~5 µs (option merging, byte-length via encodeURI, FQDN checks); a plain address such as
 * `anna.petrova+crm@mail.example.ru` is accepted by it for certain, which the spec checks on
 * generated addresses.
 */
// Local part: dot-separated atoms of letters, digits, _ % + -; domain: LDH labels not starting
// or ending with a hyphen, then an alphabetic TLD. Lengths within isEmail's limits are checked apart.
export const PLAIN_EMAIL =
  /^[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

const SHORTCUTS: Record<string, (value: unknown, constraints: unknown[]) => boolean> = {
  isEmail: (value, constraints) => {
    if (typeof value !== 'string' || value.length > 254) return false;
    // Only with validator.js's default options, which the shortcut's proof assumes.
    const options = constraints[0] as object | undefined;
    if (options !== undefined && Object.keys(options).length > 0) return false;
    const at = value.indexOf('@');
    return at > 0 && at <= 64 && PLAIN_EMAIL.test(value);
  },
  // Sufficient whatever the options (strict, strictSeparator): the form has a T and a real day.
  [IS_ISO8601]: (value) => isPlainIsoInstant(value),
};

/**
 * The usual form of a time (what JSON serialisers send): date, `T`, time with seconds, optional
 * fraction, `Z` or `±HH:MM`, years 1000 to 9999 (validator.js refuses years below 100 by a quirk).
 * Every string of this form whose day exists in its month passes
 * validator.js's isISO8601, strict or not (the spec checks on generated strings); its general
 * pattern and strict date check cost ~1.5 µs a value.
 */
export const PLAIN_ISO_INSTANT =
  /^([1-9]\d{3})-(\d{2})-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

const daysInMonth = (year: number, month: number) =>
  month === 2
    ? (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

/** A time of the usual form whose day exists: isISO8601 accepts it for certain. */
export function isPlainIsoInstant(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = PLAIN_ISO_INSTANT.exec(value);
  if (m === null) return false;
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(Number(m[1]), month);
}

const NO_OBJECT = Object.freeze({});

function customChecks(
  storage: MetadataStorage,
  targetName: string,
  m: ValidationMetadata,
): Check[] {
  // validateSync ignores async constraints; so do we.
  const when = m.validateIf;
  return storage
    .getTargetValidatorConstraints(m.constraintCls)
    .filter((c) => !c.async)
    .map((c): Check => {
      const instance = c.instance;
      const validate = instance.validate.bind(instance);
      const shortcut = SHORTCUTS[c.name];
      // One arguments object per rule, refilled on each call (validation is synchronous): no
      // garbage per row and field.
      const args: ValidationArguments = {
        targetName,
        property: m.propertyName,
        object: NO_OBJECT,
        value: undefined,
        constraints: m.constraints,
      };
      return (object, value) => {
        if (when && !when(object, value)) return true;
        if (shortcut && shortcut(value, m.constraints)) return true;
        args.object = object;
        args.value = value;
        const ok = validate(value, args);
        args.object = NO_OBJECT;
        args.value = undefined; // not holding on to the row
        // A promise here means an async rule registered as sync: let class-validator decide.
        return ok === true;
      };
    });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

import { z } from 'zod';

/** One key of the configuration as the reference shows it. */
export interface ConfigKey {
  /** Dotted path; `[]` stands for every entry of a list (`upstreams[].issuer`). */
  readonly path: string;
  /** What the key takes, in words (`string`, `integer`, `duration`, `` `a` or `b` ``, `list of strings`, `object`). */
  readonly type: string;
  readonly required: boolean;
  /** The default as it would be written in the file, when the schema has one. */
  readonly default?: string;
  /** From `.describe()` (zod's registry). */
  readonly description?: string;
  /**
   * Marked `.meta({ advanced: true })` in the schema: documented here but left out of config/broker.example.yaml,
   * which keeps to what an operator sets in a first deployment.
   */
  readonly advanced: boolean;
  /** The key takes the same object as an earlier key (admin.console.upstream is an upstreams[] entry). */
  readonly sameAs?: string;
}

interface KeyMeta {
  description?: string;
  advanced?: boolean;
}

type AnySchema = z.core.$ZodType;

/** Zod 4 keeps `.describe()` and `.meta()` in its global registry; a clone inherits its parent's entries. */
function metaOf(schema: AnySchema): KeyMeta {
  return (z.globalRegistry.get(schema) ?? {}) as KeyMeta;
}

interface Unwrapped {
  base: AnySchema;
  required: boolean;
  defaultValue?: unknown;
  /** A string the schema turns into milliseconds (linkTtl: "1h"): defaults are shown as the duration. */
  duration: boolean;
  meta: KeyMeta;
}

/**
 * Peels optional/default/prefault/pipe layers off a key's schema, keeping what each says: required or not, the
 * default, the description (on whichever layer `.describe()` was called). Pipes are read on their input side,
 * because the reference documents what an operator writes, not what the broker makes of it.
 */
function unwrap(schema: AnySchema): Unwrapped {
  let current = schema;
  let required = true;
  let defaultValue: unknown;
  let duration = false;
  let meta: KeyMeta = {};
  for (;;) {
    meta = { ...metaOf(current), ...meta };
    const def = current._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
    if (def.type === 'optional' || def.type === 'nullable') {
      required = false;
      current = def.innerType as AnySchema;
    } else if (def.type === 'default') {
      required = false;
      defaultValue ??= def.defaultValue;
      current = def.innerType as AnySchema;
    } else if (def.type === 'prefault') {
      // prefault({}) on an object: the object may be left out and its own keys' defaults apply.
      required = false;
      current = def.innerType as AnySchema;
    } else if (def.type === 'pipe') {
      const input = def.in as AnySchema;
      const output = def.out as AnySchema;
      if (input._zod.def.type === 'string' && output._zod.def.type === 'transform') duration = true;
      current = input;
    } else {
      return { base: current, required, defaultValue, duration, meta };
    }
  }
}

const DURATION_UNITS: ReadonlyArray<[suffix: string, ms: number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

/** 3_600_000 → "1h": the largest unit that divides the value, as config/duration.ts reads it back. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const [suffix, unit] of DURATION_UNITS) if (ms % unit === 0) return `${ms / unit}${suffix}`;
  return `${ms}ms`;
}

function formatDefault(value: unknown, duration: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (duration && typeof value === 'number') return formatDuration(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0)
    return undefined;
  return typeof value === 'string' ? (value === '' ? '""' : value) : JSON.stringify(value);
}

function isInteger(def: z.core.$ZodTypeDef): boolean {
  const checks = (def as { checks?: Array<{ _zod: { def: { format?: string } } }> }).checks ?? [];
  return checks.some((check) => check._zod.def.format === 'safeint');
}

function typeName(schema: AnySchema, duration: boolean): string {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  switch (def.type) {
    case 'string':
      return duration ? 'duration' : 'string';
    case 'number':
      return isInteger(def) ? 'integer' : 'number';
    case 'boolean':
      return 'boolean';
    case 'enum':
      return Object.values(def.entries as Record<string, string>)
        .map((v) => `\`${v}\``)
        .join(' or ');
    case 'literal':
      return (def.values as unknown[]).map((v) => `\`${String(v)}\``).join(' or ');
    case 'object':
      return 'object';
    case 'array': {
      const element = unwrap(def.element as AnySchema);
      const name = typeName(element.base, element.duration);
      return name === 'object' ? 'list of objects' : `list of ${name}s`;
    }
    case 'union':
      return (def.options as AnySchema[]).map((option) => typeName(unwrap(option).base, false)).join(', or ');
    default:
      return def.type;
  }
}

/** Every key of the schema, depth first in the schema's own order. */
export function schemaKeys(schema: AnySchema): ConfigKey[] {
  const keys: ConfigKey[] = [];
  const seen = new Map<AnySchema, string>();

  // The keys of an advanced object are advanced too: leaving the object out of the example leaves them out.
  const visitObject = (object: AnySchema, prefix: string, advanced: boolean) => {
    const shape = (object._zod.def as unknown as { shape: Record<string, AnySchema> }).shape;
    for (const [name, child] of Object.entries(shape)) visit(child, prefix ? `${prefix}.${name}` : name, advanced);
  };

  const visit = (schemaOfKey: AnySchema, path: string, parentAdvanced: boolean) => {
    const { base, required, defaultValue, duration, meta } = unwrap(schemaOfKey);
    const defaultText = formatDefault(defaultValue, duration);
    const row = {
      path,
      type: typeName(base, duration),
      required,
      ...(defaultText !== undefined ? { default: defaultText } : {}),
      ...(meta.description ? { description: meta.description } : {}),
      advanced: parentAdvanced || meta.advanced === true,
    };
    const def = base._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
    const object =
      def.type === 'object' ? base : def.type === 'array' ? unwrap(def.element as AnySchema).base : undefined;
    if (!object || object._zod.def.type !== 'object') {
      keys.push(row);
      return;
    }
    const earlier = seen.get(object);
    if (earlier) {
      keys.push({ ...row, sameAs: earlier });
      return;
    }
    const childPrefix = def.type === 'array' ? `${path}[]` : path;
    seen.set(object, childPrefix);
    keys.push(row);
    visitObject(object, childPrefix, row.advanced);
  };

  const root = unwrap(schema).base;
  visitObject(root, '', false);
  return keys;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { ROOT } from '../cli/harness.js';

/**
 * A small JSON Schema checker for the keywords schema/result.schema.json uses (type, properties, required,
 * additionalProperties, items, enum, const, anyOf, minimum, maximum, exclusiveMinimum, pattern), so results are
 * checked against the shipped file itself, not only the zod schema it was generated from. Any keyword it does not
 * know fails loudly, so a schema change cannot silently go unchecked.
 */

type Schema = Record<string, unknown>;
const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'default', 'examples']);
const KNOWN = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'anyOf', 'minimum', 'maximum', 'exclusiveMinimum', 'pattern']);

export function loadShippedSchema(): Schema {
  return JSON.parse(readFileSync(join(ROOT, 'schema/result.schema.json'), 'utf8')) as Schema;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, v: unknown): boolean {
  const got = typeOf(v);
  return want === got || (want === 'number' && got === 'integer');
}

export function schemaErrors(schema: Schema, value: unknown, path = '$'): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(schema)) {
    if (!ANNOTATIONS.has(key) && !KNOWN.has(key)) errors.push(`${path}: schema keyword "${key}" is not understood by this checker`);
  }
  if (schema.anyOf) {
    const branches = (schema.anyOf as Schema[]).map((s) => schemaErrors(s, value, path));
    if (!branches.some((b) => b.length === 0)) errors.push(`${path}: matches no branch of anyOf (${branches.map((b) => b[0]).join(' | ')})`);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => typeMatches(t, value))) return [...errors, `${path}: expected ${types.join('|')}, got ${typeOf(value)}`];
  }
  if ('const' in schema && value !== schema.const) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) errors.push(`${path}: not above ${schema.exclusiveMinimum}`);
  }
  if (typeof value === 'string' && typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
    errors.push(`${path}: does not match ${schema.pattern}`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => errors.push(...schemaErrors(schema.items as Schema, item, `${path}[${i}]`)));
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const req of (schema.required ?? []) as string[]) if (!(req in obj)) errors.push(`${path}: missing required "${req}"`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...schemaErrors(props[k], v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: "${k}" is not in the schema`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        errors.push(...schemaErrors(schema.additionalProperties as Schema, v, `${path}.${k}`));
      }
    }
  }
  return errors;
}

/** A result as scripts get it: valid under the zod schema and under the shipped JSON Schema file. */
export function expectContractResult(value: unknown): ReturnType<typeof resultSchema.parse> {
  const parsed = resultSchema.safeParse(value);
  expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
  expect(schemaErrors(loadShippedSchema(), value)).toEqual([]);
  return parsed.data!;
}

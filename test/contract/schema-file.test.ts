import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultJsonSchema } from '../../src/report/result-schema.js';
import { ROOT } from '../cli/harness.js';
import { loadShippedSchema, schemaErrors } from './schema-check.js';

/** The fields CONTRACT.md names as required (schemaVersion 1). Changing these is a breaking change. */
const CONTRACT_REQUIRED = {
  top: ['schemaVersion', 'ok', 'exitCode', 'command', 'provider', 'model', 'outDir', 'files', 'usage', 'cost', 'tests', 'rounds', 'error', 'durationMs'],
  file: ['path', 'kind', 'bytes', 'sha256'],
  usage: ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens'],
  cost: ['usd', 'source'],
  tests: ['ran', 'sandbox', 'passed', 'failed', 'errors', 'skipped', 'durationMs', 'cases'],
  testCase: ['name', 'file', 'status', 'durationMs', 'message'],
  round: ['round', 'usage', 'cost', 'tests'],
  error: ['code', 'message', 'hint', 'retryable'],
};

type S = Record<string, any>;
/** The object branch of a nullable field (`anyOf: [object, null]`). */
const objectOf = (s: S): S => (s.type === 'object' ? s : (s.anyOf as S[]).find((b) => b.type === 'object')!);

describe('schema/result.schema.json', () => {
  const schema = loadShippedSchema() as S;

  it('is what the zod schema generates (rebuilt, not hand-edited)', () => {
    expect(schema).toEqual(JSON.parse(JSON.stringify(resultJsonSchema())));
  });

  it('requires exactly the fields the contract names, at every level', () => {
    const p = schema.properties;
    expect([...schema.required].sort()).toEqual([...CONTRACT_REQUIRED.top].sort());
    expect([...p.files.items.required].sort()).toEqual([...CONTRACT_REQUIRED.file].sort());
    expect([...objectOf(p.usage).required].sort()).toEqual([...CONTRACT_REQUIRED.usage].sort());
    expect([...objectOf(p.cost).required].sort()).toEqual([...CONTRACT_REQUIRED.cost].sort());
    const tests = objectOf(p.tests);
    expect([...tests.required].sort()).toEqual([...CONTRACT_REQUIRED.tests].sort());
    expect([...tests.properties.cases.items.required].sort()).toEqual([...CONTRACT_REQUIRED.testCase].sort());
    expect([...p.rounds.items.required].sort()).toEqual([...CONTRACT_REQUIRED.round].sort());
    expect([...objectOf(p.error).required].sort()).toEqual([...CONTRACT_REQUIRED.error].sort());
  });

  it('fixes schemaVersion to 1 and the enums scripts switch on', () => {
    const p = schema.properties;
    expect(p.schemaVersion.const).toBe(1);
    expect(p.command.enum).toEqual(['generate', 'apply', 'run']);
    expect(p.files.items.properties.kind.enum).toEqual(['code', 'test', 'other']);
    expect(objectOf(p.cost).properties.source.enum).toEqual(['provider', 'catalog', 'unknown']);
    expect(objectOf(p.tests).properties.cases.items.properties.status.enum).toEqual(['passed', 'failed', 'error', 'skipped']);
  });

  it('ships in the package', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.files).toContain('schema');
    expect(pkg.exports['./schema/result.schema.json']).toBe('./schema/result.schema.json');
  });

  it('the checker used by the contract tests rejects what it should', () => {
    const good = {
      schemaVersion: 1, ok: false, exitCode: 2, command: 'run', provider: null, model: null, outDir: null, files: [],
      usage: null, cost: null, tests: null, rounds: [], error: { code: 'usage', message: 'm', hint: null, retryable: false }, durationMs: 0,
    };
    expect(schemaErrors(schema, good)).toEqual([]);
    expect(schemaErrors(schema, { ...good, schemaVersion: 2 })).not.toEqual([]);
    expect(schemaErrors(schema, { ...good, error: { code: 'x', message: 'm', hint: null } })).not.toEqual([]);
    expect(schemaErrors(schema, { ...good, files: [{ path: 'a', kind: 'code', bytes: 1, sha256: 'nothex' }] })).not.toEqual([]);
    expect(schemaErrors(schema, { ...good, command: 'deploy' })).not.toEqual([]);
    const { durationMs: _d, ...missing } = good;
    expect(schemaErrors(schema, missing)).toContain('$: missing required "durationMs"');
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './cli/harness.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

it('every file the package points at exists after the build', () => {
  for (const target of [pkg.main, pkg.types, pkg.bin.ptc, ...Object.values(pkg.exports as Record<string, string>)]) {
    expect(existsSync(join(ROOT, target)), target).toBe(true);
  }
  for (const dir of ['schema', 'catalog', 'dist', 'bin']) expect(pkg.files).toContain(dir);
});

it('the library entry exports the pipeline every front end uses', async () => {
  const lib = await import(join(ROOT, pkg.main));
  for (const name of ['executeRequest', 'runPipeline', 'parseReply', 'createProvider', 'createLocalSandbox', 'resultSchema', 'PtcError']) {
    expect(lib[name], name).toBeDefined();
    expect(['function', 'object']).toContain(typeof lib[name]);
  }
});

it('engines names the oldest Node the suite runs on', () => {
  expect(pkg.engines.node).toBe('>=20.19.0');
});

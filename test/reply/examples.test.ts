/** The example replies in examples/replies parse into the expected files, and their tests really pass. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseReply } from '../../src/reply/parse.js';

const examples = join(dirname(fileURLToPath(import.meta.url)), '../../examples/replies');
const hasPytest = spawnSync('python3', ['-m', 'pytest', '--version']).status === 0;

function withTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ptc-example-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('example replies', () => {
  const prime = parseReply(readFileSync(join(examples, 'prime-python.md'), 'utf8'), { lang: 'python' });
  const slug = parseReply(readFileSync(join(examples, 'slugify-typescript.md'), 'utf8'), { lang: 'typescript' });

  it('parse into an implementation and its tests, with nothing else', () => {
    expect(prime.files.map((f) => [f.path, f.kind])).toEqual([['prime.py', 'code'], ['test_prime.py', 'test']]);
    expect(slug.files.map((f) => [f.path, f.kind])).toEqual([['slugify.ts', 'code'], ['slugify.test.ts', 'test']]);
    for (const p of [prime, slug]) expect([p.dependencies, p.deleted, p.warnings]).toEqual([[], [], []]);
  });

  it.skipIf(!hasPytest)('prime: pytest passes', () => {
    withTemp((dir) => {
      for (const f of prime.files) writeFileSync(join(dir, f.path), f.content);
      const out = execFileSync('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd: dir, encoding: 'utf8' });
      expect(out).toMatch(/\b\d+ passed\b/);
      expect(out).not.toMatch(/failed|error/);
    });
  });

  it('slugify: node --test passes (transpiled, as on a Node without type stripping)', () => {
    withTemp((dir) => {
      for (const f of slug.files) {
        const js = ts.transpileModule(f.content, {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        }).outputText.replace(/from '\.\/slugify\.ts'/, "from './slugify.mjs'");
        writeFileSync(join(dir, f.path.replace(/\.ts$/, '.mjs')), js);
      }
      const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', join(dir, 'slugify.test.mjs')], { cwd: dir, encoding: 'utf8' });
      expect(run.stdout).toMatch(/# pass 9/);
      expect(run.status).toBe(0);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { classifyFile } from '../../src/reply/classify.js';

describe('classifyFile', () => {
  it.each([
    ['test_prime.py', 'test'],
    ['prime_test.py', 'test'],
    ['tests/helpers.py', 'test'],
    ['conftest.py', 'test'],
    ['slugify.test.ts', 'test'],
    ['src/slugify.spec.js', 'test'],
    ['__tests__/a.mjs', 'test'],
    ['prime.py', 'code'],
    ['src/slugify.ts', 'code'],
    ['latest.py', 'code'],
    ['contest.js', 'code'],
    ['requirements.txt', 'other'],
    ['package.json', 'other'],
    ['README.md', 'other'],
    ['pyproject.toml', 'other'],
    ['.github/workflows/ci.yml', 'other'],
    ['tests/fixtures/data.json', 'other'],
  ])('%s → %s', (path, kind) => {
    expect(classifyFile(path, '')).toBe(kind);
  });

  it('lets the content show that a neutrally named file holds only tests', () => {
    expect(classifyFile('checks.py', 'import pytest\n\ndef test_a():\n    assert True\n')).toBe('test');
    expect(classifyFile('prime.py', 'def is_prime(n):\n    return n > 1\n\ndef test_a():\n    assert is_prime(2)\n')).toBe('code');
    expect(classifyFile('checks.ts', "import { test } from 'node:test';\ntest('a', () => {});\n")).toBe('test');
    expect(classifyFile('lib.ts', "export const f = () => 1;\nimport { test } from 'node:test';\n")).toBe('code');
  });
});

/** What Python source shows about itself: pytest/unittest tests, definitions, local imports. */
import type { ContentSignals } from '../types.js';
import { atLineStart, lines } from '../line-scan.js';

/** Modules a Python test imports that are surely not the implementation. */
const NOT_LOCAL = new Set([
  'pytest', 'unittest', 'hypothesis', 'doctest', 'math', 'cmath', 'sys', 'os', 're', 'typing', 'random',
  'itertools', 'functools', 'collections', 'dataclasses', 'string', 'json', 'time', 'datetime', 'decimal',
  'fractions', 'io', 'pathlib', 'subprocess', 'tempfile', 'contextlib', 'statistics', 'operator', 'enum',
  'abc', 'copy', 'heapq', 'bisect', 'textwrap', 'unicodedata', '__future__', 'inspect', 'timeit', 'asyncio',
  'numbers', 'array', 'struct', 'logging', 'warnings', 'types', 'uuid', 'hashlib', 'base64', 'csv', 'shutil',
  'glob', 'pickle', 'threading', 'multiprocessing', 'socket', 'urllib', 'http', 'secrets', 'string',
  'numpy', 'pandas', 'requests', 'scipy', 'sympy',
]);

function looksLikeTests(content: string): boolean {
  return (
    content.includes('import pytest') ||
    content.includes('from pytest') ||
    content.includes('unittest.TestCase') ||
    atLineStart(content, 'def test_') ||
    atLineStart(content, 'async def test_')
  );
}

export const pythonSignals: ContentSignals = {
  looksLikeTests,

  onlyTests(content) {
    if (!looksLikeTests(content)) return false;
    for (const line of lines(content)) {
      const c = line.charCodeAt(0);
      if (c !== 100 && c !== 99 && c !== 97) continue; // d(ef), c(lass), a(sync)
      const m = /^(?:async\s+)?(?:def|class)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(line.slice(0, 200));
      if (m && !/^(test|Test|_)/.test(m[1]!)) return false;
    }
    return true;
  },

  definesSomething(content) {
    if (atLineStart(content, 'def ') || atLineStart(content, 'async def ') || atLineStart(content, 'class ')) return true;
    for (const line of lines(content)) {
      if (/^[A-Za-z_][A-Za-z0-9_]*\s*(:[^=]*)?=[^=]/.test(line.slice(0, 200))) return true; // a top-level constant
    }
    return false;
  },

  definedNames(content) {
    const names = new Set<string>();
    for (const line of lines(content)) {
      const t = line.trimStart().slice(0, 300);
      const m =
        /^(?:async\s+)?(?:def|class)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(t) ??
        /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=[^=]/.exec(line.slice(0, 300));
      if (m?.[1]) names.add(m[1]);
    }
    return names;
  },

  /** `from prime import is_prime`, `import prime`. */
  localImports(content) {
    const found: { module: string; symbols: string[] }[] = [];
    for (const raw of lines(content)) {
      const line = raw.trim().slice(0, 500);
      const from = /^from\s+([A-Za-z_][A-Za-z0-9_.]*)\s+import\s+\(?\s*([^#)]*)/.exec(line);
      const plain = from ? null : /^import\s+([A-Za-z_][A-Za-z0-9_.]*)/.exec(line);
      const mod = from?.[1] ?? plain?.[1];
      if (!mod || NOT_LOCAL.has(mod.split('.')[0]!)) continue;
      const symbols = from ? from[2]!.split(',').map((s) => s.trim().split(/\s+/)[0]!).filter(Boolean) : [];
      found.push({ module: mod.replace(/\./g, '/'), symbols });
    }
    return found;
  },

  looksLikeCode(content) {
    let signals = 0;
    for (const line of lines(content)) {
      if (/^(def|class|import|from|return|if|for|while|with|try|assert|async def)\b/.test(line.trimStart().slice(0, 20))) signals++;
      if (signals >= 2) return true;
    }
    return false;
  },
};

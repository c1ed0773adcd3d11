/**
 * What a block's content says about it: tests or implementation, code or output, which local modules it
 * imports. Every check is a single pass over the lines (no regex runs over the whole text).
 */
import type { Lang } from '../types.js';

function lines(content: string): string[] {
  return content.split('\n');
}

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c === 46;
}

/** `needle` at the start of some line, after optional indentation. No split: indexOf and a look back. */
function atLineStart(content: string, needle: string): boolean {
  let from = 0;
  for (;;) {
    const at = content.indexOf(needle, from);
    if (at < 0) return false;
    let k = at - 1;
    while (k >= 0 && (content.charCodeAt(k) === 32 || content.charCodeAt(k) === 9)) k--;
    if (k < 0 || content.charCodeAt(k) === 10) return true;
    from = at + 1;
  }
}

/** `name(` not preceded by an identifier character (so `latest(` is not `test(`). */
function hasCall(content: string, name: string): boolean {
  const needle = `${name}(`;
  let from = 0;
  for (;;) {
    const at = content.indexOf(needle, from);
    if (at < 0) return false;
    if (at === 0 || !isIdentChar(content.charCodeAt(at - 1))) return true;
    from = at + 1;
  }
}

export function looksLikeTests(content: string, lang: Lang): boolean {
  if (lang === 'python') {
    return (
      content.includes('import pytest') ||
      content.includes('from pytest') ||
      content.includes('unittest.TestCase') ||
      atLineStart(content, 'def test_') ||
      atLineStart(content, 'async def test_')
    );
  }
  return (
    content.includes('node:test') ||
    content.includes("from 'vitest'") ||
    content.includes('from "vitest"') ||
    hasCall(content, 'describe') ||
    hasCall(content, 'test') ||
    hasCall(content, 'it')
  );
}

/** Does the block define anything (a function, class, exported value) rather than only use it? */
export function definesSomething(content: string, lang: Lang): boolean {
  if (lang === 'python') {
    if (atLineStart(content, 'def ') || atLineStart(content, 'async def ') || atLineStart(content, 'class ')) return true;
    for (const line of lines(content)) {
      if (/^[A-Za-z_][A-Za-z0-9_]*\s*(:[^=]*)?=[^=]/.test(line.slice(0, 200))) return true; // a top-level constant
    }
    return false;
  }
  for (const start of ['export ', 'function ', 'async function ', 'class ', 'module.exports', 'exports.']) {
    if (atLineStart(content, start)) return true;
  }
  if (!content.includes('=>')) return false;
  for (const line of lines(content)) {
    const t = line.trimStart();
    if ((t.startsWith('const ') || t.startsWith('let ')) && t.includes('=>')) return true;
  }
  return false;
}

/** Top-level names a block defines (to match an unnamed block with the module a test imports). */
export function definedNames(content: string, lang: Lang): Set<string> {
  const names = new Set<string>();
  for (const line of lines(content)) {
    const t = line.trimStart().slice(0, 300);
    const m =
      lang === 'python'
        ? /^(?:async\s+)?(?:def|class)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(t) ?? /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=[^=]/.exec(line.slice(0, 300))
        : /^(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\*?|class|const|let|var|type|interface)\s+([A-Za-z_$][A-Za-z0-9_$]*)/.exec(t);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}

export interface LocalImport {
  /** Module path relative to the reply's root, without extension (`prime`, `src/prime`). */
  module: string;
  symbols: string[];
}

/** Modules a Python test imports that are surely not the implementation. */
const NOT_LOCAL_PY = new Set([
  'pytest', 'unittest', 'hypothesis', 'doctest', 'math', 'cmath', 'sys', 'os', 're', 'typing', 'random',
  'itertools', 'functools', 'collections', 'dataclasses', 'string', 'json', 'time', 'datetime', 'decimal',
  'fractions', 'io', 'pathlib', 'subprocess', 'tempfile', 'contextlib', 'statistics', 'operator', 'enum',
  'abc', 'copy', 'heapq', 'bisect', 'textwrap', 'unicodedata', '__future__', 'inspect', 'timeit', 'asyncio',
  'numbers', 'array', 'struct', 'logging', 'warnings', 'types', 'uuid', 'hashlib', 'base64', 'csv', 'shutil',
  'glob', 'pickle', 'threading', 'multiprocessing', 'socket', 'urllib', 'http', 'secrets', 'string',
  'numpy', 'pandas', 'requests', 'scipy', 'sympy',
]);

/** Local modules a test imports: `from prime import is_prime`, `import { slug } from './slug.js'`. */
export function localImports(content: string, lang: Lang): LocalImport[] {
  const found: LocalImport[] = [];
  for (const raw of lines(content)) {
    const line = raw.trim().slice(0, 500);
    if (lang === 'python') {
      const from = /^from\s+([A-Za-z_][A-Za-z0-9_.]*)\s+import\s+\(?\s*([^#)]*)/.exec(line);
      const plain = from ? null : /^import\s+([A-Za-z_][A-Za-z0-9_.]*)/.exec(line);
      const mod = from?.[1] ?? plain?.[1];
      if (!mod || NOT_LOCAL_PY.has(mod.split('.')[0]!)) continue;
      const symbols = from ? from[2]!.split(',').map((s) => s.trim().split(/\s+/)[0]!).filter(Boolean) : [];
      found.push({ module: mod.replace(/\./g, '/'), symbols });
    } else {
      const m = /(?:from\s+|require\(\s*|import\s+)(['"])(\.\.?\/[^'"]+)\1/.exec(line);
      if (!m) continue;
      let spec = m[2]!.replace(/^\.\//, '');
      spec = spec.replace(/\.(?:[cm]?[jt]sx?)$/, '');
      if (spec.startsWith('../')) continue;
      const braces = /\{([^}]*)\}/.exec(line);
      const symbols = braces
        ? braces[1]!.split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+/)[0]!).filter(Boolean)
        : [];
      const def = /^import\s+([A-Za-z_$][A-Za-z0-9_$]*)/.exec(line);
      if (def?.[1]) symbols.push(def[1]);
      found.push({ module: spec, symbols });
    }
  }
  return found;
}

/** Does a block without a language tag look like source code in `lang` (rather than output or prose)? */
export function looksLikeCode(content: string, lang: Lang): boolean {
  let signals = 0;
  for (const line of lines(content)) {
    const t = line.trimStart();
    if (lang === 'python') {
      if (/^(def|class|import|from|return|if|for|while|with|try|assert|async def)\b/.test(t.slice(0, 20))) signals++;
    } else if (/^(function|const|let|var|import|export|return|class|if|for|while|test|describe|assert)\b/.test(t.slice(0, 20))) {
      signals++;
    }
    if (signals >= 2) return true;
  }
  return false;
}

const COMMAND_STARTS = [
  '$ ', '> ', 'pip ', 'pip3 ', 'python ', 'python3 ', 'py ', 'pytest', 'npm ', 'npx ', 'node ', 'yarn ', 'pnpm ',
  'bun ', 'uv ', 'poetry ', 'cd ', 'mkdir ', 'export ', 'source ', 'tsx ', 'deno ',
];

/** A block of shell commands written without a `bash` tag. */
export function looksLikeCommands(content: string): boolean {
  let commands = 0;
  for (const line of lines(content)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (!COMMAND_STARTS.some((c) => t.startsWith(c))) return false;
    commands++;
  }
  return commands > 0;
}

/** A Python REPL transcript (`>>> f(2)`) is an example, not a file. */
export function isReplTranscript(content: string): boolean {
  for (const line of lines(content)) {
    const t = line.trim();
    if (t === '') continue;
    return t.startsWith('>>>');
  }
  return false;
}

/** Tests and nothing else: test functions only (a file mixing implementation and tests counts as code). */
export function onlyTests(content: string, lang: Lang): boolean {
  if (!looksLikeTests(content, lang)) return false;
  for (const line of lines(content)) {
    if (lang === 'python') {
      const c = line.charCodeAt(0);
      if (c !== 100 && c !== 99 && c !== 97) continue; // d(ef), c(lass), a(sync)
      const m = /^(?:async\s+)?(?:def|class)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(line.slice(0, 200));
      if (m && !/^(test|Test|_)/.test(m[1]!)) return false;
    } else if (line.startsWith('export ')) {
      return false;
    }
  }
  return true;
}

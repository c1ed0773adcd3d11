/**
 * What a block's content says about it: tests or implementation, code or output, which local modules it
 * imports. The language-specific checks are the language's own (src/languages/<lang>/signals.ts); commands and
 * REPL transcripts look alike in every language. Every check is a single pass over the lines.
 */
import { getLanguage } from '../languages/registry.js';
import { lines } from '../languages/line-scan.js';
import type { Lang } from '../languages/registry.js';

export function looksLikeTests(content: string, lang: Lang): boolean {
  return getLanguage(lang).signals.looksLikeTests(content);
}

/** Does the block define anything (a function, class, exported value) rather than only use it? */
export function definesSomething(content: string, lang: Lang): boolean {
  return getLanguage(lang).signals.definesSomething(content);
}

/** Top-level names a block defines (to match an unnamed block with the module a test imports). */
export function definedNames(content: string, lang: Lang): Set<string> {
  return getLanguage(lang).signals.definedNames(content);
}

export interface LocalImport {
  /** Module path relative to the reply's root, without extension (`prime`, `src/prime`). */
  module: string;
  symbols: string[];
}

/** Local modules a test imports: `from prime import is_prime`, `import { slug } from './slug.js'`. */
export function localImports(content: string, lang: Lang): LocalImport[] {
  return getLanguage(lang).signals.localImports(content);
}

/** Does a block without a language tag look like source code in `lang` (rather than output or prose)? */
export function looksLikeCode(content: string, lang: Lang): boolean {
  return getLanguage(lang).signals.looksLikeCode(content);
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
  return getLanguage(lang).signals.onlyTests(content);
}

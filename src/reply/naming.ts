/**
 * Names for blocks the model did not name. Tests are named after the module they import; an implementation
 * after the module the tests import from it (matched by the names it defines); failing that,
 * `solution.<ext>` and its tests.
 */
import type { Lang } from '../languages/registry.js';
import { definedNames, localImports, type LocalImport } from './content-signals.js';
import { getLanguage } from '../languages/registry.js';
import { sourceExtension } from './languages.js';

export interface UnnamedBlock {
  path: string | null;
  content: string;
  role: 'code' | 'test';
  lang: Lang;
}

const DEFAULT_STEM = 'solution';

function moduleFile(module: string, lang: Lang): string {
  return module + sourceExtension(lang);
}

export function testFileName(stem: string, lang: Lang): string {
  const base = stem.slice(stem.lastIndexOf('/') + 1);
  return getLanguage(lang).testFileName(base);
}

function stemOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * Give every entry whose path is null a path, except usage demos, which are returned (their path stays
 * null). `all` is every entry of the reply (named ones included).
 * Linear in the number of blocks and imports: symbols are looked up in a map, not searched per block.
 */
export function nameUnnamedBlocks(all: UnnamedBlock[], unnamed: UnnamedBlock[], lang: Lang): UnnamedBlock[] {
  if (unnamed.length === 0) return [];
  const imports: LocalImport[] = [];
  for (const entry of all) if (entry.role === 'test') imports.push(...localImports(entry.content, entry.lang));
  const namedPaths = new Set(all.filter((e) => e.path !== null).map((e) => e.path!));
  const moduleOfSymbol = new Map<string, string>();
  for (const imp of imports) for (const s of imp.symbols) if (!moduleOfSymbol.has(s)) moduleOfSymbol.set(s, imp.module);
  // The first imported module that no named file provides: the natural name for an unnamed implementation.
  const missing = imports.find((imp) => !namedPaths.has(moduleFile(imp.module, lang)))?.module ?? null;
  // Modules the reply's files provide (by path without extension), for spotting usage demos.
  const provided = new Set([...namedPaths].map((p) => p.replace(/\.[^./]+$/, '')));
  if (missing) provided.add(missing);
  const skipped: UnnamedBlock[] = [];

  for (const block of unnamed) {
    if (block.role !== 'code') continue;
    // A block that imports a module is not that module (a demo script next to the real file).
    const ownImports = new Set(localImports(block.content, lang).map((imp) => imp.module));
    let chosen: string | null = null;
    for (const name of definedNames(block.content, lang)) {
      const mod = moduleOfSymbol.get(name);
      if (mod && !ownImports.has(mod)) {
        chosen = mod;
        break;
      }
    }
    if (!chosen && [...ownImports].some((mod) => provided.has(mod))) {
      skipped.push(block); // uses a module the reply provides, defines nothing the tests use: a usage demo
      continue;
    }
    const fallback = missing && !ownImports.has(missing) ? missing : DEFAULT_STEM;
    block.path = moduleFile(chosen ?? fallback, lang);
  }

  const codeFiles = new Set(all.filter((e) => e.role === 'code' && e.path !== null).map((e) => e.path!));
  const onlyCode = codeFiles.size === 1 ? [...codeFiles][0]! : null;
  for (const block of unnamed) {
    if (block.role !== 'test') continue;
    const own = localImports(block.content, lang)[0];
    const stem = own ? own.module : onlyCode ? stemOf(onlyCode) : DEFAULT_STEM;
    block.path = testFileName(stem, lang);
  }
  return skipped;
}

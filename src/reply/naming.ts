/**
 * Names for blocks the model did not name. Tests are named after the module they import; an implementation
 * after the module the tests import from it (matched by the names it defines); failing that,
 * `solution.<ext>` and its tests.
 */
import type { Lang } from '../types.js';
import { definedNames, localImports, type LocalImport } from './content-signals.js';
import { SOURCE_EXT } from './languages.js';

export interface UnnamedBlock {
  path: string | null;
  content: string;
  role: 'code' | 'test';
  lang: Lang;
}

const DEFAULT_STEM = 'solution';

function moduleFile(module: string, lang: Lang): string {
  return module + SOURCE_EXT[lang];
}

export function testFileName(stem: string, lang: Lang): string {
  const base = stem.slice(stem.lastIndexOf('/') + 1);
  return lang === 'python' ? `test_${base}.py` : `${base}.test${SOURCE_EXT[lang]}`;
}

function stemOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Give every entry whose path is null a path. `all` is every entry of the reply (named ones included). */
export function nameUnnamedBlocks(all: UnnamedBlock[], unnamed: UnnamedBlock[], lang: Lang): void {
  if (unnamed.length === 0) return;
  const imports: LocalImport[] = [];
  for (const entry of all) if (entry.role === 'test') imports.push(...localImports(entry.content, entry.lang));
  const namedPaths = new Set(all.filter((e) => e.path !== null).map((e) => e.path!));

  for (const block of unnamed) {
    if (block.role !== 'code') continue;
    const defined = definedNames(block.content, lang);
    const bySymbol = imports.find((imp) => imp.symbols.some((s) => defined.has(s)));
    const missing = imports.find((imp) => !namedPaths.has(moduleFile(imp.module, lang)));
    const chosen = bySymbol ?? missing;
    block.path = moduleFile(chosen ? chosen.module : DEFAULT_STEM, lang);
  }

  const codeFiles = all.filter((e) => e.role === 'code' && e.path !== null).map((e) => e.path!);
  for (const block of unnamed) {
    if (block.role !== 'test') continue;
    const own = localImports(block.content, lang)[0];
    const stem = own ? own.module : codeFiles.length === 1 ? stemOf(codeFiles[0]!) : DEFAULT_STEM;
    block.path = testFileName(stem, lang);
  }
}

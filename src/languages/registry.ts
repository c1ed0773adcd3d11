/**
 * The languages ptc writes and tests: the one list of them. Everything else asks this module (by id, by file
 * extension, by fence tag) and never names a language itself. Adding a language: a folder beside python/ whose
 * index exports a `Language`, and its line in BUILT_IN. Order matters where a project holds several: the first
 * language with a file decides (`ptc run` on Python with a JS helper is a Python project; TypeScript before
 * JavaScript).
 */
import { javascript } from './javascript/index.js';
import { python } from './python/index.js';
import type { Language } from './types.js';
import { typescript } from './typescript/index.js';

const BUILT_IN = [
  python,
  typescript,
  javascript,
] as const;

export type Lang = (typeof BUILT_IN)[number]['id'];
/** The `--lang` values, for schemas and flag checks; the first is the default. */
export const LANGS = BUILT_IN.map((l) => l.id) as [Lang, ...Lang[]];

const registered: Language[] = [...BUILT_IN];

/**
 * Adds a language at run time (tests register a fake one to prove nothing else lists languages). Returns the
 * function that removes it again.
 */
export function registerLanguage(language: Language): () => void {
  if (registered.some((l) => l.id === language.id)) throw new Error(`language ${language.id} is already registered`);
  registered.push(language);
  return () => {
    const at = registered.indexOf(language);
    if (at >= 0) registered.splice(at, 1);
  };
}

export function allLanguages(): readonly Language[] {
  return registered;
}

/** The language of an id ptc has validated (`--lang`, rc file); unknown ids are a bug in the caller. */
export function getLanguage(id: string): Language {
  const found = registered.find((l) => l.id === id);
  if (!found) throw new Error(`unknown language ${JSON.stringify(id)}`);
  return found;
}

export function isLangId(id: string): id is Lang {
  return registered.some((l) => l.id === id);
}

/** The language a fence tag names (`py`, `ts`), case-insensitively. */
export function languageOfTag(tag: string): Language | null {
  const lower = tag.toLowerCase();
  return registered.find((l) => l.fenceTags.includes(lower)) ?? null;
}

/** The language a file extension (no dot, lower case) belongs to. */
export function languageOfExtension(ext: string): Language | null {
  return registered.find((l) => l.extensions.includes(ext)) ?? null;
}

/** The language of a project from its files' paths: the first language in the list with a file. */
export function detectProjectLanguage(paths: string[]): Language | null {
  const exts = new Set(paths.map((p) => (/\.([^./]+)$/.exec(p)?.[1] ?? '')));
  return registered.find((l) => l.projectExtensions.some((e) => exts.has(e))) ?? null;
}

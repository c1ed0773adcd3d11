import { getLanguage, languageOfExtension, languageOfTag } from '../languages/registry.js';
import type { Lang } from '../languages/registry.js';

/** What a fenced block's language tag tells us about it. */
export type BlockKind = Lang | 'shell' | 'output' | 'requirements' | 'other' | 'none';

/** Tags that are not a programming language ptc writes (those come from the language registry). */
const OTHER_TAGS: Record<string, BlockKind> = {
  bash: 'shell', sh: 'shell', shell: 'shell', console: 'shell', zsh: 'shell', terminal: 'shell',
  'shell-session': 'shell', shellsession: 'shell', cmd: 'shell', powershell: 'shell', ps1: 'shell', bat: 'shell',
  text: 'output', txt: 'output', output: 'output', plaintext: 'output', plain: 'output', log: 'output',
  stdout: 'output', result: 'output', none: 'output',
  requirements: 'requirements', 'pip-requirements': 'requirements', pip: 'requirements',
};

const NON_LANG_KINDS = new Set<string>(['shell', 'output', 'requirements', 'other', 'none']);

/** Classify a block's language tag (the info string's first word). */
export function blockKindOf(tag: string): BlockKind {
  if (tag === '') return 'none';
  const lang = languageOfTag(tag);
  if (lang) return lang.id as Lang;
  return OTHER_TAGS[tag.toLowerCase()] ?? 'other';
}

export function isLang(kind: BlockKind): kind is Lang {
  return !NON_LANG_KINDS.has(kind);
}

/** Languages of one family (JavaScript and TypeScript) are interchangeable enough to keep; others are not. */
export function sameFamily(a: Lang, b: Lang): boolean {
  return a === b || getLanguage(a).family === getLanguage(b).family;
}

/** The extension (with its dot) ptc gives a new file in `lang`. */
export function sourceExtension(lang: Lang): string {
  return `.${getLanguage(lang).extensions[0]}`;
}

export function extensionOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** The language a path's extension implies, if it is one ptc knows. */
export function langOfPath(path: string): Lang | null {
  return (languageOfExtension(extensionOf(path))?.id as Lang | undefined) ?? null;
}

/** The info-string tag to print for a file (used when showing files back to the model). */
export function tagForPath(path: string, fallback: Lang): string {
  const ext = extensionOf(path);
  const lang = languageOfExtension(ext);
  if (lang) return lang.id;
  if (ext === 'txt') return 'text';
  if (ext === 'sh') return 'bash';
  if (ext === 'yml') return 'yaml';
  if (ext === 'md') return 'markdown';
  return ext || fallback;
}

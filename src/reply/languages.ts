import type { Lang } from '../types.js';

/** What a fenced block's language tag tells us about it. */
export type BlockKind = Lang | 'shell' | 'output' | 'requirements' | 'other' | 'none';

const TAGS: Record<string, BlockKind> = {
  python: 'python', py: 'python', python3: 'python', py3: 'python', pytest: 'python',
  typescript: 'typescript', ts: 'typescript', mts: 'typescript', cts: 'typescript', tsx: 'typescript',
  javascript: 'javascript', js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  node: 'javascript', nodejs: 'javascript',
  bash: 'shell', sh: 'shell', shell: 'shell', console: 'shell', zsh: 'shell', terminal: 'shell',
  'shell-session': 'shell', shellsession: 'shell', cmd: 'shell', powershell: 'shell', ps1: 'shell', bat: 'shell',
  text: 'output', txt: 'output', output: 'output', plaintext: 'output', plain: 'output', log: 'output',
  stdout: 'output', result: 'output', none: 'output',
  requirements: 'requirements', 'pip-requirements': 'requirements', pip: 'requirements',
};

/** Classify a block's language tag (the info string's first word). */
export function blockKindOf(tag: string): BlockKind {
  if (tag === '') return 'none';
  return TAGS[tag.toLowerCase()] ?? 'other';
}

export function isLang(kind: BlockKind): kind is Lang {
  return kind === 'python' || kind === 'typescript' || kind === 'javascript';
}

/** JavaScript and TypeScript blocks are interchangeable enough to keep; Python and JS are not. */
export function sameFamily(a: Lang, b: Lang): boolean {
  return a === b || (a !== 'python' && b !== 'python');
}

export const SOURCE_EXT: Record<Lang, string> = { python: '.py', typescript: '.ts', javascript: '.js' };

const EXT_LANG: Record<string, Lang> = {
  py: 'python', pyi: 'python',
  ts: 'typescript', mts: 'typescript', cts: 'typescript', tsx: 'typescript',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
};

export function extensionOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** The language a path's extension implies, if it is one ptc knows. */
export function langOfPath(path: string): Lang | null {
  return EXT_LANG[extensionOf(path)] ?? null;
}

/** The info-string tag to print for a file (used when showing files back to the model). */
export function tagForPath(path: string, fallback: Lang): string {
  const ext = extensionOf(path);
  const lang = EXT_LANG[ext];
  if (lang) return lang;
  if (ext === 'txt') return 'text';
  if (ext === 'sh') return 'bash';
  if (ext === 'yml') return 'yaml';
  if (ext === 'md') return 'markdown';
  return ext || fallback;
}

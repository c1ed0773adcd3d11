/**
 * Does a word look like a file name? Models name files in many loose ways; a word only counts as a path
 * when it has a file-like shape, so prose such as "Usage" or "e.g." is never taken for one.
 */

const KNOWN_EXT = new Set([
  'py', 'pyi', 'ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs', 'json', 'jsonc', 'txt', 'md', 'rst',
  'toml', 'cfg', 'ini', 'yaml', 'yml', 'html', 'htm', 'css', 'scss', 'sh', 'bash', 'ps1', 'go', 'rs', 'java',
  'kt', 'c', 'h', 'cc', 'cpp', 'hpp', 'cs', 'rb', 'php', 'swift', 'sql', 'xml', 'csv', 'tsv', 'env', 'lock',
  'in', 'svg', 'vue', 'svelte', 'lua', 'pl', 'r', 'scala', 'dart', 'zig', 'ex', 'exs', 'erl', 'hs', 'ml',
  'gradle', 'properties', 'conf', 'dockerfile', 'mk', 'gitignore',
]);

const KNOWN_NAMES = new Set([
  'makefile', 'dockerfile', 'license', 'procfile', 'gemfile', '.gitignore', '.env', '.npmrc', '.nvmrc',
  '.editorconfig', '.dockerignore', '.python-version',
]);

function isPathChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || // 0-9
    (code >= 65 && code <= 90) || // A-Z
    (code >= 97 && code <= 122) || // a-z
    code === 95 || code === 46 || code === 45 || code === 47 || code === 92 || // _ . - / \
    code === 64 || code === 43 || code === 126 || code === 58 // @ + ~ :
  );
}

/**
 * A loose hint (a bare word in a heading or the info string): must have path characters only and a known
 * extension or a well-known extensionless name.
 */
export function looksLikePath(word: string): boolean {
  if (word.length === 0 || word.length > 300) return false;
  for (let i = 0; i < word.length; i++) if (!isPathChar(word.charCodeAt(i))) return false;
  const slash = Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\'));
  const base = word.slice(slash + 1);
  if (KNOWN_NAMES.has(base.toLowerCase())) return true;
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return false;
  return KNOWN_EXT.has(base.slice(dot + 1).toLowerCase());
}

/**
 * An explicit hint (`path=`, `File:`): anything that is one non-empty word is taken as the path the model
 * meant, so an unsafe one reaches the workspace and is refused there with a warning naming it.
 */
export function looksLikeExplicitPath(word: string): boolean {
  if (word.length === 0 || word.length > 4096) return false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c === 32 || c === 9) return false;
  }
  return /[A-Za-z0-9_]/.test(word);
}

/** Remove one layer of markdown emphasis or code-span markers around a word. */
const WRAPPER_CHARS = new Set(['*', '_', '~', '`', '"', "'"]);

export function unwrap(word: string): string {
  let s = word.trim();
  if (!WRAPPER_CHARS.has(s[0] ?? '')) return s;
  for (let round = 0; round < 4; round++) {
    const before = s;
    for (const mark of ['**', '__', '~~', '`', '*', '_', '"', "'"]) {
      if (s.length > mark.length * 2 && s.startsWith(mark) && s.endsWith(mark)) {
        s = s.slice(mark.length, s.length - mark.length).trim();
      }
    }
    if (s === before) break;
  }
  return s;
}

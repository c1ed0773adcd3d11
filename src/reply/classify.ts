import { languageOfExtension } from '../languages/registry.js';
import type { FileKind } from '../types.js';
import { extensionOf } from './languages.js';

/** Extensions of files that are programs (as opposed to data, docs and configuration). */
const SOURCE_EXT = new Set([
  'py', 'pyi', 'ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs', 'go', 'rs', 'java', 'kt', 'c', 'h', 'cc',
  'cpp', 'hpp', 'cs', 'rb', 'php', 'swift', 'sh', 'bash', 'ps1', 'sql', 'lua', 'pl', 'r', 'scala', 'dart',
  'zig', 'ex', 'exs', 'erl', 'hs', 'ml', 'vue', 'svelte', 'html', 'htm', 'css', 'scss',
]);

function isSourceExtension(ext: string): boolean {
  return SOURCE_EXT.has(ext) || languageOfExtension(ext) !== null;
}

const TEST_DIRS = new Set(['test', 'tests', '__tests__', 'spec', 'specs']);

/** Is this path a test file by the naming rules test runners (and people) follow, and its language's own? */
export function isTestPath(path: string): boolean {
  const slashed = path.includes('\\') ? path.replace(/\\/g, '/') : path;
  const cut = slashed.lastIndexOf('/');
  const base = slashed.slice(cut + 1).toLowerCase();
  const ext = extensionOf(base);
  if (!isSourceExtension(ext)) return false;
  if (languageOfExtension(ext)?.isTestFileName(base)) return true;
  const stem = base.slice(0, base.length - ext.length - 1);
  if (stem.endsWith('.test') || stem.endsWith('.spec') || stem.endsWith('_test') || stem.endsWith('-test')) {
    return true;
  }
  if (stem === 'test' || stem === 'tests') return true;
  return cut > 0 && slashed.slice(0, cut).split('/').some((s) => TEST_DIRS.has(s.toLowerCase()));
}

/**
 * `test` for test files, `code` for source files, `other` for requirements, configs, docs and data.
 * The name decides; for a source file with a neutral name the content can still show it is a test suite.
 */
export function classifyFile(path: string, content: string): FileKind {
  const ext = extensionOf(path);
  if (!isSourceExtension(ext)) return 'other';
  if (isTestPath(path)) return 'test';
  if (languageOfExtension(ext)?.signals.onlyTests(content)) return 'test';
  return 'code';
}

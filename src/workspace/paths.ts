/**
 * Is a path from a reply safe to write under the output directory? Pure string checks; symlinks on disk
 * are checked by planWrite, which can see the disk. This is the one rule every path a reply names passes
 * before it reaches the disk: the first write, every repair round, and deletions.
 */
import { posix } from 'node:path';
import { configPathReason } from './config-paths.js';

export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

/** Longest accepted path, in characters, and deepest nesting: generous for real projects, bounded for junk. */
export const MAX_PATH_LENGTH = 255;
export const MAX_SEGMENT_BYTES = 255;
export const MAX_DEPTH = 32;

const WINDOWS_RESERVED = new Set([
  'con', 'prn', 'aux', 'nul', 'com1', 'com2', 'com3', 'com4', 'com5', 'com6', 'com7', 'com8', 'com9',
  'lpt1', 'lpt2', 'lpt3', 'lpt4', 'lpt5', 'lpt6', 'lpt7', 'lpt8', 'lpt9',
]);

function refuse(reason: string): PathCheck {
  return { ok: false, reason };
}

export function checkPath(relPath: string): PathCheck {
  if (typeof relPath !== 'string' || relPath.trim() === '') return refuse('empty path');
  for (let i = 0; i < relPath.length; i++) {
    const c = relPath.charCodeAt(i);
    if (c < 32 || (c >= 127 && c <= 159)) return refuse('control character in path');
    if (isBidiControl(c)) return refuse('bidirectional text control in path (it disguises the name)');
    if (isInvisible(c)) return refuse('invisible character in path (it disguises the name)');
  }
  if (relPath.length > MAX_PATH_LENGTH) return refuse(`path longer than ${MAX_PATH_LENGTH} characters`);
  if (relPath.startsWith('\\\\') || relPath.startsWith('//')) return refuse('network (UNC) path');
  if (/^[A-Za-z]:/.test(relPath)) return refuse('drive-letter path');
  const slashed = relPath.replace(/\\/g, '/');
  if (slashed.startsWith('/')) return refuse('absolute path');
  if (slashed.endsWith('/')) return refuse('names a directory, not a file');

  const out: string[] = [];
  for (const segment of slashed.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return refuse('leaves the output directory (..)');
      out.pop();
      continue;
    }
    if (segment.trim() !== segment) return refuse('path segment with leading or trailing spaces');
    if (/[<>:"|?*]/.test(segment)) return refuse('character not allowed in file names (<>:"|?*)');
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return refuse(`file name longer than ${MAX_SEGMENT_BYTES} bytes`);
    const lower = segment.toLowerCase();
    if (WINDOWS_RESERVED.has(lower.split('.')[0]!)) return refuse('reserved device name');
    if (segment.endsWith('.')) return refuse('file name ending with a dot');
    out.push(segment);
  }
  if (out.length === 0) return refuse('empty path');
  if (out[0] === '~') return refuse('home-directory path');
  if (out[0]!.toLowerCase() === '.ptc') return refuse('inside .ptc (ptc\'s own folder)');
  if (out.length > MAX_DEPTH) return refuse(`nested deeper than ${MAX_DEPTH} folders`);
  const config = configPathReason(out);
  if (config) return refuse(config);
  return { ok: true, path: out.join('/') };
}

/**
 * The one spelling of a reply path that ptc compares and keys files by, from the parser to the repair guards:
 * the form checkPath writes to, or, for a path it refuses, the loose tidy form (the write refuses it again,
 * with its reason). So `x/../checks.py` is `checks.py` everywhere, not only where it is written.
 */
export function canonicalPath(path: string): string {
  const tidy = tidyPath(path);
  const check = checkPath(tidy);
  return check.ok ? check.path : tidy;
}

/** A loosely written path in the form used to compare paths (`./a\\b.py` → `a/b.py`), nothing resolved. */
function tidyPath(path: string): string {
  let s = path.trim().replace(/\\/g, '/');
  while (s.startsWith('./')) s = s.slice(2);
  return s;
}

/**
 * A path inside a sandbox's folder in normal form (slashes, `.`, `..` and doubled slashes resolved; `.` for the
 * folder itself), or null when it is absolute, holds a NUL, or climbs out. Both sandboxes place files by it;
 * unlike checkPath it admits ptc's own scratch paths (`.ptc/…`), which no reply may name.
 */
export function insidePath(path: string): string | null {
  if (path.includes('\0')) return null;
  const norm = posix.normalize(path.replace(/\\/g, '/')).replace(/(.)\/$/, '$1');
  if (norm.startsWith('/') || /^[A-Za-z]:/.test(norm) || norm === '..' || norm.startsWith('../')) return null;
  return norm;
}

/** Bidi embedding, override and isolate controls, the LRM/RLM marks and the Arabic letter mark. */
function isBidiControl(c: number): boolean {
  return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x200e || c === 0x200f || c === 0x061c;
}

/** Zero-width and other ignorable characters: macOS file systems drop some of them, so `.g\u200cit` is `.git`. */
function isInvisible(c: number): boolean {
  return (c >= 0x200b && c <= 0x200d) || (c >= 0x2060 && c <= 0x2064) || (c >= 0x206a && c <= 0x206f) || c === 0xfeff;
}

/**
 * A refused path as it may be shown: control, bidi and invisible characters as `\u{...}` escapes, so a warning
 * about a disguised name does not itself disguise it (JSON escapes C0 controls, but not C1 or bidi ones).
 */
export function displayPath(path: string): string {
  let out = '';
  for (const ch of path) {
    const c = ch.codePointAt(0)!;
    out += c < 32 || (c >= 127 && c <= 159) || isBidiControl(c) || isInvisible(c) ? `\\u{${c.toString(16)}}` : ch;
  }
  return out;
}

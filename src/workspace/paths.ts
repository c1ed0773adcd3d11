/**
 * Is a path from a reply safe to write under the output directory? Pure string checks; symlinks on disk
 * are checked by planWrite, which can see the disk.
 */

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
    if (c < 32 || c === 127) return refuse('control character in path');
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
    if (lower === '.git') return refuse('inside .git');
    if (WINDOWS_RESERVED.has(lower.split('.')[0]!)) return refuse('reserved device name');
    if (segment.endsWith('.')) return refuse('file name ending with a dot');
    out.push(segment);
  }
  if (out.length === 0) return refuse('empty path');
  if (out[0] === '~') return refuse('home-directory path');
  if (out[0]!.toLowerCase() === '.ptc') return refuse('inside .ptc (ptc\'s own folder)');
  if (out.length > MAX_DEPTH) return refuse(`nested deeper than ${MAX_DEPTH} folders`);
  return { ok: true, path: out.join('/') };
}

/**
 * The one spelling of a reply path that ptc compares and keys files by: the form checkPath writes to, or, for
 * a path it refuses, the loose tidy form (the write refuses it again, with its reason).
 */
export function canonicalPath(path: string): string {
  const check = checkPath(path);
  return check.ok ? check.path : path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

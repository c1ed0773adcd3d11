import { isAbsolute, relative, sep } from 'node:path';

/**
 * Is `path` the folder `root` or inside it? By path segments, never by string prefix: `/root` does not
 * contain `/rootX`. Both paths should be absolute and already resolved (symlinks followed where that matters).
 */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

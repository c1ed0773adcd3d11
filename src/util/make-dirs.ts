import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, one level at a time. Node's `mkdir(path, { recursive: true })` loops for ever on a path whose
 * parent exists but refuses children with ENOENT (`/proc/x`), and it loops in the libuv thread pool, so every
 * later file operation, cleanups on Ctrl-C included, waits behind it. Returns the first directory created (as
 * the recursive mkdir does), or undefined when it already existed.
 */
export async function makeDirs(path: string, mode?: number): Promise<string | undefined> {
  return (await makeDirsListed(path, mode))[0];
}

/** The same, returning every directory it created, outermost first (to undo exactly those). */
export async function makeDirsListed(path: string, mode?: number): Promise<string[]> {
  const missing: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const st = await stat(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (st) {
      if (!st.isDirectory()) throw notADirectory(dir);
      break;
    }
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  const created: string[] = [];
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir, mode === undefined ? undefined : { mode });
      created.push(dir);
    } catch (err) {
      // Made meanwhile by someone else: fine, as long as it is a directory.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(dir)).isDirectory()) continue;
      throw err;
    }
  }
  return created;
}

function notADirectory(path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOTDIR: not a directory, mkdir '${path}'`);
  err.code = 'ENOTDIR';
  err.path = path;
  return err;
}

import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../util/pid.js';

/** `.<name>.<pid>-<8 hex>.ptc-tmp`: the temp file a write puts beside its destination before renaming it. */
const TEMP_NAME = /^\..+\.(\d+)-[0-9a-f]{8}\.ptc-tmp$/;

export function tempOwner(name: string): number | null {
  const m = TEMP_NAME.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Removes temp files that a ptc process killed mid-write left in these folders. Only those whose process is
 * gone: a live process's temp file is about to be renamed into place. Backups (`.ptc-bak`) are never touched:
 * after a crash one may be the only copy of a user's file. Returns how many were removed.
 */
export async function removeStaleTemps(dirs: Iterable<string>): Promise<number> {
  let removed = 0;
  for (const dir of new Set(dirs)) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const pid = tempOwner(name);
      if (pid === null || pid === process.pid || processAlive(pid)) continue;
      if (await unlink(join(dir, name)).then(() => true, () => false)) removed++;
    }
  }
  return removed;
}

/**
 * How much a sandbox copy takes on the host's disk, and a watch that fires once a running command has made it
 * grow past a limit. The copy lives in the host's TMPDIR, where no rlimit or tmpfs size applies: RLIMIT_FSIZE
 * bounds each file, this bounds their sum. Polling is the portable way (quotas need a prepared filesystem);
 * a command shorter than one interval costs nothing, a filler overshoots by at most what it writes in one.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const DISK_WATCH_INTERVAL_MS = 250;

/**
 * Allocated bytes under `dir`, never following symlinks. Each entry counts at least one 4 KiB block, so a
 * million empty files (an inode filler) count too.
 */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue; // removed meanwhile, or unreadable: nothing to count
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      try {
        const st = await lstat(path);
        total += Math.max(st.blocks * 512, 4096);
        if (st.isDirectory()) pending.push(path);
      } catch {
        // removed meanwhile
      }
    }
  }
  return total;
}

/** Calls `onExceeded` once when `dir` has grown by more than `limit` over `baseline`; returns the stop function. */
export function watchDisk(dir: string, baseline: number, limit: number, onExceeded: () => void): () => void {
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    diskUsage(dir)
      .then((used) => {
        if (!stopped && used - baseline > limit) {
          stopped = true;
          clearInterval(timer);
          onExceeded();
        }
      })
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, DISK_WATCH_INTERVAL_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

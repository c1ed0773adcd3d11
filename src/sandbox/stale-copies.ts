/**
 * Sandbox copies of runs that died without cleaning up (kill -9, a crash, a power cut). Each copy's name holds
 * the pid of the ptc process that made it; a later local run removes the copies whose process is gone. A copy
 * whose process still lives is never touched, whoever it belongs to; a reused pid only delays the removal.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const PREFIX = 'ptc-run-';
const OWNED = /^ptc-run-(\d+)-/;

/** The mkdtemp prefix for this process's copies. */
export function copyPrefix(pid = process.pid): string {
  return `${PREFIX}${pid}-`;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes copies in `tmpRoot` whose owner process is dead; returns their paths. Never throws. */
export async function removeStaleCopies(tmpRoot: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(tmpRoot);
  } catch {
    return [];
  }
  const stale = names.filter((name) => {
    const m = OWNED.exec(name);
    if (!m) return false;
    const pid = Number(m[1]);
    return pid > 0 && pid !== process.pid && !isAlive(pid);
  });
  const removed: string[] = [];
  await Promise.all(
    stale.map(async (name) => {
      const path = join(tmpRoot, name);
      try {
        await rm(path, { recursive: true, force: true, maxRetries: 2 });
        removed.push(path);
      } catch {
        // another user's copy, or already being removed by another run: not ours to insist on
      }
    }),
  );
  return removed;
}

const sweeps = new Map<string, Promise<string[]>>();

/** Once per process and directory: a batch of many runs sweeps once. */
export function sweepStaleCopiesOnce(tmpRoot: string): Promise<string[]> {
  let sweep = sweeps.get(tmpRoot);
  if (!sweep) {
    sweep = removeStaleCopies(tmpRoot);
    sweeps.set(tmpRoot, sweep);
  }
  return sweep;
}

import { open, rm, stat } from 'node:fs/promises';
import { sleep } from '../providers/retry.js';

export interface LockOptions {
  /** Give up waiting after this long. */
  timeoutMs?: number;
  /** A lock older than this was left by a process that died holding it. */
  staleMs?: number;
}

export class LockTimeoutError extends Error {
  constructor(path: string) {
    super(`could not lock ${path}: another ptc process holds it`);
    this.name = 'LockTimeoutError';
  }
}

/**
 * An exclusive lock between processes: a file created with O_EXCL. Every writer of the history re-reads,
 * appends and writes back while holding it, so two ptc processes never lose each other's rows.
 */
export async function acquireLock(path: string, opts: LockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const staleMs = opts.staleMs ?? 10_000;
  const giveUp = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid} ${new Date().toISOString()}\n`);
      await handle.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const age = await lockAge(path);
    if (age !== null && age > staleMs) {
      // Held far longer than any write takes: its owner died. Remove it and race for it again.
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > giveUp) throw new LockTimeoutError(path);
    await sleep(Math.min(5 * 2 ** Math.min(attempt, 5), 100) * (0.5 + Math.random()));
  }
}

async function lockAge(path: string): Promise<number | null> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return null; // released meanwhile
  }
}

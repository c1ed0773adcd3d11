import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sleep } from './sleep.js';
import { makeDirs } from './make-dirs.js';
import { processAlive } from './pid.js';

export interface LockOptions {
  /** Give up waiting after this long. */
  timeoutMs?: number;
  /**
   * A lock older than this is taken over even if a process with its PID runs (the PID may have been reused).
   * Without it only a lock whose process is gone is stale: right for locks held as long as a write takes.
   */
  staleMs?: number;
  /** Stop waiting when this fires, with its reason: a signal must end a wait for a lock at once. */
  signal?: AbortSignal;
  /** Called once, when the lock is first found held by a live process (to say why nothing happens). */
  onWait?: (holderPid: number | null) => void;
}

export class LockTimeoutError extends Error {
  constructor(
    readonly path: string,
    readonly holderPid: number | null,
  ) {
    super(`could not lock ${path}: another ptc process holds it${holderPid ? ` (pid ${holderPid})` : ''}`);
    this.name = 'LockTimeoutError';
  }
}

/** A lock file still empty this long after it was made belongs to a process that died creating it. */
const EMPTY_STALE_MS = 10_000;

interface Holder {
  content: string;
  pid: number | null;
  ageMs: number;
}

/**
 * An exclusive lock between processes: a file created with O_EXCL holding the owner's PID and a token. A lock
 * whose owner died is taken over; release removes the file only while it is still this owner's.
 */
export async function acquireLock(path: string, opts: LockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const giveUp = Date.now() + timeoutMs;
  const mine = `${process.pid} ${randomBytes(6).toString('hex')} ${new Date().toISOString()}\n`;
  let told = false;
  for (let attempt = 0; ; attempt++) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (await tryCreate(path, mine)) return () => releaseIfMine(path, mine);
    const holder = await readHolder(path);
    if (holder && isStale(holder, opts.staleMs)) {
      await takeOver(path, holder.content);
      continue;
    }
    if (!told && holder) {
      told = true;
      opts.onWait?.(holder.pid);
    }
    if (Date.now() > giveUp) throw new LockTimeoutError(path, holder?.pid ?? null);
    await sleep(Math.min(5 * 2 ** Math.min(attempt, 5), 100) * (0.5 + Math.random()), opts.signal);
  }
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  for (let tries = 0; ; tries++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      // The folder was removed meanwhile (a failed writer cleaning up what it made): make it again, once.
      if (code === 'ENOENT' && tries === 0) {
        await makeDirs(dirname(path));
        continue;
      }
      throw err;
    }
  }
}

function isStale(holder: Holder, staleMs: number | undefined): boolean {
  if (holder.pid === null) return holder.ageMs > EMPTY_STALE_MS;
  if (holder.pid !== null && holder.pid !== process.pid && !processAlive(holder.pid)) return true;
  return staleMs !== undefined && holder.ageMs > staleMs;
}

async function readHolder(path: string): Promise<Holder | null> {
  try {
    const [content, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const pid = Number.parseInt(content.split(' ')[0] ?? '', 10);
    // Empty: its creator is between creating and writing it (see EMPTY_STALE_MS).
    return { content, pid: Number.isInteger(pid) && pid > 0 ? pid : null, ageMs: Date.now() - st.mtimeMs };
  } catch {
    return null; // released meanwhile
  }
}

/**
 * Removes a stale lock without removing a fresh one that replaced it between reading and removing: move it
 * aside, look at what was moved, and put it back if it was not the stale one.
 */
async function takeOver(path: string, staleContent: string): Promise<void> {
  const aside = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch {
    return; // gone already
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== staleContent) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

async function releaseIfMine(path: string, mine: string): Promise<void> {
  const now = await readFile(path, 'utf8').catch(() => null);
  if (now === mine) await rm(path, { force: true });
}

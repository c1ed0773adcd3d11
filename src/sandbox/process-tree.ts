/**
 * The processes below one host process, found through /proc. A kill of a process group misses a descendant that
 * started a session of its own — bubblewrap's `--new-session` jail is one — and once the group's leader is dead
 * that descendant is re-parented and can no longer be told apart. So a kill takes this list first.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Every live descendant of `root` (not `root` itself); empty where /proc cannot be read. */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(entry);
    if (ppid === null) continue;
    const list = children.get(ppid);
    if (list) list.push(Number(entry));
    else children.set(ppid, [Number(entry)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The parent pid from /proc/<pid>/stat; the command name in field 2 may hold spaces and parentheses. */
function parentOf(pid: string): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return null; // gone meanwhile
  }
}

/** Whether `pid` is still running: a zombie has finished, and a pid gone from /proc too. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Waits, at most `ms`, until none of `pids` runs. A SIGKILL is delivered, not done: under load a killed process
 * can linger for a moment, and a caller that reports "stopped" should not return while it still runs.
 */
export async function untilGone(pids: number[], ms: number): Promise<void> {
  const end = Date.now() + ms;
  let left = pids.filter(isRunning);
  while (left.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 10));
    left = left.filter(isRunning);
  }
}

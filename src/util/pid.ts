/**
 * Whether a process id names a live process. Locks and temp files carry the PID of the ptc that made them, so
 * a later run can tell what a dead process left behind from what a live one is still using.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user, which is alive all the same.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Which sandbox limit a finished command ran into, so the result says "memory limit 2 GiB reached" instead of
 * leaving a bare crash. The kernel does not say which rlimit refused a call, so this reads the signs each
 * runtime leaves:
 * - memory (RLIMIT_DATA): malloc/mmap fail with ENOMEM → Python `MemoryError`, V8 "heap out of memory" or
 *   "Array buffer allocation failed", C++ `std::bad_alloc`, libc "Cannot allocate memory".
 * - processes (RLIMIT_NPROC): fork/clone fail with EAGAIN → Python `BlockingIOError: [Errno 11]` or "can't start
 *   new thread", node `spawn … EAGAIN`, shells "Cannot fork" / "fork: retry".
 * - file size (RLIMIT_FSIZE): a write past it raises SIGXFSZ, which kills a process that does not ignore it
 *   (exit 128+25 through the shell and bwrap), or fails with EFBIG ("File too large") where it is ignored
 *   (Python ignores it).
 * - /tmp: the jail's tmpfs is full → ENOSPC ("No space left on device"). A full host disk says the same; the
 *   copy's own growth is watched by ptc and reported separately (`diskLimitHit`).
 * Only limits that are set are considered; a test that merely prints one of these words gets a wrong note at
 * worst, never a different outcome: these notes explain a result, they never change it.
 */
import type { ExecResult } from '../types.js';
import { formatSize, type SandboxLimits } from './limits.js';

const SIGXFSZ_EXIT = 128 + 25;

const MEMORY_SIGNS = /MemoryError|Cannot allocate memory|\bENOMEM\b|heap out of memory|Array buffer allocation failed|std::bad_alloc|out of memory/i;
const PROCESS_SIGNS =
  /BlockingIOError: \[Errno 11\]|can't start new thread|\bEAGAIN\b|Cannot fork|can't fork|fork: retry|fork: Resource temporarily unavailable|pthread_create/i;
const FILE_SIZE_SIGNS = /File too large|\bEFBIG\b/;
const NO_SPACE_SIGNS = /No space left on device|\bENOSPC\b/;

export function limitsHit(res: Pick<ExecResult, 'exitCode' | 'stdout' | 'stderr'>, limits: SandboxLimits, opts: { isolated: boolean }): string[] {
  const text = `${res.stdout}\n${res.stderr}`;
  const hits: string[] = [];
  if (limits.memory !== null && MEMORY_SIGNS.test(text)) {
    hits.push(`memory limit ${formatSize(limits.memory)} reached (local.limits.memory, per process)`);
  }
  if (limits.processes !== null && PROCESS_SIGNS.test(text)) {
    hits.push(`process limit ${limits.processes} reached (local.limits.processes)`);
  }
  if (limits.fileSize !== null && (res.exitCode === SIGXFSZ_EXIT || FILE_SIZE_SIGNS.test(text))) {
    hits.push(`file size limit ${formatSize(limits.fileSize)} reached (local.limits.fileSize)`);
  }
  if (opts.isolated && limits.tmp !== null && NO_SPACE_SIGNS.test(text)) {
    hits.push(`/tmp limit ${formatSize(limits.tmp)} reached (local.limits.tmp)`);
  }
  return hits;
}

export function diskLimitHit(limit: number): string {
  return `disk limit ${formatSize(limit)} reached: the code wrote more than that into its copy of the files and was stopped (local.limits.disk)`;
}

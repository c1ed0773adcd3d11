/**
 * Resource limits for the local sandbox: defaults a normal test suite never comes near but that stop a memory
 * bomb, a fork bomb or a disk filler; `local.limits` in the rc file changes them (`false` turns one off).
 */

export interface SandboxLimits {
  /** Bytes of writable memory per process (RLIMIT_DATA). */
  memory: number | null;
  /** Processes and threads of the sandbox's user (RLIMIT_NPROC). */
  processes: number | null;
  /** Largest file a process may write (RLIMIT_FSIZE). */
  fileSize: number | null;
  /** Size of the jail's /tmp (a tmpfs, so RAM). */
  tmp: number | null;
  /** How much the code may add to its copy of the files on the host's disk (watched while it runs). */
  disk: number | null;
}

/** What `local.limits` in the rc file holds: sizes as "2GiB", "512M"...; `false` for no limit. */
export interface RcLimits {
  memory?: string | false;
  processes?: number | false;
  fileSize?: string | false;
  tmp?: string | false;
  disk?: string | false;
}

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

/**
 * Memory is RLIMIT_DATA, not RLIMIT_AS: V8 reserves gigabytes of address space it never writes (a node with
 * four worker threads maps 3 GB yet writes 80 MB), so an address-space cap low enough to matter breaks node
 * tests, while RLIMIT_DATA counts what a process can actually write into. 1024 processes leave room for
 * thread-heavy runners (threads count too) on many-core hosts.
 */
export const DEFAULT_LIMITS: Readonly<SandboxLimits> = {
  memory: 2 * GIB,
  processes: 1024,
  fileSize: 1 * GIB,
  tmp: 512 * MIB,
  disk: 2 * GIB,
};

/** "2GiB", "2G", "512 MiB", "100k": binary units, as ulimit and df use them. */
export const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([kmgt])?(?:i?b)?\s*$/i;

export function parseSize(text: string): number {
  const m = SIZE_PATTERN.exec(text);
  if (!m) throw new Error(`not a size: ${JSON.stringify(text)} (use e.g. "2GiB" or "512MiB")`);
  const unit = { k: KIB, m: MIB, g: GIB, t: 1024 * GIB }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Math.floor(Number(m[1]) * unit);
}

/** 2147483648 → "2 GiB", 1572864 → "1.5 MiB". */
export function formatSize(bytes: number): string {
  const units: [number, string][] = [[1024 * GIB, 'TiB'], [GIB, 'GiB'], [MIB, 'MiB'], [KIB, 'KiB']];
  for (const [size, name] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${name}`;
  }
  return `${bytes} bytes`;
}

export function resolveLimits(rc: RcLimits | undefined): SandboxLimits {
  const size = (v: string | false | undefined, d: number | null) => (v === false ? null : v === undefined ? d : parseSize(v));
  return {
    memory: size(rc?.memory, DEFAULT_LIMITS.memory),
    processes: rc?.processes === false ? null : (rc?.processes ?? DEFAULT_LIMITS.processes),
    fileSize: size(rc?.fileSize, DEFAULT_LIMITS.fileSize),
    tmp: size(rc?.tmp, DEFAULT_LIMITS.tmp),
    disk: size(rc?.disk, DEFAULT_LIMITS.disk),
  };
}

/** `prlimit` options for the per-process limits (soft = hard, so the code cannot raise them again). */
export function prlimitArgs(limits: SandboxLimits): string[] {
  const args: string[] = [];
  if (limits.memory !== null) args.push(`--data=${limits.memory}`);
  if (limits.processes !== null) args.push(`--nproc=${limits.processes}`);
  if (limits.fileSize !== null) args.push(`--fsize=${limits.fileSize}`);
  return args;
}

/** One line for doctor and logs: "memory 2 GiB per process, 1024 processes, ...". */
export function describeLimits(limits: SandboxLimits, opts: { isolated: boolean }): string {
  const parts = [
    `memory ${limits.memory === null ? 'unlimited' : `${formatSize(limits.memory)} per process`}`,
    `${limits.processes ?? 'unlimited'} processes`,
    `files ${limits.fileSize === null ? 'unlimited' : `up to ${formatSize(limits.fileSize)}`}`,
  ];
  if (opts.isolated) parts.push(`/tmp ${limits.tmp === null ? 'unlimited' : formatSize(limits.tmp)}`);
  parts.push(`copy may grow ${limits.disk === null ? 'without limit' : `by ${formatSize(limits.disk)}`}`);
  return parts.join(', ');
}

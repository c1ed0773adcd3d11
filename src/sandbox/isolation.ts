/**
 * bubblewrap: whether it works here, and the argv that jails one command. The jail sees a read-only system,
 * the interpreters' install dirs read-only, the run's copy as the only writable place, and nothing of $HOME.
 * The code in it never runs as the host's root: see SANDBOX_UID.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, posix } from 'node:path';
import { whichOnHost } from './env.js';
import { prlimitArgs, type SandboxLimits } from './limits.js';

/** Where the copy is mounted inside the jail. Fixed, so paths in reports do not leak the host's layout. */
export const JAIL_ROOT = '/sandbox';

/** Top-level system dirs; on merged-/usr hosts most are symlinks into /usr and are recreated as symlinks. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * The few files of /etc that programs need to start (users, dynamic linker, locale, certificates). Not all of
 * /etc: pip.conf, npmrc and the like can carry private index URLs with tokens.
 */
const ETC_ENTRIES = [
  'passwd', 'group', 'nsswitch.conf', 'host.conf', 'hosts', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d',
  'localtime', 'alternatives', 'ssl', 'ca-certificates', 'mime.types', 'protocols', 'services', 'os-release',
  'debian_version', 'magic', 'magic.mime',
];

/**
 * The user generated code runs as: `nobody`, which every passwd has and which owns nothing worth reaching.
 * When ptc runs as an ordinary user, bubblewrap's user namespace maps it onto that user (the code has exactly
 * the user's rights, and sees itself as 65534). When ptc runs as root, a user namespace would map it onto the
 * host's uid 0 (root-owned files, /proc/sys and friends stay writable to it), so instead bubblewrap sets the
 * jail up as root without one, and setpriv drops to the real host uid 65534 before the command starts.
 */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

export function hostIsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** util-linux tools the jail runs, looked up where the jail can see them (the system dirs it binds). */
export function systemTool(name: 'setpriv' | 'prlimit'): string | null {
  return ['/usr/bin', '/bin', '/usr/sbin', '/sbin'].map((d) => `${d}/${name}`).find((p) => existsSync(p)) ?? null;
}

/**
 * The argv that runs `command` once the jail (or, unisolated, the spawn) is set up: drop to the sandbox user
 * when starting as root, then set the per-process limits, then the shell. prlimit sets soft and hard limits,
 * so the code cannot raise them again; it runs after the drop so that the process limit is counted for the
 * sandbox user, not root.
 */
export function innerCommand(command: string, o: { limits: SandboxLimits; dropRoot: boolean }): string[] {
  const argv: string[] = [];
  if (o.dropRoot) {
    const setpriv = systemTool('setpriv') ?? 'setpriv';
    argv.push(
      setpriv, `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_GID}`, '--clear-groups',
      '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--',
    );
  }
  const prlimit = systemTool('prlimit');
  const rl = prlimitArgs(o.limits);
  if (prlimit && rl.length > 0) argv.push(prlimit, ...rl, '--');
  argv.push('/bin/sh', '-c', command);
  return argv;
}

export interface JailSpec {
  /** The host directory of the copy; mounted read-write at JAIL_ROOT. */
  hostRoot: string;
  /** Interpreter install dirs outside the system dirs (pyenv, nvm, ...), mounted read-only at the same path. */
  extraReadOnly: string[];
  /** Working directory inside the jail (absolute, under JAIL_ROOT). */
  cwd: string;
  /** Host directories shown read-only inside the copy (the project's node_modules), after the copy is mounted. */
  readOnlyInside?: { hostPath: string; jailPath: string }[];
  /** Size of the jail's /tmp in bytes (null: no size given, the kernel's default of half the RAM). */
  tmpSize?: number | null;
}

function systemDirArgs(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else args.push('--ro-bind', dir, dir);
  }
  return args;
}

let etcArgsCache: string[] | null = null;

async function etcArgs(): Promise<string[]> {
  if (etcArgsCache) return etcArgsCache;
  const args: string[] = [];
  for (const name of ETC_ENTRIES) {
    const path = `/etc/${name}`;
    if (existsSync(path)) args.push('--ro-bind', path, path);
  }
  // Debian's per-version python config (sitecustomize and friends).
  try {
    for (const name of await readdir('/etc')) {
      if (/^python3(\.\d+)?$/.test(name)) args.push('--ro-bind', `/etc/${name}`, `/etc/${name}`);
    }
  } catch {
    // no /etc listing: run with what we have
  }
  etcArgsCache = args;
  return args;
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** Drops dirs already visible through the system binds or through another listed dir. */
export function extraMountsNeeded(dirs: string[]): string[] {
  const absolute = [...new Set(dirs.filter((d) => isAbsolute(d) && existsSync(d)))].sort();
  const kept: string[] = [];
  for (const dir of absolute) {
    if (SYSTEM_DIRS.some((sys) => isUnder(dir, sys))) continue;
    if (isUnder(dir, JAIL_ROOT)) continue;
    if (kept.some((k) => isUnder(dir, k))) continue;
    kept.push(dir);
  }
  return kept;
}

/**
 * Namespaces and capabilities. As root: every namespace but the user one (see SANDBOX_UID), and only the
 * capabilities setpriv needs to drop to the sandbox user (it gives them up with the uid; no_new_privs, which
 * bwrap always sets, keeps setuid binaries from handing them back). Otherwise: a user namespace too, in which
 * the code is uid 65534 with no capabilities.
 */
function namespaceArgs(asRoot: boolean): string[] {
  const common = ['--die-with-parent', '--new-session', '--hostname', 'ptc-sandbox'];
  if (asRoot) {
    return [
      '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try', ...common,
      '--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP',
    ];
  }
  return [
    '--unshare-all', ...common, '--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_GID), '--cap-drop', 'ALL',
  ];
}

/**
 * /proc of the jail's own pid namespace, with the kernel's knobs read-only: bwrap covers /proc/irq and /proc/bus
 * but leaves /proc/sys writable to whoever owns it, and /proc/sysrq-trigger can reboot the host.
 */
const PROC_ARGS = ['--proc', '/proc', '--ro-bind', '/proc/sys', '/proc/sys', '--ro-bind-try', '/proc/sysrq-trigger', '/proc/sysrq-trigger'];

/**
 * Directories bwrap would create on its own to hold a mount point are mode 0700: fine for the namespace's
 * owner, unreadable for the sandbox user when the jail is set up as root. Creates each ancestor 0755 first.
 */
function parentDirArgs(targets: string[]): string[] {
  const made = new Set<string>(['/']);
  const args: string[] = [];
  for (const target of targets) {
    const parts = target.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (made.has(dir)) continue;
      made.add(dir);
      args.push('--perms', '0755', '--dir', dir);
    }
  }
  return args;
}

/** The bwrap arguments up to (not including) the command. */
export async function bwrapArgs(spec: JailSpec, asRoot = hostIsRoot()): Promise<string[]> {
  const etc = await etcArgs();
  const extra = extraMountsNeeded(spec.extraReadOnly);
  const args = [
    ...namespaceArgs(asRoot),
    ...systemDirArgs(),
    ...(etc.length > 0 ? ['--perms', '0755', '--dir', '/etc'] : []),
    ...etc,
    ...PROC_ARGS,
    '--dev', '/dev',
    // A tmpfs is RAM: its size is a limit too. 1777 so that the sandbox user can use it.
    '--perms', '1777',
    ...(spec.tmpSize ? ['--size', String(spec.tmpSize)] : []),
    '--tmpfs', '/tmp',
  ];
  args.push(...parentDirArgs(extra));
  for (const dir of extra) args.push('--ro-bind', dir, dir);
  args.push('--bind', spec.hostRoot, JAIL_ROOT);
  for (const m of spec.readOnlyInside ?? []) args.push('--ro-bind', m.hostPath, m.jailPath);
  args.push('--chdir', spec.cwd);
  return args;
}

/** The jail's path for a path relative to the copy. */
export function jailPath(relative: string): string {
  return posix.join(JAIL_ROOT, relative);
}

/** The bwrap binary on this machine, usable or not. */
export function findBwrap(explicitPath?: string): string | null {
  if (explicitPath) return existsSync(explicitPath) ? explicitPath : null;
  return ['/usr/bin/bwrap', '/usr/local/bin/bwrap'].find((p) => existsSync(p)) ?? whichOnHost('bwrap');
}

const NO_LIMITS: SandboxLimits = { memory: null, processes: null, fileSize: null, tmp: null, disk: null };

const bwrapProbes = new Map<string, Promise<string | null>>();

/**
 * The bwrap binary when it can actually build a jail here (it may be installed yet blocked, e.g. where
 * unprivileged user namespaces are disabled). Checked once per process and binary.
 */
export function usableBwrap(explicitPath?: string): Promise<string | null> {
  const bin = findBwrap(explicitPath);
  if (!bin) return Promise.resolve(null);
  let probe = bwrapProbes.get(bin);
  if (!probe) {
    probe = probeBwrap(bin);
    bwrapProbes.set(bin, probe);
  }
  return probe;
}

/** Builds the same kind of jail the runs use (as root: dropping to the sandbox user too). */
async function probeBwrap(bin: string): Promise<string | null> {
  const asRoot = hostIsRoot();
  const args = [
    ...namespaceArgs(asRoot), ...systemDirArgs(), ...PROC_ARGS, '--dev', '/dev', '--perms', '1777', '--tmpfs', '/tmp',
    '--', ...innerCommand('exit 0', { limits: NO_LIMITS, dropRoot: asRoot }),
  ];
  const ok = await new Promise<boolean>((resolve) => {
    const child = spawn(bin, args, { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
  return ok ? bin : null;
}

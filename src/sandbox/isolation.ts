/**
 * bubblewrap: whether it works here, and the argv that jails one command. The jail sees a read-only system,
 * the interpreters' install dirs read-only, the run's copy as the only writable place, and nothing of $HOME.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, posix } from 'node:path';
import { whichOnHost } from './env.js';

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

export interface JailSpec {
  /** The host directory of the copy; mounted read-write at JAIL_ROOT. */
  hostRoot: string;
  /** Interpreter install dirs outside the system dirs (pyenv, nvm, ...), mounted read-only at the same path. */
  extraReadOnly: string[];
  /** Working directory inside the jail (absolute, under JAIL_ROOT). */
  cwd: string;
  /** Host directories shown read-only inside the copy (the project's node_modules), after the copy is mounted. */
  readOnlyInside?: { hostPath: string; jailPath: string }[];
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

/** The bwrap arguments up to (not including) the command. */
export async function bwrapArgs(spec: JailSpec): Promise<string[]> {
  const args = [
    '--unshare-all', // net, pid, ipc, uts, cgroup (and user where allowed)
    '--die-with-parent',
    '--new-session',
    '--cap-drop', 'ALL', // root inside must not be able to remount the read-only binds
    '--hostname', 'ptc-sandbox',
    ...systemDirArgs(),
    ...(await etcArgs()),
    '--proc', '/proc',
    '--dev', '/dev',
    '--tmpfs', '/tmp',
  ];
  for (const dir of extraMountsNeeded(spec.extraReadOnly)) args.push('--ro-bind', dir, dir);
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

async function probeBwrap(bin: string): Promise<string | null> {
  const args = [
    '--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL',
    ...systemDirArgs(), '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--', '/bin/sh', '-c', 'exit 0',
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

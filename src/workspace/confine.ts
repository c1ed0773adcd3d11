/**
 * Where a directory or file named by a user or client really is, once symlinks are followed, and whether it
 * may be used: never `.git` or inside it (git runs what its config says), never ptc's user configuration
 * folder, and, for a server, strictly inside its root. Comparisons are by path segments, not string prefixes,
 * so the root `/srv/a` never admits `/srv/ab`.
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { userConfigDir } from '../config/files.js';
import { UsageError } from '../errors.js';

/** `path` is `root` or lies inside it (both absolute and normalised). */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Whether any segment of the path is `.git` (or its Windows short name), in any case. */
export function hasGitSegment(path: string): boolean {
  return path.split(/[\\/]+/).some((s) => {
    const lower = s.toLowerCase();
    return lower === '.git' || lower === 'git~1';
  });
}

/** realpath of a path that may not exist yet: its deepest existing ancestor resolved, the rest appended. */
export async function realpathLoose(path: string): Promise<string> {
  const missing: string[] = [];
  let cur = resolve(path);
  for (;;) {
    try {
      return join(await realpath(cur), ...missing.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = dirname(cur);
      if (parent === cur) return path;
      missing.push(basename(cur));
      cur = parent;
    }
  }
}

export interface ConfineOptions {
  /** What the path is, for messages: `out`, `dir`, `replyFile`, `--out`. */
  what: string;
  /** A server's root: the path must lie inside it, after symlinks. */
  root?: string;
  /** Error codes, so each front end keeps the code it always reported. */
  outsideCode?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The path as it really is (symlinks resolved), or a UsageError saying why it may not be used. `given` is what
 * the user or client wrote, quoted in messages; `abs` is it resolved against the working directory or root.
 */
export async function confinePath(abs: string, given: string, opts: ConfineOptions): Promise<string> {
  const outside = () =>
    new UsageError(`${opts.what} ${given} is outside the directory this server may use (${opts.root})`, {
      code: opts.outsideCode ?? 'path_outside_root',
      hint: `give a path inside ${opts.root}`,
    });
  if (opts.root && !isWithin(resolve(opts.root), abs)) throw outside();
  const real = await realpathLoose(abs);
  if (opts.root) {
    const realRoot = await realpathLoose(opts.root);
    // A symlink inside the root may lead anywhere: what counts is where it leads.
    if (!isWithin(realRoot, real)) throw outside();
    if (hasGitSegment(relative(realRoot, real)) || hasGitSegment(relative(resolve(opts.root), abs))) throw inGit(opts.what, given);
  } else if (hasGitSegment(real) || hasGitSegment(abs)) {
    throw inGit(opts.what, given);
  }
  if (opts.env) {
    const configDir = await realpathLoose(userConfigDir(opts.env));
    if (isWithin(configDir, real)) {
      throw new UsageError(`${opts.what} ${given} is ptc's own configuration folder (${configDir})`, {
        code: 'path_in_config',
        hint: 'choose a folder for code, not for configuration',
      });
    }
  }
  return real;
}

function inGit(what: string, given: string): UsageError {
  return new UsageError(`${what} ${given} is inside a .git folder: ptc never writes or reads there`, {
    code: 'path_in_git',
    hint: 'choose a folder outside .git',
  });
}

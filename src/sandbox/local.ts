/**
 * The local sandbox: a fresh temporary copy of the files, and commands run on it inside bubblewrap (or, only
 * when the user says so, as a plain process group). Never the user's directory, never the user's environment.
 */
import { chmod, lchown, lstat, mkdir, mkdtemp, readFile, realpath, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { SandboxError } from '../errors.js';
import type { ChosenInterpreter, ExecOptions, ExecResult, Logger, Sandbox, SandboxFile } from '../types.js';
import { silentLogger } from '../types.js';
import { buildSandboxEnv, hostInterpreters, type HostInterpreters } from './env.js';
import { DEFAULT_OUTPUT_CAP_BYTES, LiveProcesses, runProcess, type ProcessSpec } from './exec-local.js';
import {
  bwrapArgs,
  findBwrap,
  hostIsRoot,
  innerCommand,
  JAIL_ROOT,
  SANDBOX_GID,
  SANDBOX_UID,
  systemTool,
  usableBwrap,
} from './isolation.js';
import { diskUsage, watchDisk } from './disk-watch.js';
import { diskLimitHit, limitsHit } from './limit-hit.js';
import { DEFAULT_LIMITS, type SandboxLimits } from './limits.js';
import { copyPrefix, sweepStaleCopiesOnce } from './stale-copies.js';
import { isInside } from '../util/inside.js';
import { insidePath } from '../workspace/paths.js';
import { RESULTS_FD } from './result-reporters.js';
import { makeDirs } from '../util/make-dirs.js';

export interface LocalSandboxOptions {
  isolation: 'auto' | 'bwrap' | 'none';
  /** `local.python`: the interpreter to run python tests with; else the first python on PATH with pytest. */
  python?: string | null;
  /** With `auto`: fall back to an unisolated process when bubblewrap is missing (`--no-isolation`). */
  allowNoIsolation?: boolean;
  /** Leave the copy on disk after dispose (`--keep`); its path is logged. */
  keep?: boolean;
  /** Per stream, per command. Default 1 MiB. */
  outputCapBytes?: number;
  logger?: Logger;
  /** Parent of the temporary copy. Default os.tmpdir(). */
  tmpRoot?: string;
  /** The bubblewrap binary to use instead of the one found on the system (unusual installs, tests). */
  bwrapPath?: string;
  /**
   * Host directories the code may read, shown at a relative path inside the copy: a project's installed
   * node_modules, which the copy leaves out and the sandbox has no network to install. Read-only under
   * bubblewrap; a symlink without isolation.
   */
  readOnlyMounts?: { hostPath: string; path: string }[];
  /** Resource limits for the code (`local.limits`). Default DEFAULT_LIMITS. */
  limits?: SandboxLimits;
}

/** Scratch dirs inside the copy: HOME, TMPDIR (unisolated mode) and the runner's reports. */
const HOME_DIR = '.ptc/home';
const TMP_DIR = '.ptc/tmp';

const INSTALL_BWRAP_HINT =
  'install bubblewrap (`apt-get install bubblewrap`, `dnf install bubblewrap`), or pass --no-isolation to run ' +
  'generated code directly on this machine at your own risk';

const USERNS_HINT =
  'bubblewrap needs unprivileged user namespaces: allow them (e.g. on Ubuntu 24.04 ' +
  '`sysctl kernel.apparmor_restrict_unprivileged_userns=0`), or pass --no-isolation to run generated code ' +
  'directly on this machine at your own risk';

/** The isolation check alone, for the checks made before a model call is paid for (app/preflight.ts). */
export async function checkLocalIsolation(opts: Pick<LocalSandboxOptions, 'isolation' | 'allowNoIsolation' | 'bwrapPath'>): Promise<void> {
  await resolveIsolation(opts);
}

async function resolveIsolation(opts: Pick<LocalSandboxOptions, 'isolation' | 'allowNoIsolation' | 'bwrapPath'>): Promise<string | null> {
  if (opts.isolation === 'none') return null;
  const bwrap = await usableBwrap(opts.bwrapPath);
  if (bwrap) return bwrap;
  if (opts.isolation === 'auto' && opts.allowNoIsolation) return null;
  const installed = findBwrap(opts.bwrapPath) !== null;
  if (installed && hostIsRoot() && !systemTool('setpriv')) {
    throw new SandboxError('refusing to run generated code as root: setpriv, which drops to an unprivileged user, is missing', {
      code: 'sandbox_no_isolation',
      hint: 'install util-linux (it provides setpriv), or run ptc as an ordinary user',
      retryable: false,
    });
  }
  throw new SandboxError(
    installed
      ? 'refusing to run generated code without isolation: bubblewrap is installed but cannot create a sandbox here'
      : 'refusing to run generated code without isolation: bubblewrap (bwrap) is not installed',
    { code: 'sandbox_no_isolation', hint: installed ? USERNS_HINT : INSTALL_BWRAP_HINT, retryable: false },
  );
}

/** Starts the checks createLocalSandbox awaits (both memoised per process), so they overlap other work. */
export function warmUpLocalSandbox(bwrapPath?: string, python: string | null = null): void {
  void usableBwrap(bwrapPath);
  void hostInterpreters(python);
}

export async function createLocalSandbox(opts: LocalSandboxOptions): Promise<Sandbox> {
  const logger = opts.logger ?? silentLogger;
  // Start asking python where it lives while bwrap is checked: both are needed before the first command.
  const interpreters = hostInterpreters(opts.python ?? null);
  const tmpRoot = opts.tmpRoot ?? tmpdir();
  // Copies left by runs that were killed go now, while bwrap and python are being checked.
  const sweep = sweepStaleCopiesOnce(tmpRoot);
  const bwrap = await resolveIsolation(opts);
  // As root, the code runs as the sandbox user (see SANDBOX_UID), which must own the copy to write in it.
  const owner = hostIsRoot() ? { uid: SANDBOX_UID, gid: SANDBOX_GID } : null;
  let dir: string;
  try {
    dir = await realpath(await mkdtemp(join(tmpRoot, copyPrefix())));
    await mkdir(join(dir, HOME_DIR), { recursive: true });
    await mkdir(join(dir, TMP_DIR), { recursive: true });
    if (owner) {
      for (const d of [join(dir, '.ptc'), join(dir, HOME_DIR), join(dir, TMP_DIR)]) await lchown(d, owner.uid, owner.gid);
      // Group root keeps the copy enterable for bwrap, which sets the jail up as root without any capability.
      await lchown(dir, owner.uid, 0);
      await chmod(dir, 0o770);
    }
  } catch (err) {
    throw new SandboxError(`could not create the sandbox's temporary directory: ${(err as Error).message}`, {
      code: 'sandbox_create_failed',
      hint: 'check that the temporary directory (TMPDIR) exists and is writable',
      retryable: false,
    });
  }
  if (!bwrap) {
    // Not as root even here: the contract says generated code never runs as the host's root.
    const as = owner ? ` as uid ${SANDBOX_UID} (nobody), not root` : '';
    logger.warn(
      `running generated code WITHOUT isolation (no bubblewrap)${as}: it can read your files and use the network; copy at ${dir}`,
    );
    for (const m of opts.readOnlyMounts ?? []) {
      const link = join(dir, normalizeRelative(m.path));
      await makeDirs(dirname(link));
      await symlink(m.hostPath, link);
    }
  }
  if (!systemTool('prlimit')) {
    logger.warn('prlimit (util-linux) not found: generated code runs without memory, process and file size limits');
  }
  const removed = await sweep;
  if (removed.length > 0) logger.debug(`removed ${removed.length} sandbox cop${removed.length > 1 ? 'ies' : 'y'} of runs that were killed`);
  return new LocalSandbox(dir, bwrap, await interpreters, opts, logger, owner);
}

class LocalSandbox implements Sandbox {
  readonly kind = 'local' as const;
  private readonly live = new LiveProcesses();
  private disposed = false;
  private readonly limits: SandboxLimits;
  readonly python: ChosenInterpreter | null;
  /** The copy's disk use before the code's first command since the last prepare (null: measure again). */
  private baseline: number | null = null;

  constructor(
    public root: string,
    private readonly bwrap: string | null,
    private readonly interpreters: HostInterpreters,
    private readonly opts: LocalSandboxOptions,
    private readonly logger: Logger,
    /** Who must own what ptc puts into the copy (the sandbox user, when ptc runs as root). */
    private readonly owner: { uid: number; gid: number } | null,
  ) {
    this.limits = opts.limits ?? { ...DEFAULT_LIMITS };
    const py = interpreters.python;
    this.python = py ? { executable: py.executable, chosenBy: py.chosenBy, tried: py.tried } : null;
    if (py) logger.debug(`python for tests: ${py.executable} (${py.chosenBy}${py.pytest ? `, pytest ${py.pytest}` : ''})`);
  }

  async prepare(files: SandboxFile[], remove: string[] = []): Promise<void> {
    this.assertOpen();
    this.baseline = null; // what ptc puts in is not the code's disk use
    try {
      for (const path of remove) {
        const target = await this.resolveInside(path).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return null; // its directory is already gone
          throw err;
        });
        if (target) await rm(target, { force: true, recursive: true });
      }
      for (const file of files) {
        const target = await this.resolveInside(file.path, { createParent: true });
        // A symlink left by earlier generated code must not make ptc write outside the copy.
        await unlink(target).catch(() => undefined);
        await writeFile(target, file.content, { flag: 'wx' });
        if (this.owner) await lchown(target, this.owner.uid, this.owner.gid);
      }
    } catch (err) {
      if (err instanceof SandboxError) throw err;
      throw new SandboxError(`could not put the files into the sandbox copy: ${(err as Error).message}`, {
        code: 'sandbox_prepare_failed',
        hint: `check free space and permissions under ${this.root}`,
        retryable: false,
      });
    }
  }

  async exec(command: string, opts: ExecOptions): Promise<ExecResult> {
    this.assertOpen();
    const cwdRel = normalizeRelative(opts.cwd ?? '.');
    const spec = this.bwrap ? await this.jailedSpec(command, cwdRel, opts) : this.hostSpec(command, cwdRel, opts);
    const diskLimit = this.limits.disk;
    let diskHit = false;
    let stopWatch = (): void => {};
    if (diskLimit !== null) {
      this.baseline ??= await diskUsage(this.root);
      stopWatch = watchDisk(this.root, this.baseline, diskLimit, () => {
        diskHit = true;
        this.live.killAll();
      });
    }
    let res: ExecResult;
    try {
      res = await runProcess(spec, {
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        outputCapBytes: this.opts.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES,
        track: this.live,
        resultsPipe: opts.resultsChannel === true,
      });
    } finally {
      stopWatch();
    }
    const hits = limitsHit(res, this.limits, { isolated: this.bwrap !== null });
    if (diskHit) hits.unshift(diskLimitHit(diskLimit!));
    if (hits.length === 0) return res;
    // Said in the output too, so that a report built from its tail (and a repair prompt) names the limit.
    return { ...res, stderr: `${res.stderr}\nptc: ${hits.join('; ')}`, limitsHit: hits };
  }

  async readFile(path: string): Promise<Buffer | null> {
    let target: string;
    try {
      target = await this.resolveInside(path);
      // The final component may be a symlink planted by the code: follow it only if it stays inside.
      const real = await realpath(target);
      if (!isInside(this.root, real)) return null;
      return await readFile(real);
    } catch {
      return null;
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.live.killAll();
    if (this.opts.keep) {
      // Renamed out of the ptc-run-<pid>- pattern, so no later run sweeps it as the leftover of a dead one.
      const kept = join(dirname(this.root), basename(this.root).replace(/^ptc-run-/, 'ptc-kept-'));
      await rename(this.root, kept).then(
        () => (this.root = kept),
        () => undefined,
      );
      this.logger.info(`kept the sandbox copy at ${this.root}`);
      return;
    }
    await rm(this.root, { recursive: true, force: true, maxRetries: 3 }).catch((err: Error) => {
      this.logger.warn(`could not remove the sandbox copy at ${this.root}: ${err.message}`);
    });
  }

  /** The command's extra environment, with the results pipe's fd when one was asked for (see runProcess). */
  private extraEnv(opts: ExecOptions): Record<string, string> | undefined {
    return opts.resultsChannel ? { ...opts.env, PTC_RESULTS_FD: String(RESULTS_FD) } : opts.env;
  }

  private async jailedSpec(command: string, cwdRel: string, opts: ExecOptions): Promise<ProcessSpec> {
    // The python's own folder too: `local.python` may name a link outside the interpreter's prefix.
    const py = this.interpreters.python;
    const extra = [...(py ? [dirname(py.executable), ...py.prefixes] : []), this.interpreters.nodePrefix];
    const args = await bwrapArgs({
      hostRoot: this.root,
      extraReadOnly: extra,
      cwd: posix.join(JAIL_ROOT, cwdRel),
      readOnlyInside: (this.opts.readOnlyMounts ?? []).map((m) => ({
        hostPath: m.hostPath,
        jailPath: posix.join(JAIL_ROOT, normalizeRelative(m.path)),
      })),
      tmpSize: this.limits.tmp,
    });
    const env = buildSandboxEnv({
      pathDirs: this.interpreters.pathDirs,
      home: posix.join(JAIL_ROOT, HOME_DIR),
      tmpDir: '/tmp',
      extra: this.extraEnv(opts),
      python: this.python?.executable,
    });
    const inner = innerCommand(command, { limits: this.limits, dropRoot: this.owner !== null });
    return { file: this.bwrap!, args: [...args, '--', ...inner], env, cwd: this.root };
  }

  private hostSpec(command: string, cwdRel: string, opts: ExecOptions): ProcessSpec {
    const env = buildSandboxEnv({
      pathDirs: this.interpreters.pathDirs,
      home: join(this.root, HOME_DIR),
      tmpDir: join(this.root, TMP_DIR),
      extra: this.extraEnv(opts),
      python: this.python?.executable,
    });
    // Unisolated as root: spawned as the sandbox user straight away (Node drops the uid and groups).
    const [file, ...args] = innerCommand(command, { limits: this.limits, dropRoot: false });
    return { file: file!, args, env, cwd: join(this.root, cwdRel), ...(this.owner ?? {}) };
  }

  /** A host path inside the copy for a relative sandbox path; refuses anything that would leave it. */
  private async resolveInside(path: string, o: { createParent?: boolean } = {}): Promise<string> {
    const rel = normalizeRelative(path);
    if (rel === '.') throw badPath(path);
    const parts = rel.split('/');
    const name = parts.pop()!;
    let dir = this.root;
    for (const part of parts) {
      dir = join(dir, part);
      // Walk one level at a time so that a symlinked directory planted by the code is never followed.
      const st = await lstat(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' && o.createParent) return null;
        throw err;
      });
      if (st === null) {
        await mkdir(dir);
        if (this.owner) await lchown(dir, this.owner.uid, this.owner.gid);
      } else if (!st.isDirectory()) throw badPath(path);
    }
    return join(dir, name);
  }

  private assertOpen(): void {
    if (this.disposed) {
      throw new SandboxError('the local sandbox was already disposed', {
        code: 'sandbox_disposed',
        hint: null,
        retryable: false,
      });
    }
  }
}

function normalizeRelative(path: string): string {
  const norm = insidePath(path);
  if (norm === null) throw badPath(path);
  return norm;
}

function badPath(path: string): SandboxError {
  return new SandboxError(`refusing a path outside the sandbox copy: ${JSON.stringify(path)}`, {
    code: 'sandbox_bad_path',
    hint: 'paths must be relative and stay inside the output directory',
    retryable: false,
  });
}

/**
 * Safe writes: plan first (what would be written, what is refused, what would be overwritten), then commit
 * all-or-nothing. Nothing outside the output directory is ever touched, through `..` or through symlinks.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, readFile, realpath, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ReplyError, UsageError } from '../errors.js';
import type { FileKind, GeneratedFile } from '../types.js';
import { checkPath, displayPath } from './paths.js';
import { checkReplyFile } from './reply-file-check.js';
import { isInside } from '../util/inside.js';
import { acquireLock, LockTimeoutError } from '../util/lock.js';
import { makeDirsListed } from '../util/make-dirs.js';
import { sha256 } from '../util/sha256.js';
import { removeStaleTemps } from './stale-temps.js';

export interface PlannedFile {
  /** Normalised relative POSIX path. */
  path: string;
  kind: FileKind;
  bytes: number;
  sha256: string;
  content: string;
  exists: boolean;
  /** `unchanged`: the file on disk already has this content, so it is not rewritten. */
  action: 'create' | 'overwrite' | 'unchanged';
  /** What an overwritten file holds now (for a dry run's diff); null when too large to read. */
  previous?: string | null;
}

export interface WritePlan {
  /** Absolute. */
  outDir: string;
  files: PlannedFile[];
  refused: { path: string; reason: string }[];
  /** Existing files that would be overwritten with different content. */
  conflicts: string[];
  force: boolean;
}

export interface PlanOptions {
  force: boolean;
  maxFiles?: number;
  maxBytes?: number;
  maxFileBytes?: number;
  /** Paths ptc itself wrote earlier in this run (repair rounds): rewriting them is not a conflict. */
  owned?: Set<string>;
  /** Configured secret values: a file holding one is refused. */
  secrets?: readonly string[];
  /** The user's files and what would shadow their tests (user-paths.ts): why a path is refused, or null. */
  protect?: (path: string, content: string) => string | null;
}

export const DEFAULT_LIMITS = { maxFiles: 200, maxBytes: 5 * 1024 * 1024, maxFileBytes: 1024 * 1024 } as const;

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return null;
    throw err;
  }
}

/** realpath of a path that may not exist yet: the deepest existing ancestor resolved, the rest appended. */
async function realpathLoose(path: string): Promise<string> {
  const missing: string[] = [];
  let cur = path;
  for (;;) {
    try {
      return join(await realpath(cur), ...missing.reverse());
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      const parent = dirname(cur);
      if (parent === cur) return path;
      missing.push(basename(cur));
      cur = parent;
    }
  }
}

type DiskState =
  | { kind: 'refused'; reason: string }
  | { kind: 'absent' }
  | { kind: 'file'; sha256: string | null; content: Buffer | null };

/** What is on disk at `rel` under `root`, following each existing component to make sure it stays inside. */
async function inspect(root: string, realRoot: string, rel: string, maxFileBytes: number): Promise<DiskState> {
  const segments = rel.split('/');
  let cur = root;
  for (let i = 0; i < segments.length; i++) {
    cur = join(cur, segments[i]!);
    const st = await lstatOrNull(cur);
    if (!st) return { kind: 'absent' };
    const last = i === segments.length - 1;
    let target = st;
    if (st.isSymbolicLink()) {
      let resolved: string;
      try {
        resolved = await realpath(cur);
      } catch {
        return { kind: 'refused', reason: `${segments.slice(0, i + 1).join('/')} is a broken symlink` };
      }
      if (!isInside(realRoot, resolved)) {
        return { kind: 'refused', reason: `${segments.slice(0, i + 1).join('/')} is a symlink leading outside the output directory` };
      }
      target = await stat(cur);
    }
    if (!last && !target.isDirectory()) {
      return { kind: 'refused', reason: `${segments.slice(0, i + 1).join('/')} is a file, not a folder` };
    }
    if (last) {
      if (target.isDirectory()) return { kind: 'refused', reason: 'a folder exists at this path' };
      if (!target.isFile()) return { kind: 'refused', reason: 'something other than a file exists at this path' };
      if (st.isSymbolicLink()) return { kind: 'refused', reason: 'a symlink exists at this path' };
      const content = target.size <= maxFileBytes ? await readFile(cur) : null;
      return { kind: 'file', sha256: content ? sha256(content) : null, content };
    }
  }
  return { kind: 'absent' };
}

function tooLarge(message: string, key: string): ReplyError {
  return new ReplyError(message, {
    code: 'reply_too_large',
    hint: `raise ${key} in your rc file (limits.maxFiles / limits.maxBytes / limits.maxFileBytes) if this is expected`,
  });
}

/** Decide what writing `files` under `outDir` would do. Touches nothing. */
export async function planWrite(outDir: string, files: GeneratedFile[], opts: PlanOptions): Promise<WritePlan> {
  const root = resolve(outDir);
  const maxFiles = opts.maxFiles ?? DEFAULT_LIMITS.maxFiles;
  const maxBytes = opts.maxBytes ?? DEFAULT_LIMITS.maxBytes;
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes;
  const rootStat = await lstatOrNull(root);
  if (rootStat && !(await stat(root)).isDirectory()) {
    throw new UsageError(`the output path ${root} exists and is not a folder`, {
      code: 'out_not_dir',
      hint: 'choose another --out',
    });
  }
  const realRoot = await realpathLoose(root);

  const refused: WritePlan['refused'] = [];
  const accepted = new Map<string, GeneratedFile>();
  for (const file of files) {
    const check = checkReplyFile(file.path, file.content, opts.secrets);
    const guarded = check.ok ? (opts.protect?.(check.path, file.content) ?? null) : null;
    if (!check.ok) refused.push({ path: file.path, reason: check.reason });
    else if (guarded) refused.push({ path: file.path, reason: guarded });
    else {
      accepted.delete(check.path); // last wins, and moves to its latest place
      accepted.set(check.path, file);
    }
  }
  // `a.py` as a file and `a.py/b.py` would need `a.py` to be both: keep the deeper one.
  const folders = new Set<string>();
  for (const path of accepted.keys()) {
    for (let at = path.indexOf('/'); at > 0; at = path.indexOf('/', at + 1)) folders.add(path.slice(0, at));
  }
  for (const path of [...accepted.keys()]) {
    if (folders.has(path)) {
      accepted.delete(path);
      refused.push({ path, reason: 'also used as a folder by another file of the reply' });
    }
  }

  // Before any disk access, so a reply with 100 000 files costs nothing to refuse.
  if (accepted.size > maxFiles) {
    throw tooLarge(`the reply has ${accepted.size} files, more than the limit of ${maxFiles}`, 'limits.maxFiles');
  }
  const planned: PlannedFile[] = [];
  const conflicts: string[] = [];
  for (const [path, file] of accepted) {
    const disk = await inspect(root, realRoot, path, maxFileBytes);
    if (disk.kind === 'refused') {
      refused.push({ path: file.path, reason: disk.reason });
      continue;
    }
    const bytes = Buffer.byteLength(file.content);
    const digest = sha256(file.content);
    const exists = disk.kind === 'file';
    const action = !exists ? 'create' : disk.sha256 === digest ? 'unchanged' : 'overwrite';
    if (action === 'overwrite' && !opts.owned?.has(path)) conflicts.push(path);
    const previous = action === 'overwrite' && disk.kind === 'file' ? (disk.content?.toString('utf8') ?? null) : undefined;
    planned.push({ path, kind: file.kind, bytes, sha256: digest, content: file.content, exists, action, ...(previous !== undefined ? { previous } : {}) });
  }

  if (files.length > 0 && planned.length === 0) {
    const first = refused[0]!;
    throw new ReplyError(
      `every file in the reply was refused (${refused.length}); e.g. ${JSON.stringify(displayPath(first.path))}: ${first.reason}`,
      { code: 'reply_all_unsafe', hint: 'file paths must be relative and stay inside the output directory', retryable: true },
    );
  }
  const big = planned.find((f) => f.bytes > maxFileBytes);
  if (big) {
    throw tooLarge(`${big.path} is ${big.bytes} bytes, more than the per-file limit of ${maxFileBytes}`, 'limits.maxFileBytes');
  }
  const total = planned.reduce((sum, f) => sum + f.bytes, 0);
  if (total > maxBytes) {
    throw tooLarge(`the reply's files total ${total} bytes, more than the limit of ${maxBytes}`, 'limits.maxBytes');
  }
  return { outDir: root, files: planned, refused, conflicts, force: opts.force };
}

function sidePath(dest: string, suffix: string): string {
  // The PID lets a later run tell a dead process's leftovers from a live one's (see stale-temps.ts).
  return join(dirname(dest), `.${basename(dest)}.${process.pid}-${randomBytes(4).toString('hex')}.${suffix}`);
}

interface JournalEntry {
  dest: string;
  /** Where the previous file was moved aside, to put back on failure. */
  backup: string | null;
  /** Whether `dest` now holds a file this run put there. */
  placed: boolean;
}

export interface CommitOptions {
  /** Files the reply deleted: moved aside with the writes, removed once all of them are in place. */
  remove?: string[];
  /** Stops a wait for the folder's lock (SIGINT, SIGTERM, --timeout). */
  signal?: AbortSignal;
  /** Told when another ptc process holds the folder's lock, so the wait is not silent. */
  onWait?: (holderPid: number | null) => void;
  /** Called at fixed points of the commit; lets a caller (a test) act at a known moment instead of by timing. */
  onStage?: (stage: 'locked' | 'temps-written') => unknown;
  /** How long to wait for another process's write to the same folder. */
  lockTimeoutMs?: number;
}

/** The lock every ptc process takes to write into a folder; ptc's own `.ptc` folder holds it. */
export function writeLockPath(outDir: string): string {
  return join(resolve(outDir), '.ptc', 'write.lock');
}

/**
 * Carry out a plan: every file is written to a temp file beside its destination and renamed into place,
 * under the folder's lock so two ptc processes writing one folder take turns. On any failure everything this
 * call did is undone (files it created removed, replaced ones restored, its temp files deleted, folders it
 * created removed if they are empty) and a UsageError `write_failed` is thrown. Nothing another process put
 * there meanwhile is touched. Returns the plan's files (all now on disk).
 */
export async function commitWrite(plan: WritePlan, opts: CommitOptions = {}): Promise<PlannedFile[]> {
  if (plan.conflicts.length > 0 && !plan.force) {
    throw new UsageError(`refusing to overwrite existing files: ${plan.conflicts.join(', ')}`, {
      code: 'overwrite_refused',
      hint: 'pass --force to overwrite them, or choose another --out',
    });
  }
  const root = plan.outDir;
  const createdDirs = await makeDirsListed(dirname(writeLockPath(root))).catch((err: unknown) => {
    throw writeFailed(root, root, err);
  });
  let release: () => Promise<void>;
  try {
    release = await acquireLock(writeLockPath(root), {
      signal: opts.signal,
      onWait: opts.onWait,
      timeoutMs: opts.lockTimeoutMs ?? 60_000,
    });
  } catch (err) {
    await removeEmptyDirs(createdDirs);
    if (err instanceof LockTimeoutError) {
      throw new UsageError(`${root} is being written by another ptc process${err.holderPid ? ` (pid ${err.holderPid})` : ''}; nothing was written`, {
        code: 'write_locked',
        hint: `try again when it is done; if no ptc is running, remove ${err.path}`,
        retryable: true,
      });
    }
    throw err;
  }
  try {
    await opts.onStage?.('locked');
    await writeLocked(plan, opts, createdDirs);
  } catch (err) {
    await release();
    await removeEmptyDirs(createdDirs);
    throw err;
  }
  await release();
  return plan.files;
}

function writeFailed(current: string, root: string, err: unknown): UsageError {
  const reason = errnoCode(err) ?? (err instanceof Error ? err.message : String(err));
  return new UsageError(`could not write ${current}: ${reason}; nothing was written`, {
    code: 'write_failed',
    hint: `check that ${root} is writable and that nothing else is changing it, or choose another --out`,
    cause: err,
  });
}

/** The commit proper, with the folder's lock held. `createdDirs` collects the folders it makes. */
async function writeLocked(plan: WritePlan, opts: CommitOptions, createdDirs: string[]): Promise<void> {
  const root = plan.outDir;
  const realRoot = await realpathLoose(root);
  const temps = new Map<string, string>(); // dest → temp
  const journal: JournalEntry[] = [];
  const toWrite = plan.files.filter((f) => f.action !== 'unchanged');
  let current = '';
  try {
    await removeStaleTemps([root, ...toWrite.map((f) => dirname(join(root, ...f.path.split('/'))))]);
    for (const file of toWrite) {
      current = file.path;
      const dest = join(root, ...file.path.split('/'));
      // Check again: the disk may have changed since the plan (a folder swapped for a symlink).
      const disk = await inspect(root, realRoot, file.path, 0);
      if (disk.kind === 'refused') throw new Error(disk.reason);
      createdDirs.push(...(await makeDirsListed(dirname(dest))));
      const tmp = sidePath(dest, 'ptc-tmp');
      temps.set(dest, tmp);
      await writeFile(tmp, file.content, { mode: 0o644, flag: 'wx' });
      await chmod(tmp, 0o644); // the umask may have taken bits away
    }
    current = '';
    await opts.onStage?.('temps-written');
    for (const file of toWrite) {
      current = file.path;
      const dest = join(root, ...file.path.split('/'));
      const entry: JournalEntry = { dest, backup: null, placed: false };
      journal.push(entry);
      const st = await lstatOrNull(dest);
      if (st) {
        if (!st.isFile()) throw new Error(`${file.path} is no longer a file on disk`);
        if (file.action === 'create' && !plan.force) throw new Error(`${file.path} appeared while writing`);
        entry.backup = sidePath(dest, 'ptc-bak');
        await rename(dest, entry.backup);
      }
      await rename(temps.get(dest)!, dest);
      temps.delete(dest);
      entry.placed = true;
    }
    for (const rel of opts.remove ?? []) {
      current = rel;
      const check = checkPath(rel);
      if (!check.ok) continue;
      const disk = await inspect(root, realRoot, check.path, 0);
      if (disk.kind !== 'file') continue;
      const dest = join(root, ...check.path.split('/'));
      const entry: JournalEntry = { dest, backup: sidePath(dest, 'ptc-bak'), placed: false };
      journal.push(entry);
      await rename(dest, entry.backup!);
    }
  } catch (err) {
    await rollback(journal, temps);
    throw writeFailed(current || root, root, err);
  }
  for (const entry of journal) if (entry.backup) await unlink(entry.backup).catch(() => {});
}

/** Undoes exactly this commit's changes to files, newest first. Folders are left to removeEmptyDirs. */
async function rollback(journal: JournalEntry[], temps: Map<string, string>): Promise<void> {
  for (const entry of [...journal].reverse()) {
    if (entry.placed) await unlink(entry.dest).catch(() => {});
    if (entry.backup) await rename(entry.backup, entry.dest).catch(() => {});
  }
  for (const tmp of temps.values()) await unlink(tmp).catch(() => {});
}

/**
 * Removes folders this commit created, deepest first, each only if it is empty: another process may have
 * written into one meanwhile, and what it wrote is not this run's to delete.
 */
async function removeEmptyDirs(dirs: string[]): Promise<void> {
  const deepestFirst = [...new Set(dirs)].sort((a, b) => b.split(sep).length - a.split(sep).length);
  for (const dir of deepestFirst) await rmdir(dir).catch(() => {});
}

/**
 * `--tests`, `--hidden-tests` and `--context`: the user's files, read once, before any model call, into memory.
 * From here on they travel as contents (prompt, sandbox, manifest), never as paths read again, so what the
 * model was shown is exactly what the tests ran against.
 */
import { stat } from 'node:fs/promises';
import { basename, relative, resolve, sep } from 'node:path';
import { collectFiles } from '../core/collect.js';
import { PtcError, UsageError } from '../errors.js';
import type { SourceFile, UserTests } from '../sandbox/run-context.js';
import { readRegularFile } from '../util/regular-file.js';
import { confinePath, isWithin } from '../workspace/confine.js';
import { checkPath } from '../workspace/paths.js';
import { holdsSecret } from '../workspace/reply-file-check.js';

export interface UserFilePaths {
  tests: readonly string[];
  hiddenTests: readonly string[];
  context: readonly string[];
}

export interface UserFiles {
  userTests: UserTests;
  contextFiles: SourceFile[];
}

/** Bounds on what the paths may bring in, whatever the prompt budget: a folder given by mistake stops here. */
export const USER_FILE_LIMITS = { maxFiles: 500, maxBytes: 10 * 1024 * 1024 } as const;

export interface ReadUserFilesOptions {
  /** Where relative paths start (the working directory; a server's root). */
  cwd: string;
  /** The output or run folder: files inside it keep their place there. */
  base: string;
  /** A server's or batch's root: every path must lie inside it, after symlinks. */
  confineTo?: string;
  env?: NodeJS.ProcessEnv;
  /** Configured secret values: a file holding one would carry it to the model and the sandbox. */
  secrets?: readonly string[];
}

const FLAG = { tests: '--tests', hiddenTests: '--hidden-tests', context: '--context' } as const;

export async function readUserFiles(paths: UserFilePaths, o: ReadUserFilesOptions): Promise<UserFiles> {
  const placed = new Map<string, keyof UserFilePaths>();
  let files = 0;
  let bytes = 0;
  const read = async (which: keyof UserFilePaths): Promise<SourceFile[]> => {
    const out = new Map<string, SourceFile>();
    for (const given of paths[which]) {
      for (const f of await readOne(given, FLAG[which], o)) {
        const earlier = placed.get(f.path);
        if (earlier && earlier !== which) {
          throw new UsageError(`${f.path} is given both as ${FLAG[earlier]} and as ${FLAG[which]}`, {
            code: 'user_files_overlap',
            hint: 'name each file once: a test is either shown (--tests) or hidden (--hidden-tests), context is neither',
          });
        }
        placed.set(f.path, which);
        if (out.has(f.path)) continue;
        out.set(f.path, f);
        files++;
        bytes += Buffer.byteLength(f.content);
        if (files > USER_FILE_LIMITS.maxFiles || bytes > USER_FILE_LIMITS.maxBytes) {
          throw new UsageError(
            `--tests, --hidden-tests and --context name more than ${USER_FILE_LIMITS.maxFiles} files or ${USER_FILE_LIMITS.maxBytes / 1048576} MB`,
            { code: 'user_files_too_large', hint: 'name the test files and the modules the code needs, not a whole project' },
          );
        }
      }
    }
    return [...out.values()];
  };
  const acceptance = await read('tests');
  const hidden = await read('hiddenTests');
  const contextFiles = await read('context');
  for (const f of [...acceptance, ...hidden, ...contextFiles]) {
    if (holdsSecret(f.content, o.secrets ?? [])) {
      throw new UsageError(`${f.path} holds the value of a configured secret (an API key or token); it would reach the sandbox and the model`, {
        code: 'user_file_secret',
        hint: 'leave that file out of --tests/--hidden-tests/--context',
      });
    }
  }
  return { userTests: { acceptance, hidden }, contextFiles };
}

/** One given path: a file, or every file under a folder, each with its place in the output/run folder. */
async function readOne(given: string, flag: string, o: ReadUserFilesOptions): Promise<SourceFile[]> {
  const abs = resolve(o.cwd, given);
  const real = await confinePath(abs, given, { what: flag, root: o.confineTo, outsideCode: 'path_outside_root', env: o.env });
  const info = await stat(real).catch(() => null);
  if (!info) throw new UsageError(`cannot read ${flag} ${given}: no such file or folder`, { code: 'user_file_missing', hint: `check the path (relative to ${o.cwd})` });
  const at = placeOf(abs, o);
  if (info.isDirectory()) {
    let collected;
    try {
      collected = await collectFiles(real, USER_FILE_LIMITS);
    } catch (err) {
      if (err instanceof PtcError) throw new UsageError(`${flag} ${given} is too large`, { code: 'user_files_too_large', hint: 'name a smaller folder, or the files themselves' });
      throw err;
    }
    return collected.map((f) => placed(at === '' ? f.path : `${at}/${f.path}`, f.content.toString('utf8'), flag, given));
  }
  const content = await readRegularFile(real).catch((err: Error) => {
    throw new UsageError(`cannot read ${flag} ${given}: ${err.message}`, { code: 'user_file_unreadable', hint: 'give a regular file or a folder' });
  });
  return [placed(at, content, flag, given)];
}

function placed(path: string, content: string, flag: string, given: string): SourceFile {
  // The same rule as every path a reply names: no `..`, no .git, no rc file or .env among the user's files either.
  const check = checkPath(path);
  if (!check.ok) {
    throw new UsageError(`${flag} ${given}: ${path} cannot be placed in the sandbox (${check.reason})`, {
      code: 'user_file_unsafe',
      hint: 'leave configuration and environment files out of --tests/--hidden-tests/--context',
    });
  }
  return { path: check.path, content };
}

/**
 * Where a file or folder goes in the output/run folder: its place there when it is inside it; its path from the
 * working directory when it is inside that (`spec/test_x.py`); else its own name.
 */
function placeOf(abs: string, o: ReadUserFilesOptions): string {
  const base = resolve(o.base);
  const from = isWithin(base, abs) ? base : isWithin(resolve(o.cwd), abs) ? resolve(o.cwd) : null;
  const rel = from ? relative(from, abs) : basename(abs);
  return rel.split(sep).join('/');
}

/**
 * Reading a file a user or client named, without hanging on a FIFO or a device: the file is opened
 * non-blocking (opening a FIFO with no writer would otherwise wait for ever) and checked to be a regular file
 * before a byte is read. Errors say what the path is, never what it holds.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** Why a folder a user named cannot be used, in the words a missing file gets (never a raw errno), or null when it can. */
export function folderProblem(st: Stats | null): string | null {
  if (!st) return 'no such directory';
  return st.isDirectory() ? null : `it is ${describeKind(st) === 'not a regular file' ? 'a file' : describeKind(st)}, not a directory`;
}

/** Why a path could not be read: `missing` for ENOENT (callers often treat that as "not there"). */
export class FileReadProblem extends Error {
  constructor(
    readonly reason: string,
    readonly missing: boolean,
    readonly directory = false,
  ) {
    super(reason);
  }
}

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0);

export function describeKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A failed open or read in the words ptc uses for it everywhere (`no such file`), never a bare errno code. */
export function problemOf(err: unknown): FileReadProblem {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FileReadProblem('no such file', true);
  if (code === 'EACCES' || code === 'EPERM') return new FileReadProblem(`permission denied (${code})`, false);
  if (code === 'ENOTDIR') return new FileReadProblem('a part of the path is not a directory', true);
  return new FileReadProblem(code ?? 'unreadable', false);
}

function notRegular(st: Stats): FileReadProblem {
  return new FileReadProblem(`it is ${describeKind(st)}, not a regular file`, false, st.isDirectory());
}

/** The file's text; throws FileReadProblem when it is missing, unreadable or not a regular file. */
export async function readRegularFile(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, FLAGS);
  } catch (err) {
    throw problemOf(err);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw notRegular(st);
    return await handle.readFile('utf8');
  } catch (err) {
    throw err instanceof FileReadProblem ? err : problemOf(err);
  } finally {
    await handle.close();
  }
}

/** The same, synchronously (config loading is synchronous where it reads `.env` and package.json). */
export function readRegularFileSync(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (err) {
    throw problemOf(err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(st);
    return readFileSync(fd, 'utf8');
  } catch (err) {
    throw err instanceof FileReadProblem ? err : problemOf(err);
  } finally {
    closeSync(fd);
  }
}

/** Why an existing path could not be read as a file, or null when it can be (or does not exist). */
export function unreadableReason(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (err) {
    const problem = problemOf(err);
    return problem.missing ? null : problem.reason;
  }
  try {
    const st = fstatSync(fd);
    return st.isFile() ? null : notRegular(st).reason;
  } finally {
    closeSync(fd);
  }
}

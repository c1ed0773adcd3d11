import { isAbsolute, relative } from 'node:path';
import { ExitCode, PtcError } from '../errors.js';
import { shellQuote } from '../sandbox/shell-quote.js';

/** A path as the user would type it from `cwd`: relative when it is inside, else absolute; quoted when needed. */
function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  const p = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
  return /^[\w./@%+=:,-]+$/.test(p) ? p : shellQuote(p);
}

/** The command that uses a saved reply without a new model call. */
export function applyCommandFor(replyFile: string, o: { outDir: string | null; run: boolean; cwd: string }): string {
  const out = o.outDir ? ` --out ${shown(o.outDir, o.cwd)}` : '';
  return `ptc apply ${shown(replyFile, o.cwd)}${out} --force${o.run ? ' --run' : ''}`;
}

/**
 * The same error, its hint naming the saved reply and the free way on: whatever failed after a paid call, the
 * reply is on disk and `ptc apply` uses it. (A reply with nothing usable in it is named, not offered again.)
 */
export function withSavedReply(error: PtcError, replyFile: string, o: { outDir: string | null; run: boolean; cwd: string }): PtcError {
  const note =
    error.exitCode === ExitCode.reply
      ? `the reply is saved in ${shown(replyFile, o.cwd)}`
      : `the paid reply is saved; \`${applyCommandFor(replyFile, o)}\` uses it without a new model call`;
  const hint = error.hint ? `${error.hint}; ${note}` : note;
  const copy = new PtcError(error.code, error.exitCode, error.message, { hint, retryable: error.retryable, cause: error.cause });
  copy.name = error.name;
  return copy;
}

import { basename, extname, resolve } from 'node:path';
import type { CliContext } from '../cli/context.js';
import type { CommandOptions } from '../cli/options.js';
import { UsageError } from '../errors.js';
import { readStdin, runFromCli } from './cli-pipeline.js';
import { type FileReadProblem, readRegularFile } from '../util/regular-file.js';

export async function applyCommand(ctx: CliContext, replyFile: string, opts: CommandOptions<'apply'>): Promise<number> {
  let replyText: string;
  if (replyFile === '-') {
    if (ctx.stdinIsTTY) throw new UsageError('`ptc apply -` reads the reply from stdin, but stdin is a terminal', { hint: 'pipe the reply in: pbpaste | ptc apply -' });
    ctx.io.logger.debug('reading the reply from stdin until it ends');
    replyText = await readStdin(ctx.stdin, ctx.lifecycle.signal);
  } else {
    // A FIFO or device would block the read for ever: refused, and `-` reads any stream.
    replyText = await readRegularFile(resolve(ctx.cwd, replyFile)).catch((err: FileReadProblem) => {
      throw new UsageError(`cannot read ${replyFile}: ${err.reason}`, {
        hint: 'give the path of a saved model reply, or - to read it from stdin (ptc apply - < file)',
      });
    });
  }
  const nameHint = replyFile === '-' ? 'ptc-reply' : basename(replyFile, extname(replyFile));
  return runFromCli(ctx, { command: 'apply', prompt: null, replyText, runDir: null, nameHint, options: opts });
}

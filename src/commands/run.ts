import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliContext } from '../cli/context.js';
import type { CommandOptions } from '../cli/options.js';
import { UsageError } from '../errors.js';
import { folderProblem } from '../util/regular-file.js';
import { runFromCli } from './cli-pipeline.js';

export async function runCommand(ctx: CliContext, dir: string, opts: CommandOptions<'run'>): Promise<number> {
  const abs = resolve(ctx.cwd, dir);
  const info = await stat(abs).catch(() => null);
  const problem = folderProblem(info);
  if (problem) throw new UsageError(`cannot read ${dir}: ${problem}`, { hint: 'ptc run <dir> runs the tests already in dir' });
  return runFromCli(ctx, { command: 'run', prompt: null, replyText: null, runDir: abs, options: opts });
}

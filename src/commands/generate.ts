import type { CliContext } from '../cli/context.js';
import type { CommandOptions } from '../cli/options.js';
import { readPrompt, runFromCli } from './cli-pipeline.js';

export async function generateCommand(ctx: CliContext, words: string[], opts: CommandOptions<'generate'>): Promise<number> {
  const prompt = await readPrompt(words, opts, ctx);
  return runFromCli(ctx, { command: 'generate', prompt, replyText: null, runDir: null, options: opts });
}

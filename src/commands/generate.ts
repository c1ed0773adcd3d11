import type { CliContext } from '../cli/main.js';
import { type PipelineCommandOptions, readPrompt, runFromCli } from './pipeline-command.js';

export async function generateCommand(ctx: CliContext, words: string[], opts: PipelineCommandOptions): Promise<number> {
  const prompt = await readPrompt(words, opts, ctx);
  return runFromCli(ctx, { command: 'generate', prompt, replyText: null, runDir: null, options: opts });
}

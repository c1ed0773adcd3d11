import type { CliContext } from '../cli/context.js';
import type { PipelineCommandOptions } from '../app/execute.js';
import { readPrompt, runFromCli } from './cli-pipeline.js';

export async function generateCommand(ctx: CliContext, words: string[], opts: PipelineCommandOptions): Promise<number> {
  const prompt = await readPrompt(words, opts, ctx);
  return runFromCli(ctx, { command: 'generate', prompt, replyText: null, runDir: null, options: opts });
}

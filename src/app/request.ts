import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { z } from 'zod';
import type { PipelineCommandOptions, PipelineRequest } from './execute.js';
import { UsageError } from '../errors.js';
import { agentOptionShape } from '../config/option-schemas.js';
import { folderProblem, readRegularFile, type FileReadProblem } from '../util/regular-file.js';
import { confinePath } from '../workspace/confine.js';

/**
 * What agents send: MCP tool arguments and `ptc serve` bodies share these shapes, the CLI's options in camelCase
 * from the one option table (config/options.ts). Objects are strict so a misspelt option is reported, not ignored.
 */

export const generateInput = z.strictObject({
  prompt: z.string().trim().min(1).describe('what to build'),
  ...agentOptionShape('generate'),
});

export const applyInput = z.strictObject({
  reply: z.string().min(1).optional().describe('a saved model reply (markdown with fenced files)'),
  replyFile: z.string().min(1).optional().describe('or the path of a file holding it, relative to the server root'),
  ...agentOptionShape('apply'),
});

export const runInput = z.strictObject({
  dir: z.string().min(1).optional().describe('the project directory, relative to the server root (default ".")'),
  ...agentOptionShape('run'),
});

export type GenerateInput = z.infer<typeof generateInput>;
export type ApplyInput = z.infer<typeof applyInput>;
export type RunInput = z.infer<typeof runInput>;

export type AgentCommand = PipelineRequest['command'];

export const inputSchemas = { generate: generateInput, apply: applyInput, run: runInput } as const;

/**
 * A path from a client, resolved against the root: refused when it leaves the root (also through a symlink)
 * or names .git. Returns where it really is.
 */
export function insideRoot(root: string, path: string, what: string): Promise<string> {
  return confinePath(resolve(root, path), path, { what, root });
}

function pipelineOptions(input: Record<string, unknown>): PipelineCommandOptions {
  const { prompt: _p, reply: _r, replyFile: _f, dir: _d, ...options } = input;
  return options as PipelineCommandOptions;
}

/**
 * Turns validated tool arguments / request body into the pipeline's request. Throws UsageError for what a schema
 * cannot say (exactly one of reply/replyFile, paths inside the root, a directory that exists).
 */
export async function toPipelineRequest(command: AgentCommand, input: GenerateInput | ApplyInput | RunInput, root: string): Promise<PipelineRequest> {
  const options = pipelineOptions(input as Record<string, unknown>);
  if (command === 'generate') {
    return { command, prompt: (input as GenerateInput).prompt.trim(), replyText: null, runDir: null, options };
  }
  if (command === 'apply') {
    const { reply, replyFile } = input as ApplyInput;
    if ((reply === undefined) === (replyFile === undefined)) {
      throw new UsageError('give exactly one of "reply" (the text) or "replyFile" (a path)', { hint: 'send the model reply as "reply"' });
    }
    if (reply !== undefined) return { command, prompt: null, replyText: reply, runDir: null, nameHint: 'ptc-reply', options };
    const abs = await insideRoot(root, replyFile!, 'replyFile');
    // Never the file's content in the message: a wrong path may name a file of secrets.
    const text = await readRegularFile(abs).catch((err: FileReadProblem) => {
      throw new UsageError(`cannot read replyFile ${replyFile}: ${err.reason}`, {
        hint: 'give the path of a saved model reply, relative to the server root',
      });
    });
    return { command, prompt: null, replyText: text, runDir: null, nameHint: basename(replyFile!, extname(replyFile!)), options };
  }
  const dir = (input as RunInput).dir ?? '.';
  const abs = await insideRoot(root, dir, 'dir');
  const info = await stat(abs).catch(() => null);
  const problem = folderProblem(info);
  if (problem) throw new UsageError(`cannot read ${dir}: ${problem}`, { hint: 'run_tests runs the tests already in dir' });
  return { command, prompt: null, replyText: null, runDir: abs, options };
}

import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { z } from 'zod';
import type { PipelineCommandOptions, PipelineRequest } from './execute.js';
import { timeoutSeconds } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { LANGS, PROVIDER_IDS, SANDBOX_KINDS } from '../types.js';
import { readRegularFile, type FileReadProblem } from '../util/regular-file.js';
import { confinePath } from '../workspace/confine.js';

/**
 * What agents send: MCP tool arguments and `ptc serve` bodies share these shapes, which mirror the CLI's options
 * in camelCase. Objects are strict so a misspelt option is reported instead of silently ignored.
 */

const modelOptions = {
  provider: z.enum(PROVIDER_IDS).optional().describe('kimi | anthropic | openrouter | openai | openai-compatible'),
  model: z.string().min(1).optional().describe("model id (default: the provider's default from list_models)"),
  baseUrl: z.url().optional().describe('endpoint override: a proxy, gateway or local server such as Ollama'),
  maxTokens: z.number().int().positive().optional().describe("limit on the reply's length in tokens"),
  temperature: z.number().min(0).max(2).optional(),
  fix: z.number().int().nonnegative().optional().describe('repair rounds when tests fail (needs run: true)'),
  maxCost: z.number().nonnegative().optional().describe('stop before a call that could take the spend past this many USD'),
  protectTests: z.boolean().optional().describe('in repair rounds, never let the model change the test files'),
};

const writeOptions = {
  lang: z.enum(LANGS).optional().describe('python (default) | typescript | javascript'),
  out: z.string().min(1).optional().describe('output directory, relative to the server root (default: a new folder named from the prompt)'),
  force: z.boolean().optional().describe('allow overwriting files that already exist'),
  dryRun: z.boolean().optional().describe('parse and report what would be written; write nothing, run nothing'),
  run: z.boolean().optional().describe('run the tests after writing'),
};

const runOptions = {
  sandbox: z.enum(SANDBOX_KINDS).optional().describe('local (bubblewrap) | daytona'),
  timeout: timeoutSeconds.optional().describe('bound on the whole request, in seconds'),
};

export const generateInput = z.strictObject({
  prompt: z.string().trim().min(1).describe('what to build'),
  ...modelOptions,
  ...writeOptions,
  ...runOptions,
});

export const applyInput = z.strictObject({
  reply: z.string().min(1).optional().describe('a saved model reply (markdown with fenced files)'),
  replyFile: z.string().min(1).optional().describe('or the path of a file holding it, relative to the server root'),
  ...writeOptions,
  ...runOptions,
});

export const runInput = z.strictObject({
  dir: z.string().min(1).optional().describe('the project directory, relative to the server root (default ".")'),
  lang: z.enum(LANGS).optional().describe('default: detected from the files'),
  ...runOptions,
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
  if (!info?.isDirectory()) throw new UsageError(`${dir} is not a directory`, { hint: 'run_tests runs the tests already in dir' });
  return { command, prompt: null, replyText: null, runDir: abs, options };
}

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type ExecuteContext, executeRequest, type PipelineCommandOptions, type PipelineRequest } from '../app/execute.js';
import type { CliContext } from '../cli/context.js';
import { renderErrorLines } from '../cli/render-error.js';
import { PtcError, UsageError } from '../errors.js';
import type { CallRecord } from '../history/call-record.js';
import { recordCalls } from '../history/record-calls.js';
import { nextStep } from '../report/next-step.js';
import { renderResult } from '../report/text.js';
import { LiveLine } from '../ui/live-line.js';
import { untilAborted } from '../util/abortable.js';
import { problemOf } from '../util/regular-file.js';

/** Reads the prompt for `generate`: words, --prompt-file, or stdin ("-" or piped with no words). */
export async function readPrompt(words: string[], opts: { promptFile?: string }, ctx: CliContext): Promise<string> {
  let text: string;
  if (opts.promptFile) {
    if (words.length > 0) throw new UsageError('give the prompt as words or with --prompt-file, not both');
    try {
      text = await untilAborted(readFile(resolve(ctx.cwd, opts.promptFile), 'utf8'), ctx.lifecycle.signal);
    } catch (err) {
      if (err instanceof PtcError) throw err;
      throw new UsageError(`cannot read --prompt-file ${opts.promptFile}: ${problemOf(err).reason}`, {
        hint: 'give the path of a file that holds the prompt',
      });
    }
  } else if ((words.length === 1 && words[0] === '-') || (words.length === 0 && !ctx.stdinIsTTY)) {
    text = await readStdin(ctx.stdin, ctx.lifecycle.signal);
  } else {
    text = words.join(' ');
  }
  text = text.trim();
  if (!text) {
    throw new UsageError('no prompt: say what to build', {
      code: 'usage',
      hint: 'ptc generate "a function that checks if a number is prime"  (or pipe it in, or --prompt-file)',
    });
  }
  return text;
}

/** All of stdin; a signal ends the wait, since a pipe whose writer never closes it would keep ptc for ever. */
export async function readStdin(stdin: NodeJS.ReadableStream, signal?: AbortSignal): Promise<string> {
  const read = async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  };
  return untilAborted(read(), signal);
}

/** What every CLI command that runs the pipeline hands it: where, which environment, and its process's lifecycle. */
export function executeContextOf(ctx: CliContext): Pick<ExecuteContext, 'cwd' | 'env' | 'logger' | 'signal' | 'registerCleanup' | 'addSecret'> {
  const { io, lifecycle } = ctx;
  return {
    cwd: ctx.cwd,
    env: ctx.env,
    logger: io.logger,
    signal: lifecycle.signal,
    registerCleanup: (fn) => lifecycle.onCleanup(fn),
    addSecret: (v) => io.addSecret(v),
  };
}

/** The CLI side: run, draw progress on a TTY, print the result as text or JSON, return the exit code. */
export async function runFromCli(ctx: CliContext, req: PipelineRequest): Promise<number> {
  const { io, lifecycle } = ctx;
  lifecycle.setTimeout(req.options.timeout);
  const live = new LiveLine(io);
  const calls: CallRecord[] = [];
  const { result, planText, history, error } = await executeRequest(req, {
    ...executeContextOf(ctx),
    onPhase: (t) => live.phase(t),
    onDelta: (t, n, usd, thinking) => live.delta(t, n, usd, thinking),
    onRound: (round, draft) => live.round(round, draft),
    onCall: (call) => calls.push(call),
  });
  live.stop();
  await recordCalls({
    env: ctx.env,
    command: req.command,
    calls,
    rc: history,
    history: req.options.history,
    scrub: (t) => io.scrub(t),
    logger: io.logger,
  });
  if (lifecycle.signalExitCode !== null) {
    result.exitCode = lifecycle.signalExitCode;
    result.ok = false;
  }
  if (io.json) {
    io.print(JSON.stringify(result, null, 2));
  } else {
    const text = renderResult(result, { color: io.out, planText });
    if (text) io.print(text);
    if (result.error) renderErrorLines(io, error ?? result.error);
    const next = nextStep(result, ctx.cwd);
    if (next) io.note(`${io.err.dim('next:')} ${next}`);
  }
  return result.exitCode;
}

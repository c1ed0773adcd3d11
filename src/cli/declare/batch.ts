import type { Command } from 'commander';
import { declareOptions } from '../options.js';
import { type Runner, count, outputOptions } from './shared.js';

/** `ptc batch`: its arguments, options and help; the run function loads only when it runs. */
export function declareBatch(program: Command, run: Runner): void {
  outputOptions(
    declareOptions(
      program
        .command('batch')
        .description('many tasks through the generate pipeline: bounded concurrency, shared budget, resumable, one report')
        .argument('<tasks>', 'a JSONL file, one task a line {"id", "prompt", ...generate options}, or "-" for stdin')
        .option('-o, --out <root>', 'output root: each task writes into <root>/<id>; the resume state lives here too', 'ptc-batch')
        .option('--concurrency <n>', 'tasks in flight (default 4)', count('--concurrency'))
        .option('--llm-concurrency <n>', 'model calls in flight across the batch (default: --concurrency)', count('--llm-concurrency'))
        .option('--sandbox-concurrency <n>', 'sandboxes at once across the batch (default: --concurrency)', count('--sandbox-concurrency'))
        .option('--jsonl', 'stream one JSON line per finished task on stdout, then a totals line'),
      'batch',
    ),
  )
    .addHelpText(
      'after',
      `
Each task line may set any generate option in camelCase ("lang", "fix", "maxTokens", "out", …); it wins over the flags.
Rerunning the same command skips the tasks already finished (state in <root>/.ptc-batch.jsonl).

Examples:
  $ ptc batch tasks.jsonl --run --fix 2 --concurrency 4 --max-cost 1.00
  $ cat tasks.jsonl | ptc batch - --sandbox daytona --sandbox-concurrency 10 --jsonl`,
    )
    .action(run(async () => (await import('../../commands/batch.js')).batchCommand));
}

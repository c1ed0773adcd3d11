import type { Command } from 'commander';
import { declareOptions } from '../options.js';
import { type Runner, count, outputOptions } from './shared.js';

/** `ptc batch`: its arguments, options and help; the run function loads only when it runs. */
export function declareBatch(program: Command, run: Runner): void {
  const batch = outputOptions(
    declareOptions(
      program
        .command('batch')
        .description('many tasks through the generate pipeline: bounded concurrency, shared budget, resumable, one report')
        .argument('<tasks>', 'a JSONL file, one task a line {"id", "prompt", ...generate options}, or "-" for stdin')
        .option('-o, --out <root>', 'output root: each task writes into <root>/<id>; the resume state lives here too', 'ptc-batch')
        .option('--concurrency <n>', 'tasks in flight (default 4)', count('--concurrency'))
        .option('--llm-concurrency <n>', 'model calls in flight across the batch (default: --concurrency)', count('--llm-concurrency'))
        .option('--sandbox-concurrency <n>', 'sandboxes at once across the batch (default: --concurrency)', count('--sandbox-concurrency'))
        .option('--jsonl', 'stream one JSON line per finished task on stdout, then a totals line')
        .option('--retry-failed', 'also rerun tasks an earlier run recorded as ended in an error (tests that failed stay)')
        .option('--shard <i/n>', 'run only the tasks whose 0-based position mod n is i-1 (a CI matrix runs 1/n … n/n)'),
      'batch',
    ),
    { verbose: "print more on stderr: each task's prompt and repair requests, provider and sandbox details, stacks of internal errors" },
  )
    .addHelpText(
      'after',
      `
Each task line may set any generate option in camelCase ("lang", "fix", "maxTokens", "out", …); it wins over the flags.
Rerunning the same command skips the tasks already finished (state in <root>/.ptc-batch.jsonl); --retry-failed
reruns those that ended in an error. A set-up failure (no key, a refused key, an unknown model) stops the batch
with exit 2 or 3 and is never recorded. --max-cost is never passed: each call reserves its worst case first.

Examples:
  $ ptc batch tasks.jsonl --run --fix 2 --concurrency 4 --max-cost 1.00
  $ cat tasks.jsonl | ptc batch - --sandbox daytona --sandbox-concurrency 10 --jsonl
  $ ptc batch tasks.jsonl --shard 2/3 --out shard2 --json > shard2.json
  $ ptc batch merge shard1.json shard2.json shard3.json`,
    )
    .action(run(async () => (await import('../../commands/batch.js')).batchCommand));

  batch
    .command('merge')
    .description("merge the --json reports of a batch's shards into one report; the shards must not overlap")
    .argument('<reports...>', 'report files written by `ptc batch … --shard i/n --json`')
    .option('--json', 'print the merged report as one JSON document')
    .addHelpText(
      'after',
      `
Examples:
  $ ptc batch merge shard1.json shard2.json shard3.json --json > batch.json`,
    )
    .action(run(async () => (await import('../../commands/batch.js')).batchMergeCommand));
}

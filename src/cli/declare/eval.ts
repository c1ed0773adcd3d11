import type { Command } from 'commander';
import { declareOptions } from '../options.js';
import { type Runner, count, outputOptions } from './shared.js';

/**
 * `ptc eval`: its arguments, options and help. The pipeline's options are the option table's eval rows; `-m` is
 * eval's own: it names a target (provider:model, repeatable), not one model.
 */
export function declareEval(program: Command, run: Runner): void {
  const cmd = program
    .command('eval')
    .description('run a suite through the pipeline per target model, score against hidden tests: pass rate and $ per solved task')
    .argument('<suite>', '"humaneval" (bundled: 164 Python problems) or a JSONL file {"id", "prompt", "lang"?, "hiddenTests", "context"?}')
    .option('-m, --model <provider:model>', 'a target model, e.g. kimi:kimi-k2.5; repeat for each', (v: string, all: string[] = []) => [...all, v]);
  // The pipeline's options from the option table (eval's rows), with their range checks; eval's own below.
  declareOptions(cmd, 'eval');
  outputOptions(
    cmd
      .option('-o, --out <root>', 'output root: <root>/<target>/<task>; the resume state lives here too', 'ptc-eval')
      .option('--concurrency <n>', 'tasks in flight (default 4)', count('--concurrency'))
      .option('--llm-concurrency <n>', 'model calls in flight across the eval (default: --concurrency)', count('--llm-concurrency'))
      .option('--sandbox-concurrency <n>', 'sandboxes at once across the eval (default: --concurrency)', count('--sandbox-concurrency'))
      .option('--limit <n>', 'only the first n tasks of the suite', count('--limit'))
      .option('--tasks <ids>', 'only these tasks, comma-separated (e.g. HumanEval_0,HumanEval_12)')
      .option('--shard <i/n>', 'run only the tasks whose 0-based position mod n is i-1 (a CI matrix runs 1/n … n/n)')
      .option('--retry-failed', 'rerun the tasks that ended in an error in an earlier run (not those that failed their tests)')
      .option('--report <file.html>', 'also write a self-contained HTML report: chart, per-task grid, settings')
      .option('--record <dir>', 'save every model reply, to replay later')
      .option('--replay <dir>', 'answer every call from a recording: no API call, no key'),
    { verbose: "print more on stderr: each task's prompt and repair requests, provider and sandbox details, stacks of internal errors" },
  )
    .addHelpText(
      'after',
      `
Each task runs generate → the model's own tests → repair rounds (--fix) for each target, then the suite's hidden
tests, which no model request ever contains. Rerunning the same command skips the tasks already finished.

Examples:
  $ ptc eval humaneval -m kimi:kimi-k2.5 -m anthropic:claude-sonnet-4-6 --fix 2 --max-cost 5
  $ ptc eval humaneval -m openai:gpt-5-mini --limit 20 --record ./rec --report eval.html
  $ ptc eval humaneval -m openai:gpt-5-mini --limit 20 --replay ./rec --json     # no key, no API call
  $ ptc eval my-suite.jsonl -m kimi:kimi-k2.5 --tasks parse-dates,slugify
  $ ptc eval humaneval -m kimi:kimi-k2.5 --shard 2/4 --out eval-2 --json > eval-2.json   # one job of a CI matrix`,
    )
    .action(run(async () => (await import('../../commands/eval.js')).evalCommand));
}

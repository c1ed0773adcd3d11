import type { Command } from 'commander';
import { declareOptions } from '../options.js';
import { type Runner, outputOptions } from './shared.js';

/** `ptc apply`: its arguments, options and help; the run function loads only when it runs. */
export function declareApply(program: Command, run: Runner): void {
  outputOptions(
    declareOptions(
      program
        .command('apply')
        .description('the same pipeline from a saved model reply (a chat answer pasted into a file); no API call')
        .argument('<reply-file>', 'the reply, or "-" for stdin'),
      'apply',
    ),
    { verbose: 'print more on stderr: sandbox details, stacks of internal errors (no prompt: apply calls no model)' },
  )
    .addHelpText(
      'after',
      `
Examples:
  $ ptc apply examples/replies/prime-python.md --out ./prime --run
  $ pbpaste | ptc apply - --dry-run`,
    )
    .action(run(async () => (await import('../../commands/apply.js')).applyCommand));
}

import type { Command } from 'commander';
import { type Runner, examples, outputOptions, VERBOSE_STACKS } from './shared.js';

/** `ptc sandbox`: its arguments, options and help; the run function loads only when it runs. */
export function declareSandbox(program: Command, run: Runner): void {
  const sandbox = program
    .command('sandbox')
    .description('manage Daytona sandboxes')
    .addHelpText('after', examples('ptc sandbox prune --dry-run', 'ptc sandbox snapshot create'));
  outputOptions(
    sandbox
      .command('prune')
      .description('list and delete leftover ptc sandboxes in Daytona (label app=ptc); others are never touched')
      .option('--dry-run', 'list them, delete nothing'),
    { verbose: VERBOSE_STACKS },
  )
    .addHelpText('after', examples('ptc sandbox prune --dry-run            # what would go', 'ptc sandbox prune --json'))
    .action(run(async () => (await import('../../commands/sandbox.js')).sandboxPruneCommand));
  const snapshot = sandbox
    .command('snapshot')
    .description('manage Daytona snapshots for ptc')
    .addHelpText('after', examples('ptc sandbox snapshot create'));
  outputOptions(
    snapshot
      .command('create')
      .description('build a snapshot with Python, pytest and common packages preinstalled; prints its name for daytona.snapshot')
      .option('--name <name>', 'snapshot name (default: ptc-python<version>-<hash of the package list>)')
      .option('--package <spec...>', 'more pip packages to preinstall'),
    { verbose: VERBOSE_STACKS },
  )
    .addHelpText('after', examples('ptc sandbox snapshot create', 'ptc sandbox snapshot create --package numpy pandas --json'))
    .action(run(async () => (await import('../../commands/sandbox.js')).sandboxSnapshotCreateCommand));
}

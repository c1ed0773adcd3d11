import type { Command } from 'commander';
import { type Runner, outputOptions } from './shared.js';

/** `ptc sandbox`: its arguments, options and help; the run function loads only when it runs. */
export function declareSandbox(program: Command, run: Runner): void {
  const sandbox = program.command('sandbox').description('manage Daytona sandboxes');
  outputOptions(
    sandbox
      .command('prune')
      .description('list and delete leftover ptc sandboxes in Daytona (label app=ptc); others are never touched')
      .option('--dry-run', 'list them, delete nothing'),
  ).action(run(async () => (await import('../../commands/sandbox.js')).sandboxPruneCommand));
  outputOptions(
    sandbox
      .command('snapshot')
      .description('manage Daytona snapshots for ptc')
      .command('create')
      .description('build a snapshot with Python, pytest and common packages preinstalled; prints its name for daytona.snapshot')
      .option('--name <name>', 'snapshot name (default: ptc-python<version>-<hash of the package list>)')
      .option('--package <spec...>', 'more pip packages to preinstall'),
  ).action(run(async () => (await import('../../commands/sandbox.js')).sandboxSnapshotCreateCommand));
}

import { Command } from 'commander';
import { version } from '../version.js';
import type { CliContext } from './context.js';
import { declareApply } from './declare/apply.js';
import { declareBatch } from './declare/batch.js';
import { declareConfig } from './declare/config.js';
import { declareDoctor } from './declare/doctor.js';
import { declareEval } from './declare/eval.js';
import { declareGenerate } from './declare/generate.js';
import { declareMcp } from './declare/mcp.js';
import { declareModels } from './declare/models.js';
import { declareRun } from './declare/run.js';
import { declareSandbox } from './declare/sandbox.js';
import { declareServe } from './declare/serve.js';
import type { Runner } from './declare/shared.js';
import { declareUsage } from './declare/usage.js';

/** The `ptc` program: one declaration per command (src/cli/declare/), in the order `ptc --help` lists them. */
export function buildProgram(ctx: CliContext, setCode: (code: number) => void): Command {
  const program = new Command('ptc');
  // The run function loads with its command, so `ptc --help` loads none of them.
  const run: Runner =
    (load) =>
    async (...args) => {
      const handler = await load();
      setCode(await handler(ctx, ...args));
    };

  program
    .description('Prompt → Test → Code: turn a prompt into working, tested code with the LLM of your choice.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    .addHelpText(
      'after',
      `
Examples:
  $ ptc generate "a function that checks if a number is prime" --run
  $ ptc generate -p anthropic -l typescript "slugify a string" --run --fix 2
  $ ptc apply examples/replies/prime-python.md --run          # no API key needed
  $ ptc run ./my-project --sandbox daytona
  $ ptc config show                                            # what ptc will use, and why

Exit codes: 0 ok · 1 tests failed · 2 usage/config · 3 provider · 4 sandbox · 5 unusable reply · 70 bug · 130 interrupted`,
    );

  for (const declare of [
    declareGenerate,
    declareApply,
    declareRun,
    declareModels,
    declareBatch,
    declareEval,
    declareUsage,
    declareConfig,
    declareSandbox,
    declareDoctor,
    declareMcp,
    declareServe,
  ]) {
    declare(program, run);
  }
  return program;
}

import { Command, CommanderError } from 'commander';
import { ExitCode, toPtcError, UsageError } from '../errors.js';
import type { Result } from '../report/result-schema.js';
import { loadColorSupport } from '../ui/color.js';
import { IO, type Writable } from '../ui/io.js';
import { MAX_TIMEOUT_SECONDS, TIMEOUT_RANGE } from '../util/timer-range.js';
import { version } from '../version.js';
import type { CliContext } from './context.js';
import { exitProcess, Lifecycle } from './lifecycle.js';
import { declareOptions, numberArg } from './options.js';
import { errorDocument, renderError } from './render-error.js';

/** bin/ptc.js ends the process with it. */
export { exitProcess };

export interface MainOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdout?: Writable;
  stderr?: Writable;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  installSignalHandlers?: boolean;
}

/** A command's run function: the CLI context, then commander's arguments and typed options, in that order. */
type RunFunction<A extends unknown[]> = (ctx: CliContext, ...args: A) => Promise<number>;

const count = numberArg({ whole: true, min: 1, mustBe: 'a whole number ≥ 1' });
const positive = numberArg({ min: 0, above: true, mustBe: 'a number > 0' });
const seconds = numberArg({ min: 0, above: true, max: MAX_TIMEOUT_SECONDS, mustBe: TIMEOUT_RANGE });
const secondsOrZero = numberArg({ min: 0, max: MAX_TIMEOUT_SECONDS, mustBe: `0 or ${TIMEOUT_RANGE}` });
const nonNegative = numberArg({ min: 0, mustBe: 'a number ≥ 0' });
const port = numberArg({ whole: true, min: 0, max: 65535, mustBe: 'a port number from 0 to 65535' });

function outputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print exactly one JSON document on stdout (also on failure)')
    .option('-q, --quiet', 'print less on stderr (warnings and errors only)')
    .option('-v, --verbose', 'print more on stderr: the prompt sent, debug details, stacks of internal errors');
}

export function buildProgram(ctx: CliContext, setCode: (code: number) => void): Command {
  const program = new Command('ptc');
  // The run function loads with its command, so `ptc --help` loads none of them.
  const run =
    <A extends unknown[]>(load: () => Promise<RunFunction<A>>) =>
    async (...args: A) => {
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

  outputOptions(
    declareOptions(
      program
        .command('generate')
        .alias('gen')
        .description('prompt → model → code and tests on disk → (optionally) run them and repair')
        .argument('[prompt...]', 'what to build; "-" or no words with piped stdin reads the prompt from stdin'),
      'generate',
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ ptc generate "a function that checks if a number is prime" --run
  $ echo "parse ISO-8601 durations" | ptc generate --lang typescript --out ./duration
  $ ptc generate --prompt-file task.md --run --fix 3 --max-cost 0.10 --json`,
    )
    .action(run(async () => (await import('../commands/generate.js')).generateCommand));

  outputOptions(
    declareOptions(
      program
        .command('apply')
        .description('the same pipeline from a saved model reply (a chat answer pasted into a file); no API call')
        .argument('<reply-file>', 'the reply, or "-" for stdin'),
      'apply',
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ ptc apply examples/replies/prime-python.md --out ./prime --run
  $ pbpaste | ptc apply - --dry-run`,
    )
    .action(run(async () => (await import('../commands/apply.js')).applyCommand));

  outputOptions(
    declareOptions(
      program
        .command('run')
        .description('run the tests already in a directory in a sandbox and report')
        .argument('[dir]', 'the project directory', '.'),
      'run',
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ ptc run ./prime
  $ ptc run . --sandbox daytona --json

Packages come from the folder's requirements*.txt, pyproject.toml or package.json, else from the imports. pytest loads
only the plugins of those packages and the ones the tests use by fixture or marker; set
local.pytestPlugins: all in .ptcrc.json to load every plugin installed for your python.`,
    )
    .action(run(async () => (await import('../commands/run.js')).runCommand));

  outputOptions(
    program
      .command('models')
      .description('the model catalog: ids, prices per 1M tokens, where each price is from and how old it is')
      .option('-p, --provider <id>', 'only this provider\'s models')
      .option('--update', 'refresh prices, limits and retirement dates from LiteLLM\'s price file (rc catalog.url)')
      .option('--remote', 'list the model ids the provider\'s own /models endpoint serves (needs -p and its key)')
      .option('--base-url <url>', 'with --remote: the endpoint to ask')
      .option('--all', 'also list the models only the update prices'),
  ).action(run(async () => (await import('../commands/models.js')).modelsCommand));

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
    .action(run(async () => (await import('../commands/batch.js')).batchCommand));

  outputOptions(
    program
      .command('usage')
      .description('spend and tokens from the local history of LLM calls')
      .option('--since <when>', 'a duration (7d, 24h, 30m) or a date (2026-11-01)')
      .option('--by <group>', 'day | provider | model', 'day'),
  ).action(run(async () => (await import('../commands/usage.js')).usageCommand));

  const config = program.command('config').description('show, explain and start configuration');
  outputOptions(
    config.command('show').description('the resolved configuration, each value with its source; keys redacted'),
  ).action(run(async () => (await import('../commands/config.js')).configShowCommand));
  outputOptions(config.command('path').description('the rc files ptc reads, in precedence order')).action(
    run(async () => (await import('../commands/config.js')).configPathCommand),
  );
  config
    .command('init')
    .description('write a starter .ptcrc.json here (no secrets; names the variables keys come from)')
    .option('-p, --provider <id>', 'the provider to start with', 'kimi')
    .option('--force', 'overwrite an existing .ptcrc.json')
    .action(run(async () => (await import('../commands/config.js')).configInitCommand));

  const sandbox = program.command('sandbox').description('manage Daytona sandboxes');
  outputOptions(
    sandbox
      .command('prune')
      .description('list and delete leftover ptc sandboxes in Daytona (label app=ptc); others are never touched')
      .option('--dry-run', 'list them, delete nothing'),
  ).action(run(async () => (await import('../commands/sandbox.js')).sandboxPruneCommand));
  outputOptions(
    sandbox
      .command('snapshot')
      .description('manage Daytona snapshots for ptc')
      .command('create')
      .description('build a snapshot with Python, pytest and common packages preinstalled; prints its name for daytona.snapshot')
      .option('--name <name>', 'snapshot name (default: ptc-python<version>-<hash of the package list>)')
      .option('--package <spec...>', 'more pip packages to preinstall'),
  ).action(run(async () => (await import('../commands/sandbox.js')).sandboxSnapshotCreateCommand));

  outputOptions(
    program.command('doctor').description('check config, keys, endpoints and sandboxes; one line per check'),
  )
    .option('--offline', 'skip the network checks')
    .action(run(async () => (await import('../commands/doctor.js')).doctorCommand));

  program
    .command('mcp')
    .description('Model Context Protocol server on stdio (tools generate, apply, run_tests, list_models) for agents such as ROMA')
    .option('--root <dir>', 'where outputs go and relative paths start; nothing is written outside it (default: the working directory)')
    .option('-q, --quiet', 'log less on stderr')
    .option('-v, --verbose', 'log more on stderr')
    .addHelpText(
      'after',
      `
stdout carries the protocol only; logs go to stderr. Config and keys resolve as for the CLI, from --root.
Example client config: { "command": "ptc", "args": ["mcp"] }`,
    )
    .action(run(async () => (await import('../commands/mcp.js')).mcpCommand));

  program
    .command('serve')
    .description('HTTP service: GET /health, POST /v1/generate, /v1/apply, /v1/run (the JSON contract)')
    .option('--host <host>', 'address to bind; anything but loopback needs PTC_SERVE_TOKEN (32+ characters)', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', port('--port'), 8001)
    .option('--root <dir>', 'outputs are confined here and relative paths start here (default: the working directory)')
    .option('--max-concurrency <n>', 'requests run at once; more get 429 with Retry-After', count('--max-concurrency'), 2)
    .option('--request-timeout <seconds>', 'bound on each request (504 with the result when hit)', seconds('--request-timeout'), 600)
    .option('--shutdown-timeout <seconds>', 'on SIGTERM, how long requests in flight may finish before they are cancelled', secondsOrZero('--shutdown-timeout'), 30)
    .option('--allow-base-url', 'accept "baseUrl" in request bodies (it decides where this server\'s API keys are sent)')
    .option('--allow-host <name...>', 'also accept requests addressed to these host names (besides loopback names and --host)')
    .option('--allow-origin <origin...>', 'let web pages from these origins call the server (CORS); others are refused')
    .option('--receive-timeout <seconds>', 'time a client gets to send the headers, and the body (408 past it)', positive('--receive-timeout'), 10)
    .option('-q, --quiet', 'log less on stderr')
    .option('-v, --verbose', 'log more on stderr')
    .action(run(async () => (await import('../commands/serve.js')).serveCommand));

  return program;
}

export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  const env = opts.env ?? process.env;
  const json = argv.includes('--json');
  await loadColorSupport([opts.stdout ?? process.stdout, opts.stderr ?? process.stderr], env);
  const io = new IO({
    json,
    quiet: argv.includes('-q') || argv.includes('--quiet'),
    verbose: argv.includes('-v') || argv.includes('--verbose'),
    stdout: opts.stdout,
    stderr: opts.stderr,
    env,
  });
  const lifecycle = new Lifecycle();
  const stdin = opts.stdin ?? process.stdin;
  const ctx: CliContext = {
    io,
    lifecycle,
    cwd: opts.cwd ?? process.cwd(),
    env,
    stdinIsTTY: Boolean((stdin as { isTTY?: boolean }).isTTY),
    stdin,
  };
  if (opts.installSignalHandlers !== false) {
    lifecycle.installSignalHandlers((code, why) => {
      if (why === 'grace expired') {
        io.note(`ptc: still winding down ${lifecycle.signalGraceMs / 1000}s after the signal; exiting without waiting further`);
      }
      io.close();
      void exitProcess(code);
    });
  }

  let code: number = ExitCode.ok;
  const program = buildProgram(ctx, (c) => (code = c));
  program.exitOverride();
  // Subcommands were made before these settings: give each its own, so their errors read the same.
  const output = {
    writeOut: (s: string) => io.print(s.replace(/\n$/, '')),
    writeErr: (s: string) => io.note(s.replace(/\n$/, '')),
    // `error: option '--fix <n>' argument 'x' is invalid. --fix must be …` → `ptc: --fix must be …`
    outputError: (s: string, write: (str: string) => void) =>
      write(s.replace(/^error: (option '[^']*' argument '[^']*' is invalid\. )?/, 'ptc: ')),
  };
  program.configureOutput(output);
  for (const sub of program.commands) {
    sub.exitOverride().configureOutput(output);
    for (const subsub of sub.commands) subsub.exitOverride().configureOutput(output);
  }

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.ok;
    }
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        code = ExitCode.ok;
      } else {
        // commander has printed its message on stderr; --json still owes stdout one document.
        if (json) {
          const error = new UsageError(err.message.replace(/^error: /, ''), { code: 'usage' });
          io.print(JSON.stringify(errorDocument(error, pipelineCommandOf(argv)), null, 2));
        }
        code = ExitCode.usage;
      }
    } else {
      const error = toPtcError(err);
      renderError(io, error, json, pipelineCommandOf(argv));
      code = error.exitCode;
    }
  } finally {
    await lifecycle.runCleanups();
    io.close();
    lifecycle.dispose();
  }
  code = lifecycle.signalExitCode ?? code;
  return code;
}

/** generate / apply / run, when argv names one: their --json errors carry the whole result shape. */
function pipelineCommandOf(argv: string[]): Result['command'] | null {
  const first = argv.find((a) => !a.startsWith('-'));
  if (first === 'generate' || first === 'gen') return 'generate';
  if (first === 'apply' || first === 'run') return first;
  return null;
}


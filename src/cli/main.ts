import { CommanderError } from 'commander';
import { ExitCode, toPtcError, UsageError } from '../errors.js';
import type { Result } from '../report/result-schema.js';
import { loadColorSupport } from '../ui/color.js';
import { IO, type Writable } from '../ui/io.js';
import type { CliContext } from './context.js';
import { exitProcess, Lifecycle } from './lifecycle.js';
import { buildProgram } from './program.js';
import { errorDocument, renderError } from './render-error.js';

/** bin/ptc.js ends the process with it. */
export { buildProgram, exitProcess };

export interface MainOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdout?: Writable;
  stderr?: Writable;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  installSignalHandlers?: boolean;
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


/**
 * Everything that can be checked before a model call is paid for: the provider's key, an output folder ptc can
 * write into, and, when tests will run, a sandbox that can run them (bubblewrap and the language's test runner
 * here, or the Daytona key). generate runs it before its call, batch once before any task, eval before its
 * suite: a set-up problem then costs nothing and says how to fix it.
 */
import { execFile } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isolationOf, type ResolvedConfig, requireApiKey, resolveDaytona } from '../config/resolve.js';
import { ConfigError, SandboxError, UsageError } from '../errors.js';
import { getLanguage, type Lang } from '../languages/registry.js';

export interface PreflightInput {
  cfg: ResolvedConfig;
  /** Whether a model will be called (generate): then its key must be there. */
  callsModel: boolean;
  /** The output folder (already confined); null when nothing will be written (a dry run). */
  outDir: string | null;
  /** Whether tests will run, and in which language. */
  run: boolean;
  lang: Lang;
}

/** Throws the first problem found, as the error the run would have failed with later (after paying). */
export async function preflight(input: PreflightInput): Promise<void> {
  const { cfg } = input;
  if (input.callsModel) requireApiKey(cfg, cfg.settings.provider.value);
  if (input.outDir) await checkWritableFolder(input.outDir);
  if (input.run) await checkSandbox(cfg, input.lang);
}

/** The folder exists as a folder and can be written, or can be made: its nearest existing parent is writable. */
export async function checkWritableFolder(outDir: string): Promise<void> {
  let dir = resolve(outDir);
  for (;;) {
    const st = await stat(dir).catch(() => null);
    if (st) {
      if (!st.isDirectory()) {
        throw new UsageError(`the output path ${dir} exists and is not a folder`, { code: 'out_not_dir', hint: 'choose another --out' });
      }
      try {
        await access(dir, constants.W_OK | constants.X_OK);
      } catch {
        throw new UsageError(`cannot write into ${dir}: permission denied; nothing was sent to the model`, {
          code: 'out_not_writable',
          hint: 'choose another --out, or make the folder writable',
        });
      }
      return;
    }
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** The sandbox the tests will run in: the Daytona key, or bubblewrap (unless --no-isolation) and the test runner. */
export async function checkSandbox(cfg: ResolvedConfig, lang: Lang): Promise<void> {
  if (cfg.settings.sandbox.value === 'daytona') {
    if (!resolveDaytona(cfg).apiKey.value) {
      throw new ConfigError('the daytona sandbox needs a key: set DAYTONA_API_KEY; nothing was sent to the model', {
        code: 'missing_key',
        hint: 'export DAYTONA_API_KEY=... (or use --sandbox local)',
      });
    }
    return;
  }
  const isolation = isolationOf(cfg);
  const check = getLanguage(lang).hostRunnerCheck;
  // Both probes at once: they are processes, and this wait is in front of the model call. A missing bwrap or
  // runner answers at once; on a machine so busy that a probe takes longer than PROBE_WAIT_MS the call goes
  // ahead: the sandbox set-up waits for the isolation probe and stops the run, and the paid reply is saved.
  const runnerFound = !check
    ? Promise.resolve(true)
    : check.found
      ? check.found(cfg.file.local?.python ?? null).catch(() => false)
      : commandSucceeds(check.command);
  const probes = (async () => {
    const { checkLocalIsolation } = await import('../sandbox/local.js');
    await checkLocalIsolation({ isolation, allowNoIsolation: isolation === 'none' });
    if (check && !(await runnerFound)) {
      throw new SandboxError(`the tests cannot run here: ${check.what} was not found; nothing was sent to the model`, {
        code: 'sandbox_runner_missing',
        hint: `${check.hint}, use --sandbox daytona, or --no-run`,
      });
    }
  })();
  probes.catch(() => undefined); // when the wait below gives up first, the run's own sandbox set-up reports it
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<void>((done) => (timer = setTimeout(done, PROBE_WAIT_MS)));
  try {
    await Promise.race([probes, slow]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long the sandbox probes may hold a paid call back (they take well under this on an idle machine). */
export const PROBE_WAIT_MS = 750;

const probes = new Map<string, Promise<boolean>>();

/** Whether a command runs and exits 0 on this machine; asked once per process. */
function commandSucceeds(command: readonly string[]): Promise<boolean> {
  const key = JSON.stringify(command);
  let probe = probes.get(key);
  if (!probe) {
    probe = new Promise<boolean>((done) => {
      execFile(command[0]!, command.slice(1), { timeout: 20_000 }, (err) => done(!err));
    });
    probes.set(key, probe);
  }
  return probe;
}

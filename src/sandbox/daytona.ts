/**
 * The `daytona` sandbox: the real @daytonaio/sdk (loaded lazily), one remote sandbox per run, deleted in the
 * caller's finally and, on SIGINT/SIGTERM, by the cleanup the pipeline registers for it (core/steps.ts).
 * `disposeAllDaytona()` is the sweep for callers that hold no handles (tests, library users).
 *
 * SDK calls and the routes they hit (checked against @daytonaio/sdk 0.218):
 *   daytona.create        POST {api}/sandbox ({snapshot} for a Python run when daytona.snapshot is set), then
 *                         GET {api}/sandbox/{id} until `started`
 *   sandbox.getWorkDir    GET  {toolbox}/{id}/work-dir
 *   fs.uploadFiles        POST {toolbox}/{id}/files/bulk-upload (multipart: files[i].path, files[i].file)
 *   process.createSession          POST   {toolbox}/{id}/process/session {sessionId}
 *   process.executeSessionCommand  POST   {toolbox}/{id}/process/session/{sessionId}/exec {command, runAsync} → {cmdId}
 *   process.getSessionCommand      GET    {toolbox}/{id}/process/session/{sessionId}/command/{cmdId} → {exitCode?}
 *   process.getSessionCommandLogs  GET    {toolbox}/{id}/process/session/{sessionId}/command/{cmdId}/logs
 *                                         → {output, stdout, stderr}
 *   process.deleteSession          DELETE {toolbox}/{id}/process/session/{sessionId} (kills what runs in it)
 *   process.executeCommand POST {toolbox}/{id}/process/execute {command, timeout, cwd?, envs?} (toolboxes
 *                          without sessions only)
 *   fs.downloadFile       POST {toolbox}/{id}/files/bulk-download {paths} → multipart
 *   daytona.delete        DELETE {api}/sandbox/{id}
 *   daytona.list          GET  {api}/sandbox?labels=<json>&cursor=…
 * The constructor also opens a Socket.IO websocket at {api}/socket.io/ for state events; it falls back to polling.
 */
import { randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import type { Daytona as DaytonaClient, Sandbox as SdkSandbox } from '@daytonaio/sdk';
import { ConfigError, SandboxError, abortReason } from '../errors.js';
import { getLanguage } from '../languages/registry.js';
import type { Lang } from '../languages/registry.js';
import {
  silentLogger,
  type ExecOptions,
  type ExecResult,
  type Logger,
  type Sandbox,
  type SandboxFile,
} from '../types.js';
import { isNotFound, isTransient, rateLimitWaitMs, statusOf, toSandboxError, type DaytonaPhase } from './daytona-errors.js';
import { withRateLimitRetry } from './daytona-retry.js';
import { capText } from './output-cap.js';
import { shellQuote } from './shell-quote.js';
import { insidePath } from '../workspace/paths.js';

export type DaytonaPhaseName = 'creating' | 'uploading' | 'cleaning up';

export interface DaytonaSandboxOptions {
  apiKey: string;
  apiUrl: string;
  target?: string;
  lang: Lang;
  runId: string;
  /** Minutes of inactivity before Daytona stops (and then deletes) a leaked sandbox. Default 15. */
  autoStopMinutes?: number;
  /** Default 60. */
  createTimeoutSec?: number;
  /**
   * A snapshot (`ptc sandbox snapshot create`) with pytest preinstalled, used for Python runs: the default image
   * has no pytest, so without one every Python run first installs it. JS/TS runs keep the default image (node).
   */
  snapshot?: string;
  logger?: Logger;
  signal?: AbortSignal;
  onPhase?: (phase: DaytonaPhaseName) => void;
}

/** Characters kept from one command (as the local sandbox keeps per stream); the middle is cut. */
export const DAYTONA_OUTPUT_CAP = 1024 * 1024;
/** How long a command may outlive its own time limit before ptc gives up on the toolbox (it stops answering). */
const EXEC_GRACE_MS = 30_000;
/** Pause before the first poll of a session command; it grows by POLL_BACKOFF up to POLL_MAX_MS. */
const POLL_FIRST_MS = 100;
// At most half a second: a test run of a few seconds then ends at most that late, for a few more light requests.
const POLL_MAX_MS = 500;
const POLL_BACKOFF = 1.5;
/** Further tries of a poll or a log read that failed with a 5xx, a 429 or a dropped connection. */
const TRANSIENT_RETRIES = 3;
/** How long ptc waits for a session to be deleted, and for the output of a command it stopped. */
const SESSION_CLEANUP_MS = 3_000;
/** How long cleanup of an abandoned create waits for the SDK to hand back the sandbox. */
const ABANDONED_CREATE_GRACE_MS = 2_000;
const REQUEST_TIMEOUT_MS = 60_000;
const UPLOAD_TIMEOUT_SEC = 300;
const DOWNLOAD_TIMEOUT_SEC = 120;

const live = new Set<DaytonaSandbox>();
const pendingCleanups = new Set<Promise<void>>();

/** Sandboxes created and not yet disposed (what `disposeAllDaytona()` would delete). */
export function liveDaytonaSandboxes(): ReadonlySet<Sandbox> {
  return live;
}

/**
 * Delete every live sandbox and finish the cleanup of abandoned creates, waiting at most `timeoutMs` (an
 * interrupted ptc must still exit; what is left stops by itself and `ptc sandbox prune` finds it). Never throws.
 */
export async function disposeAllDaytona(opts: { timeoutMs?: number } = {}): Promise<void> {
  const all = Promise.allSettled([...[...live].map((s) => s.dispose()), ...pendingCleanups]);
  await Promise.race([all, delay(opts.timeoutMs ?? 15_000)]);
}

function track(p: Promise<void>): Promise<void> {
  const tracked = p.catch(() => {}).finally(() => pendingCleanups.delete(tracked));
  pendingCleanups.add(tracked);
  return tracked;
}

/** Settle with `work`, or reject with the abort reason as soon as one of `signals` fires. */
function raceAbort<T>(work: Promise<T>, signals: (AbortSignal | undefined)[]): Promise<T> {
  work.catch(() => {}); // a late rejection after an abort is expected, not unhandled
  const active = signals.filter((s): s is AbortSignal => s !== undefined);
  const fired = active.find((s) => s.aborted);
  if (fired) return Promise.reject(abortReason(fired));
  if (active.length === 0) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (ev: Event) => {
      cleanup();
      reject(abortReason(ev.target as AbortSignal));
    };
    const cleanup = () => active.forEach((s) => s.removeEventListener('abort', onAbort));
    active.forEach((s) => s.addEventListener('abort', onAbort, { once: true }));
    work.then(
      (v) => (cleanup(), resolve(v)),
      (e) => (cleanup(), reject(e)),
    );
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref?.());
}

/**
 * Wait between two polls, or reject as soon as one of `signals` fires. The timer is not unref'd: between polls
 * nothing else may keep the process alive, and a CLI must not exit while its tests run.
 */
function pause(ms: number, signals: (AbortSignal | undefined)[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((r) => (timer = setTimeout(r, ms)));
  return raceAbort(waited, signals).finally(() => clearTimeout(timer));
}

/** Settle with `work`'s value, or with undefined when it fails or takes longer than `ms`. */
async function bounded<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([work.catch(() => undefined), delay(ms).then(() => undefined)]);
}

function aborted(signals: (AbortSignal | undefined)[]): boolean {
  return signals.some((s) => s?.aborted);
}

/**
 * The toolbox does not use a shell: it splits the command at spaces (honouring plain quotes, no escapes) and
 * execs it. So ptc sends `sh -c 'eval "$(echo <base64> | base64 -d)"'`, whose only quoted part survives that
 * split intact, and puts cwd and env in the script (older daemons ignore the request's `envs`).
 */
export function wrapForToolbox(command: string, dir: string, env: Record<string, string> = {}): string {
  const lines = [`mkdir -p ${shellQuote(dir)} && cd ${shellQuote(dir)} || exit 125`];
  for (const [k, v] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new SandboxError(`invalid environment variable name: ${k}`);
    lines.push(`export ${k}=${shellQuote(v)}`);
  }
  lines.push(command);
  const b64 = Buffer.from(lines.join('\n'), 'utf8').toString('base64');
  return `sh -c 'eval "$(echo ${b64} | base64 -d)"'`;
}

export function capOutput(text: string, cap = DAYTONA_OUTPUT_CAP): { text: string; truncated: boolean } {
  return capText(text, cap);
}

function safeRelative(p: string): string {
  const norm = insidePath(p);
  if (norm === null || norm === '.') {
    throw new SandboxError(`refusing path outside the sandbox directory: ${p}`, {
      code: 'sandbox_upload',
      hint: 'file paths must be relative and stay inside the output directory',
    });
  }
  return norm;
}

interface ExecRun {
  started: number;
  /** When the command is killed, counted from `started`. */
  limitMs: number;
  /** The limit as the one-request route takes it (whole seconds). */
  timeoutSec: number;
  /** The run's and the command's abort signals, and the toolbox deadline. */
  signals: (AbortSignal | undefined)[];
}

interface SessionLogs {
  output?: string;
  stdout?: string;
  stderr?: string;
}

function sessionResult(exitCode: number, logs: SessionLogs, run: ExecRun): ExecResult {
  let stdout = logs.stdout ?? '';
  const stderr = logs.stderr ?? '';
  // A toolbox that returns only the combined `output` still gives the output back, mixed as before.
  if (stdout === '' && stderr === '' && logs.output) stdout = logs.output;
  const out = capOutput(stdout);
  const err = capOutput(stderr);
  return {
    exitCode,
    stdout: out.text,
    stderr: err.text,
    timedOut: false,
    truncated: out.truncated || err.truncated,
    durationMs: Date.now() - run.started,
  };
}

function timedOutResult(partial: SessionLogs | undefined, run: ExecRun, seconds: number): ExecResult {
  const note = `[ptc: the command was killed after ${seconds}s]`;
  const printed = partial ? (partial.stdout || (partial.stderr ? '' : partial.output) || '') : '';
  const out = capOutput(printed);
  const err = capOutput(partial?.stderr ?? '');
  return {
    exitCode: null,
    stdout: out.text === '' ? note : `${out.text}${out.text.endsWith('\n') ? '' : '\n'}${note}`,
    stderr: err.text,
    timedOut: true,
    truncated: out.truncated || err.truncated,
    durationMs: Date.now() - run.started,
  };
}

class DaytonaSandbox implements Sandbox {
  readonly kind = 'daytona' as const;
  private disposing: Promise<void> | null = null;
  /** The session commands run in (see execInSession); replaced after a timeout, an abort or a failure. */
  private session: { id: string; ready: Promise<boolean> } | null = null;
  /** Set once the toolbox answered 404 to the session API: every command then goes through `process/execute`. */
  private oneRequestExec = false;
  /** Pooled: the folder the tasks' folders are made in (the first root). */
  private baseDir: string | null = null;
  /** Pooled: the last task's folder, removed when the next one enters. */
  private staleFolder: string | null = null;

  constructor(
    private readonly client: DaytonaClient,
    private readonly sdk: SdkSandbox,
    private rootDir: string,
    private readonly opts: DaytonaSandboxOptions,
    private readonly logger: Logger,
  ) {}

  get id(): string {
    return this.sdk.id;
  }

  get root(): string {
    return this.rootDir;
  }

  /** The work dir is asked for after create; until then a usual default stands in. */
  async resolveRoot(signal: AbortSignal | undefined): Promise<void> {
    const workDir = await raceAbort(this.sdk.getWorkDir(), [signal]);
    if (workDir) this.rootDir = posix.join(workDir, 'ptc');
  }

  private fail(err: unknown, phase: DaytonaPhase): SandboxError {
    return toSandboxError(err, { phase, apiUrl: this.opts.apiUrl, apiKey: this.opts.apiKey });
  }

  private guard(): void {
    if (this.disposing) throw new SandboxError('the Daytona sandbox was already deleted', { code: 'sandbox_error' });
  }

  async prepare(files: SandboxFile[], remove: string[] = []): Promise<void> {
    this.guard();
    this.opts.onPhase?.('uploading');
    this.logger.progress(`uploading ${files.length} file(s) to Daytona`);
    if (remove.length > 0) {
      const targets = remove.map((p) => shellQuote(posix.join(this.root, safeRelative(p)))).join(' ');
      const res = await this.exec(`rm -rf -- ${targets}`, { timeoutMs: 60_000 });
      if (res.exitCode !== 0) {
        const why = (res.stderr.trim() || res.stdout.trim()).split('\n')[0]!.slice(0, 300);
        throw new SandboxError(`could not remove files in the Daytona sandbox: ${why}`, {
          code: 'sandbox_upload',
          hint: 'run again; if it keeps failing, run with --verbose',
        });
      }
    }
    if (files.length === 0) return;
    const uploads = files.map((f) => ({
      source: typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content,
      destination: posix.join(this.root, safeRelative(f.path)),
    }));
    try {
      await raceAbort(this.sdk.fs.uploadFiles(uploads, UPLOAD_TIMEOUT_SEC), [this.opts.signal]);
    } catch (err) {
      if (this.opts.signal?.aborted) throw abortReason(this.opts.signal);
      throw this.fail(err, 'upload');
    }
  }

  async exec(command: string, opts: ExecOptions): Promise<ExecResult> {
    this.guard();
    const started = Date.now();
    const dir = opts.cwd ? posix.join(this.root, safeRelative(opts.cwd)) : this.root;
    const timeoutSec = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
    this.logger.debug(`daytona exec (${timeoutSec}s) in ${dir}: ${command}`);
    const wrapped = wrapForToolbox(command, dir, opts.env);
    // The SDK takes no signal; bound the wait ourselves so a hung toolbox cannot hang ptc.
    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(
          new SandboxError(`the Daytona toolbox did not answer within ${timeoutSec}s plus ${EXEC_GRACE_MS / 1000}s`, {
            code: 'sandbox_exec_timeout',
            hint: 'run again; if it keeps happening, raise --timeout or check the Daytona status page',
          }),
        ),
      opts.timeoutMs + EXEC_GRACE_MS,
    );
    timer.unref?.();
    const run: ExecRun = {
      started,
      limitMs: Math.max(1_000, opts.timeoutMs),
      timeoutSec,
      signals: [this.opts.signal, opts.signal, deadline.signal],
    };
    try {
      const viaSession = this.oneRequestExec ? null : await this.execInSession(wrapped, run);
      return viaSession ?? (await this.execInOneRequest(wrapped, run));
    } catch (err) {
      if (deadline.signal.aborted) throw deadline.signal.reason as SandboxError;
      for (const s of [this.opts.signal, opts.signal]) if (s?.aborted) throw abortReason(s);
      throw this.fail(err, 'exec');
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Run the command in this sandbox's session: start it in the background, poll until it has an exit code,
   * then read stdout and stderr. No HTTP request stays open for the length of the command, so proxies' request
   * timeouts cannot cut a long test run. At the time limit (and on abort, or when the toolbox fails mid-way) the
   * session is deleted, which kills the command's processes; the next command gets a new session.
   * Null when the toolbox has no session API (it answered 404): ptc then runs commands with `process/execute`.
   */
  private async execInSession(wrapped: string, run: ExecRun): Promise<ExecResult | null> {
    // The session shell would hand the command its own stdin (a pipe that never ends); `process/execute` gave none.
    const command = `${wrapped} < /dev/null`;
    let sessionId: string | null = null;
    let cmdId: string | undefined;
    for (let attempt = 0; cmdId === undefined; attempt++) {
      sessionId = await this.openSession(run.signals);
      if (sessionId === null) return null;
      try {
        const res = await raceAbort(this.sdk.process.executeSessionCommand(sessionId, { command, runAsync: true }), run.signals);
        if (typeof res.cmdId !== 'string' || res.cmdId === '') {
          throw new SandboxError('the Daytona toolbox started the command but returned no command id', {
            code: 'sandbox_error',
            hint: 'run again; if it keeps failing, run with --verbose',
          });
        }
        cmdId = res.cmdId;
      } catch (err) {
        // A session the toolbox no longer knows (its daemon restarted): open a new one, once.
        if (attempt === 0 && statusOf(err) === 404 && !aborted(run.signals)) {
          this.forgetSession(sessionId);
          continue;
        }
        // The command may have started anyway: delete the session so it cannot run on, or hold up the next one.
        await this.dropSession(sessionId);
        throw err;
      }
    }
    const session = sessionId!;
    this.logger.debug(`daytona command ${cmdId} started in session ${session}`);

    const limitAt = run.started + run.limitMs;
    try {
      let wait = POLL_FIRST_MS;
      for (;;) {
        const cmd = await this.retrying(() => this.sdk.process.getSessionCommand(session, cmdId), run.signals);
        if (typeof cmd.exitCode === 'number') {
          const logs = await this.retrying(() => this.sdk.process.getSessionCommandLogs(session, cmdId), run.signals);
          return sessionResult(cmd.exitCode, logs, run);
        }
        const left = limitAt - Date.now();
        if (left <= 0) break;
        await pause(Math.min(wait, left), run.signals);
        wait = Math.min(wait * POLL_BACKOFF, POLL_MAX_MS);
      }
    } catch (err) {
      await this.dropSession(session);
      throw err;
    }

    // Past the time limit: keep what it printed so far, then kill it with its session.
    this.logger.debug(`daytona command ${cmdId} reached its time limit; deleting session ${session}`);
    const partial = await bounded(this.sdk.process.getSessionCommandLogs(session, cmdId), SESSION_CLEANUP_MS);
    await this.dropSession(session);
    return timedOutResult(partial, run, Math.round(run.limitMs / 100) / 10);
  }

  /** Toolboxes without sessions: one HTTP request for the whole command; the daemon enforces the time limit. */
  private async execInOneRequest(wrapped: string, run: ExecRun): Promise<ExecResult> {
    try {
      const res = await raceAbort(
        this.sdk.process.executeCommand(wrapped, undefined, undefined, run.timeoutSec),
        run.signals,
      );
      const { text, truncated } = capOutput(res.result ?? '');
      return {
        exitCode: typeof res.exitCode === 'number' ? res.exitCode : null,
        stdout: text, // this route mixes stdout and stderr into one `result`
        stderr: '',
        timedOut: false,
        truncated,
        durationMs: Date.now() - run.started,
      };
    } catch (err) {
      const e = err as { statusCode?: number; name?: string };
      // The daemon kills the process group at the time limit and answers 408 (output is lost).
      if (!aborted(run.signals) && (e.statusCode === 408 || e.name === 'DaytonaProcessExecutionTimeoutError')) {
        return timedOutResult(undefined, run, run.timeoutSec);
      }
      throw err;
    }
  }

  /** This sandbox's session, created on first use; null when the toolbox has none (from then on, for good). */
  private async openSession(signals: (AbortSignal | undefined)[]): Promise<string | null> {
    if (this.oneRequestExec) return null;
    if (!this.session) {
      const id = `ptc-${randomUUID()}`;
      const ready = this.sdk.process.createSession(id).then(
        () => {
          this.logger.debug(`daytona session ${id} created`);
          return true;
        },
        (err: unknown) => {
          if (this.session?.id === id) this.session = null; // the next command tries again
          if (statusOf(err) !== 404) throw err;
          this.oneRequestExec = true;
          this.logger.debug('the Daytona toolbox has no session API (404); running each command in one HTTP request');
          return false;
        },
      );
      this.session = { id, ready };
    }
    const { id, ready } = this.session;
    return (await raceAbort(ready, signals)) ? id : null;
  }

  private forgetSession(id: string): void {
    if (this.session?.id === id) this.session = null;
  }

  /** Delete a session (killing what runs in it), waiting a bounded time; never throws. */
  private async dropSession(id: string): Promise<void> {
    this.forgetSession(id);
    if (this.disposing) return; // deleting the sandbox kills everything in it anyway
    const done = await bounded(
      this.sdk.process.deleteSession(id).then(
        () => true,
        (err: unknown) => {
          this.logger.debug(`could not delete Daytona session ${id}: ${this.fail(err, 'exec').message}`);
          return true;
        },
      ),
      SESSION_CLEANUP_MS,
    );
    if (!done) this.logger.debug(`deleting Daytona session ${id} did not finish within ${SESSION_CLEANUP_MS / 1000}s`);
  }

  /** A read-only toolbox call, tried again after a 5xx, a 429 or a dropped connection. */
  private async retrying<T>(call: () => Promise<T>, signals: (AbortSignal | undefined)[]): Promise<T> {
    for (let failures = 0; ; failures++) {
      try {
        return await raceAbort(call(), signals);
      } catch (err) {
        if (aborted(signals) || failures >= TRANSIENT_RETRIES || !isTransient(err)) throw err;
        // A 429 that names its wait is honoured (up to the cap); one that asks for longer is not worth waiting on.
        const backoff = 250 * (failures + 1);
        const wait = statusOf(err) === 429 ? rateLimitWaitMs(err, backoff) : backoff;
        if (wait === null) throw err;
        this.logger.debug(`the Daytona toolbox failed (${this.fail(err, 'exec').message}); trying again in ${wait} ms`);
        await pause(wait, signals);
      }
    }
  }

  /**
   * Pooled use (sandbox/pool.ts): from now on work in `<base>/tasks/<name>`, a new empty folder whose `.ptc/site`
   * (pip) and `node_modules` (npm) are the base folder's, shared: a package installed once (pytest, before any
   * task) is there for every task after.
   */
  async enter(name: string): Promise<void> {
    this.guard();
    this.baseDir ??= this.rootDir;
    const base = this.baseDir;
    const folder = posix.join(base, 'tasks', safeRelative(name));
    const q = shellQuote;
    this.rootDir = base;
    // The base folder's own packages (where the runner was installed before any task) are the shared ones.
    // The folder of the task before goes now, in the same command (one round trip per task, not two).
    const stale = this.staleFolder ? `${q(this.staleFolder)} ` : '';
    this.staleFolder = null;
    const res = await this.exec(
      `rm -rf -- ${stale}${q(folder)} && mkdir -p .ptc/site node_modules ${q(`${folder}/.ptc`)} && ` +
        `ln -s ${q(`${base}/.ptc/site`)} ${q(`${folder}/.ptc/site`)} && ln -s ${q(`${base}/node_modules`)} ${q(`${folder}/node_modules`)}`,
      { timeoutMs: 60_000 },
    );
    if (res.exitCode !== 0) throw new SandboxError(`could not make a working folder in the Daytona sandbox: ${res.stderr.trim().split('\n')[0] ?? ''}`);
    this.rootDir = folder;
  }

  /**
   * Pooled use: stop whatever the task left running (its session goes, and every process in it); its folder is
   * removed when the next task enters (or with the sandbox).
   */
  async leave(): Promise<void> {
    this.guard();
    const folder = this.rootDir;
    const base = this.baseDir ?? this.rootDir;
    this.rootDir = base;
    if (folder !== base) this.staleFolder = folder;
    if (this.session) await this.dropSession(this.session.id);
  }

  async readFile(path: string): Promise<Buffer | null> {
    this.guard();
    const full = path.startsWith('/') ? path : posix.join(this.root, safeRelative(path));
    try {
      return await raceAbort(this.sdk.fs.downloadFile(full, DOWNLOAD_TIMEOUT_SEC), [this.opts.signal]);
    } catch (err) {
      if (this.opts.signal?.aborted) throw abortReason(this.opts.signal);
      if (isNotFound(err)) return null;
      throw this.fail(err, 'download');
    }
  }

  dispose(): Promise<void> {
    this.disposing ??= this.deleteRemote();
    return this.disposing;
  }

  private async deleteRemote(): Promise<void> {
    this.opts.onPhase?.('cleaning up');
    this.logger.progress('deleting the Daytona sandbox');
    try {
      await deleteWithRetry(this.client, this.sdk, this.logger);
    } catch (err) {
      const e = this.fail(err, 'delete');
      this.logger.warn(`${e.message} (id ${this.sdk.id}); it stops by itself after ${this.opts.autoStopMinutes ?? 15} min, or run \`ptc sandbox prune\``);
    } finally {
      live.delete(this);
      await closeClient(this.client);
    }
  }
}

async function deleteWithRetry(client: DaytonaClient, sdk: SdkSandbox, logger: Logger): Promise<void> {
  try {
    await withRateLimitRetry(() => client.delete(sdk, 30), { what: 'delete the sandbox', logger });
  } catch (err) {
    if (isNotFound(err)) return;
    logger.debug(`delete of ${sdk.id} failed once, retrying: ${(err as Error).message}`);
    await delay(500);
    try {
      await client.delete(sdk, 30);
    } catch (again) {
      if (!isNotFound(again)) throw again;
    }
  }
}

async function closeClient(client: DaytonaClient): Promise<void> {
  try {
    await client[Symbol.asyncDispose]();
  } catch {
    // closing the event socket is best effort
  }
}

/**
 * A create that failed or was abandoned may still have made a sandbox: find it by its own label (the SDK does
 * not give the id back on failure) and delete it; if the SDK hands one back later, delete that too.
 */
async function cleanupAbandonedCreate(
  client: DaytonaClient,
  creating: Promise<SdkSandbox>,
  nonce: string,
  logger: Logger,
): Promise<void> {
  const deleteFound = async (): Promise<number> => {
    let n = 0;
    for await (const sb of client.list({ labels: { 'ptc-sandbox': nonce } })) {
      if (sb.state === 'destroyed' || sb.state === 'destroying') continue;
      await deleteWithRetry(client, sb, logger).catch((e) => logger.warn(`could not delete Daytona sandbox ${sb.id}: ${(e as Error).message}`));
      n++;
    }
    return n;
  };
  const late = creating.then(
    async (sb) => {
      await deleteWithRetry(client, sb, logger).catch(() => {});
      return true;
    },
    () => false,
  );
  try {
    if ((await deleteFound()) === 0) {
      await Promise.race([late, delay(ABANDONED_CREATE_GRACE_MS)]);
      await deleteFound();
    }
  } catch (err) {
    logger.debug(`cleanup of an abandoned Daytona sandbox failed: ${(err as Error).message}`);
  }
  await closeClient(client);
  // If the SDK hands a sandbox back only now, `late` deletes it; disposeAllDaytona waits for that, bounded.
  void track(late.then(() => {}));
}

let sdkModule: Promise<typeof import('@daytonaio/sdk')> | null = null;
/** The SDK, loaded once (and early, by a run that knows it will need it). */
export function loadDaytonaSdk(): Promise<typeof import('@daytonaio/sdk')> {
  sdkModule ??= import('@daytonaio/sdk');
  return sdkModule;
}

/** A Daytona sandbox as ptc holds it: a Sandbox that a pool can also lend (sandbox/pool.ts). */
export type DaytonaHandle = Sandbox & { readonly id: string; enter(name: string): Promise<void>; leave(): Promise<void> };

export async function createDaytonaSandbox(opts: DaytonaSandboxOptions): Promise<DaytonaHandle> {
  const logger = opts.logger ?? silentLogger;
  if (!opts.apiKey) {
    throw new ConfigError('no Daytona API key is configured', {
      code: 'config_missing_key',
      hint: 'set DAYTONA_API_KEY, or use --sandbox local',
    });
  }
  if (opts.signal?.aborted) throw abortReason(opts.signal);
  const createTimeoutSec = opts.createTimeoutSec ?? 60;
  const snapshot = getLanguage(opts.lang).daytonaSnapshot && opts.snapshot ? opts.snapshot : undefined;
  const errCtx = { apiUrl: opts.apiUrl, apiKey: opts.apiKey, createTimeoutSec, snapshot };

  const { Daytona } = await loadDaytonaSdk();
  let client: DaytonaClient;
  try {
    // apiUrl and target are passed explicitly so ptc's resolved config wins over env and .env files.
    client = new Daytona({
      apiKey: opts.apiKey,
      apiUrl: opts.apiUrl,
      ...(opts.target ? { target: opts.target } : {}),
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
  } catch (err) {
    throw toSandboxError(err, { ...errCtx, phase: 'create' });
  }

  const nonce = randomUUID();
  opts.onPhase?.('creating');
  logger.progress(snapshot ? `creating a Daytona sandbox from snapshot ${snapshot}` : 'creating a Daytona sandbox');
  const params = {
    language: opts.lang,
    labels: { app: 'ptc', 'ptc-run': opts.runId, 'ptc-sandbox': nonce },
    envVars: {}, // never the user's environment
    autoStopInterval: opts.autoStopMinutes ?? 15,
    autoDeleteInterval: 0, // deleted as soon as it stops, so a leak does not outlive the auto-stop
    ...(snapshot ? { snapshot } : {}),
  };
  // A 429 from the sandbox-create throttler made no sandbox, so trying again after its Retry-After is safe.
  const creating = withRateLimitRetry(() => client.create(params, { timeout: createTimeoutSec }), {
    what: 'create the sandbox',
    signal: opts.signal,
    logger,
  });

  let sdk: SdkSandbox;
  try {
    sdk = await raceAbort(creating, [opts.signal]);
  } catch (err) {
    await track(cleanupAbandonedCreate(client, creating, nonce, logger));
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    throw toSandboxError(err, { ...errCtx, phase: 'create' });
  }
  logger.debug(`daytona sandbox ${sdk.id} started`);

  const sandbox = new DaytonaSandbox(client, sdk, '/home/daytona/ptc', opts, logger);
  live.add(sandbox);
  try {
    await sandbox.resolveRoot(opts.signal);
  } catch (err) {
    await sandbox.dispose();
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    throw toSandboxError(err, { ...errCtx, phase: 'create' });
  }
  return sandbox;
}

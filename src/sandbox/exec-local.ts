/**
 * Runs one host process as the leader of its own process group, so a timeout, an abort or dispose can kill
 * the whole tree at once. Output is kept up to a cap per stream (head and tail, a marker where cut).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { abortReason, InterruptedError, SandboxError } from '../errors.js';
import type { ExecResult } from '../types.js';
import { CappedOutput } from './output-cap.js';
import { descendantsOf, untilGone } from './process-tree.js';
import { RESULTS_OVERFLOW_LINE } from './result-stream.js';

export const DEFAULT_OUTPUT_CAP_BYTES = 1024 * 1024;

export interface ProcessSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Run as this user (ptc as root, unisolated: the sandbox user). */
  uid?: number;
  gid?: number;
}

export interface RunProcessOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  outputCapBytes?: number;
  /** Told of each live child so that dispose can kill what is still running. */
  track?: LiveProcesses;
  /**
   * Give the child a results pipe as fd 3 (RESULTS_FD) and return what arrives on it as `results`: test results
   * that do not pass through a file the code under test can rewrite.
   */
  resultsPipe?: boolean;
}

/** Far above any honest run's records; a flood past it damages the stream rather than growing without bound. */
const RESULTS_CAP_BYTES = 16 * 1024 * 1024;

/** The process groups a sandbox has running; killed all at once on dispose. */
export class LiveProcesses {
  private readonly children = new Set<ChildProcess>();
  add(child: ChildProcess): void {
    this.children.add(child);
  }
  delete(child: ChildProcess): void {
    this.children.delete(child);
  }
  killAll(): void {
    for (const child of this.children) killGroup(child);
    this.children.clear();
  }
}

/** Kills the child's group and every descendant that left it; returns the pids signalled, to wait for. */
export function killGroup(child: ChildProcess): number[] {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return [];
  // Listed before the kill: a jail in a session of its own (bwrap --new-session) is outside the group, and a
  // kill that lands while bwrap is still setting up would leave it running without a parent.
  const escaped = descendantsOf(child.pid);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const pid of escaped) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone with the group
    }
  }
  return [child.pid, ...escaped];
}

/** How long a kill may take to land before the result is reported anyway. */
const KILL_SETTLE_MS = 2_000;

/** How long to wait for pipes to close after the leader exits (a stray grandchild may hold them open). */
const PIPE_GRACE_MS = 200;

export function runProcess(spec: ProcessSpec, opts: RunProcessOptions): Promise<ExecResult> {
  const aborted = abortReason(opts.signal);
  if (aborted) return Promise.reject(aborted);
  const cap = opts.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES;
  const stdout = new CappedOutput(cap);
  const stderr = new CappedOutput(cap);
  const started = performance.now();

  return new Promise<ExecResult>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(spec.file, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true, // own process group: kill(-pid) reaches every descendant that did not setsid
        ...(spec.uid !== undefined ? { uid: spec.uid, gid: spec.gid } : {}),
        stdio: opts.resultsPipe ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      reject(spawnFailed(spec.file, err));
      return;
    }
    opts.track?.add(child);
    let timedOut = false;
    let abortError: Error | null = null;
    let settled = false;
    const killed: number[] = [];

    const onAbort = (): void => {
      abortError = abortReason(opts.signal) ?? new InterruptedError();
      killed.push(...killGroup(child));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      killed.push(...killGroup(child));
    }, Math.max(1, opts.timeoutMs));

    child.stdout!.on('data', (c: Buffer) => stdout.push(c));
    child.stderr!.on('data', (c: Buffer) => stderr.push(c));
    const results: Buffer[] = [];
    let resultsLen = 0;
    const resultsPipe = opts.resultsPipe ? (child.stdio[3] as NodeJS.ReadableStream | null) : null;
    resultsPipe?.on('data', (c: Buffer) => {
      if (resultsLen <= RESULTS_CAP_BYTES) results.push(c);
      resultsLen += c.length;
    });

    const finish = (exitCode: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      opts.track?.delete(child);
      // The leader is gone; make sure nothing it left behind keeps running.
      killGroupById(child.pid);
      // A stopped run is reported once what it started has stopped, not while a killed child still runs.
      void untilGone(killed, KILL_SETTLE_MS).then(() => settle(exitCode));
    };

    const settle = (exitCode: number | null): void => {
      if (abortError) {
        reject(abortError);
        return;
      }
      resolve({
        exitCode: timedOut ? null : exitCode,
        stdout: stdout.toString(),
        stderr: stderr.toString(),
        timedOut,
        truncated: stdout.truncated || stderr.truncated,
        durationMs: Math.round(performance.now() - started),
        ...(resultsPipe ? { results: resultsText(results, resultsLen) } : {}),
      });
    };

    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      opts.track?.delete(child);
      reject(spawnFailed(spec.file, err));
    });
    child.on('close', (code) => finish(code));
    child.on('exit', (code) => {
      // Background processes the command left behind die with it (they would also hold the pipes open).
      killGroupById(child.pid);
      // 'close' waits for the pipes; a descendant that escaped the group could hold them forever.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        (child.stdio[3] as { destroy?: () => void } | null | undefined)?.destroy?.();
        finish(code);
      }, PIPE_GRACE_MS).unref();
    });
  });
}

function resultsText(chunks: Buffer[], total: number): string {
  const text = Buffer.concat(chunks).toString('utf8');
  return total > RESULTS_CAP_BYTES ? `${text}\n${RESULTS_OVERFLOW_LINE}\n` : text;
}

function killGroupById(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already empty
  }
}

function spawnFailed(file: string, err: unknown): SandboxError {
  const detail = err instanceof Error ? err.message : String(err);
  return new SandboxError(`could not start ${file}: ${detail}`, {
    code: 'sandbox_spawn_failed',
    hint: 'check that the program is installed and executable (`ptc doctor` checks the sandboxes)',
    retryable: false,
  });
}

import { ExitCode, InterruptedError, signalExitCode, TimeoutError } from '../errors.js';

/** Requests that run on libuv's thread pool: file system calls and name lookups. */
const THREAD_POOL_WORK = /^(FSReq|FileHandle|GetAddrInfo|GetNameInfo)/;

function threadPoolBusy(): boolean {
  return process.getActiveResourcesInfo().some((r) => THREAD_POOL_WORK.test(r));
}

/** How long a signalled ptc lets thread-pool requests in flight finish before it stops waiting for them. */
const THREAD_POOL_GRACE_MS = 1000;

/**
 * Ends the process with `code`. process.exit first waits for the thread pool's requests, and one blocked for
 * good (opening a FIFO that nobody writes to) would keep a signalled ptc alive for ever. So after a signal,
 * requests in flight get a moment to finish (most do: a stat, a write); if one is still pending then, the
 * signal is raised again with its default action, which ends the process at once; a shell sees the same
 * 143 (or 130).
 */
export async function exitProcess(code: number): Promise<never> {
  const signal = code === ExitCode.sigterm ? 'SIGTERM' : code === ExitCode.sigint ? 'SIGINT' : null;
  if (signal) {
    const giveUp = Date.now() + THREAD_POOL_GRACE_MS;
    while (threadPoolBusy() && Date.now() < giveUp) await new Promise((r) => setTimeout(r, 10));
    if (threadPoolBusy()) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
  } else {
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  }
  process.exit(code);
}

/**
 * What a pipe has not taken yet is dropped by process.exit: a --json document of a few hundred KB, read by a
 * busy parent, came out cut short. The callback of an empty write runs once everything before it is written.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

type Cleanup = () => unknown | Promise<unknown>;

/**
 * One AbortSignal for the whole command: SIGINT, SIGTERM and `--timeout` all fire it, with a PtcError as the
 * reason so whoever is waiting can say why. Cleanups (sandbox deletion, temp files) run once, whatever happened.
 */
export class Lifecycle {
  private readonly controller = new AbortController();
  private readonly cleanups = new Set<Cleanup>();
  private timer: NodeJS.Timeout | null = null;
  private cleaned: Promise<void> | null = null;
  private readonly handlers: [NodeJS.Signals, () => void][] = [];
  receivedSignal: 'SIGINT' | 'SIGTERM' | null = null;

  /** The exit code a signal imposes on the command, whatever it was doing; null when none came. */
  get signalExitCode(): number | null {
    return this.receivedSignal ? signalExitCode(this.receivedSignal) : null;
  }
  /**
   * After a first signal, how long the command may take to wind down (cleanups, a server's drain) before the
   * process exits anyway, as on a second signal. A stuck file system must not make Ctrl-C or SIGTERM useless.
   */
  signalGraceMs = 20_000;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  onCleanup(fn: Cleanup): () => void {
    this.cleanups.add(fn);
    return () => this.cleanups.delete(fn);
  }

  installSignalHandlers(onSecondSignal: (code: number, why: 'second signal' | 'grace expired') => void): void {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const handler = () => {
        const code = signalExitCode(sig);
        if (this.receivedSignal) {
          // A second signal means "now": skip waiting for anything but the cleanups already running.
          onSecondSignal(code, 'second signal');
          return;
        }
        this.receivedSignal = sig;
        this.controller.abort(new InterruptedError(sig));
        // unref: a command that finishes in time exits normally and never sees this timer.
        setTimeout(() => onSecondSignal(code, 'grace expired'), this.signalGraceMs).unref();
      };
      process.on(sig, handler);
      this.handlers.push([sig, handler]);
    }
  }

  setTimeout(seconds: number | null | undefined): void {
    if (!seconds || seconds <= 0) return;
    this.timer = setTimeout(() => this.controller.abort(new TimeoutError(seconds)), seconds * 1000);
    this.timer.unref();
  }

  runCleanups(): Promise<void> {
    if (!this.cleaned) {
      this.cleaned = (async () => {
        if (this.timer) clearTimeout(this.timer);
        for (const fn of [...this.cleanups].reverse()) {
          try {
            await fn();
          } catch {
            // A cleanup that fails must not hide the real outcome; each cleanup reports its own trouble.
          }
        }
        this.cleanups.clear();
      })();
    }
    return this.cleaned;
  }

  dispose(): void {
    for (const [sig, handler] of this.handlers) process.off(sig, handler);
    if (this.timer) clearTimeout(this.timer);
  }
}

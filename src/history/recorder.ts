import type { Logger } from '../types.js';
import type { CallRecord } from './call-record.js';
import { historyPath } from './paths.js';
import { appendCalls } from './store.js';

export interface HistorySettings {
  enabled: boolean;
  /** Store the prompts sent (off by default: prompts can hold anything). */
  prompts: boolean;
}

/** `--no-history` beats the rc file's `history.enabled`; both default to recording, without prompts. */
export function historySettings(rc: { enabled?: boolean; prompts?: boolean } | undefined, flags: { history?: boolean }): HistorySettings {
  const enabled = flags.history !== false && rc?.enabled !== false;
  return { enabled, prompts: enabled && rc?.prompts === true };
}

export interface HistoryRecorderOptions {
  path: string;
  /** Fills in `command` for records that do not say. */
  command: string;
  prompts: boolean;
  /** Removes known secrets from any text before it is stored. */
  scrub: (text: string) => string;
  logger: Logger;
}

/**
 * Collects call records and writes them to the history in batches. Recording must never break or slow the
 * work it records: a failed write is one warning, and the rows are dropped.
 */
export class HistoryRecorder {
  private pending: CallRecord[] = [];
  private writing: Promise<void> = Promise.resolve();
  private warned = false;
  written = 0;

  constructor(private readonly opts: HistoryRecorderOptions) {}

  get path(): string {
    return this.opts.path;
  }

  record(call: CallRecord): void {
    const prompt = this.opts.prompts && call.prompt ? this.opts.scrub(call.prompt) : null;
    this.pending.push({ ...call, command: call.command || this.opts.command, prompt });
  }

  /** Writes what has been recorded so far; writes are queued so rows keep their order. */
  flush(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return this.writing;
    this.writing = this.writing.then(async () => {
      try {
        await appendCalls(this.opts.path, rows);
        this.written += rows.length;
      } catch (err) {
        if (!this.warned) {
          this.warned = true;
          this.opts.logger.warn(`could not write the spend history at ${this.opts.path}: ${(err as Error).message} (turn it off with --no-history)`);
        }
      }
    });
    return this.writing;
  }
}

/** The recorder for a command, or null when history is off. */
export function createHistoryRecorder(input: {
  env: NodeJS.ProcessEnv;
  command: string;
  settings: HistorySettings;
  scrub: (text: string) => string;
  logger: Logger;
}): HistoryRecorder | null {
  if (!input.settings.enabled) return null;
  return new HistoryRecorder({
    path: historyPath(input.env),
    command: input.command,
    prompts: input.settings.prompts,
    scrub: input.scrub,
    logger: input.logger,
  });
}

import type { Logger } from '../types.js';
import type { CallRecord } from './call-record.js';

/**
 * Writes one run's model calls to the spend history, unless `--no-history` or the rc file's history.enabled
 * says no. Called after the run with the settings the run already resolved, so a run without model calls
 * costs nothing here, and recording never slows or breaks the work it records.
 */
export async function recordCalls(input: {
  env: NodeJS.ProcessEnv;
  /** The rc file's `history` section as the run resolved it. */
  rc: { enabled?: boolean; prompts?: boolean } | undefined;
  /** What ptc was doing: generate, mcp, serve (overrides what the pipeline filled in). */
  command: string;
  calls: CallRecord[];
  /** false for --no-history. */
  history?: boolean;
  scrub: (text: string) => string;
  logger: Logger;
}): Promise<void> {
  if (input.calls.length === 0 || input.history === false) return;
  const { createHistoryRecorder, historySettings } = await import('./recorder.js');
  const recorder = createHistoryRecorder({
    env: input.env,
    command: input.command,
    settings: historySettings(input.rc, { history: input.history }),
    scrub: input.scrub,
    logger: input.logger,
  });
  if (!recorder) return;
  for (const call of input.calls) recorder.record({ ...call, command: input.command });
  await recorder.flush();
}

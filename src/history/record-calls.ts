import { resolveConfig } from '../config/resolve.js';
import type { Logger } from '../types.js';
import type { CallRecord } from './call-record.js';

/**
 * Writes one run's model calls to the spend history, unless `--no-history` or the rc file's history.enabled
 * says no. Called after the run, so a run without model calls costs nothing here, and recording never slows
 * or breaks the work it records.
 */
export async function recordCalls(input: {
  cwd: string;
  env: NodeJS.ProcessEnv;
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
  // A broken rc file was reported by the run itself; the history then just follows its defaults.
  const rc = await resolveConfig({ cwd: input.cwd, env: input.env }).then((cfg) => cfg.file.history, () => undefined);
  const recorder = createHistoryRecorder({
    env: input.env,
    command: input.command,
    settings: historySettings(rc, { history: input.history }),
    scrub: input.scrub,
    logger: input.logger,
  });
  if (!recorder) return;
  for (const call of input.calls) recorder.record({ ...call, command: input.command });
  await recorder.flush();
}

/**
 * What every pipeline step works within: the run's options, its injected parts, and the result being built.
 * Steps take it (with their own fields) as one object instead of a row of positional parameters.
 */
import type { ResultDraft } from '../report/build.js';
import type { Logger } from '../types.js';
import type { PipelineDeps, PipelineOptions } from './pipeline-types.js';

export interface RunScope {
  opts: PipelineOptions;
  deps: PipelineDeps;
  draft: ResultDraft;
}

/** A warning that belongs in the result as well as on stderr. */
export function warn(draft: ResultDraft, logger: Logger, message: string): void {
  draft.warnings.push(message);
  logger.warn(message);
}

/** The live line's "round N: passed/total · tokens · cost", once a round is complete. */
export function emitRound(deps: PipelineDeps, draft: ResultDraft): void {
  const round = draft.rounds[draft.rounds.length - 1];
  if (round) deps.onRound?.(round, draft);
}

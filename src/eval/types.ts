import type { Lang } from '../languages/registry.js';
import type { SourceFile } from '../sandbox/run-context.js';
import type { ProviderId } from '../types.js';

/** One problem of a suite: what the model is asked, and the tests it never sees. */
export interface EvalTask {
  /** Names the task's folder and its row in every report. */
  id: string;
  prompt: string;
  lang: Lang;
  /** Scored after the run; never in any model request. Paths relative to the task's output folder. */
  hidden: SourceFile[];
  /** Files of the user's project the model sees and the code may import. */
  context: SourceFile[];
}

export interface Suite {
  /** `humaneval`, or the suite file's name. */
  name: string;
  /** Where it was read from: `bundled` or the file's path as given. */
  source: string;
  tasks: EvalTask[];
}

/** A model under test: `-m <provider>:<model>`. */
export interface Target {
  provider: ProviderId;
  model: string;
  /** `provider:model`, as the user wrote it (the key in every report). */
  name: string;
  /** A file-name-safe form, naming the target's folder. */
  slug: string;
}

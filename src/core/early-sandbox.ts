/**
 * The sandbox a run will test in, started while the model is still answering: its creation (Daytona's create
 * and start, the local copy folder and isolation probe) and the test runner's install overlap the model call,
 * so the files go in as soon as the reply is parsed. If the run ends before the sandbox is taken (the model
 * call failed, the reply held no code), the sandbox is deleted.
 */
import type { Lang } from '../languages/registry.js';
import type { Sandbox } from '../types.js';
import type { PipelineDeps } from './pipeline-types.js';
import { nextRequestSent } from '../util/request-sent.js';
import { createSandbox } from './test-run.js';

export interface EarlySandbox {
  /** The sandbox, once ready; rejects as creating it would have (the error surfaces where it always did). */
  take(): Promise<Sandbox>;
  /** The run will not test: delete the sandbox (or, for a pool, give back the place asked for). Never throws. */
  discard(): Promise<void>;
}

export function startSandboxEarly(lang: Lang, deps: PipelineDeps, projectDir: string, testTimeoutMs: number): EarlySandbox {
  // A pool hands a warm sandbox to whichever task's reply is ready first: holding one through a model call would
  // keep it idle, so a pooled run only asks the pool to have one ready, and takes it when its files are.
  if (deps.sandbox.warm) {
    const cancel = deps.sandbox.warm(lang);
    let taken = false;
    return {
      take: () => {
        // Asking for it now replaces the request made early (counting both would make the pool create two).
        taken = true;
        cancel();
        return createSandbox(lang, deps, projectDir);
      },
      discard: async () => {
        if (!taken) cancel();
      },
    };
  }
  // Quiet: the progress line (and the phase a --timeout is judged by) stays on the model call meanwhile.
  const quiet: PipelineDeps = { ...deps, onPhase: undefined };
  // Made once the model request is on the wire (creating loads the Daytona SDK, which holds the event loop for a
  // few hundred milliseconds and would hold the request back as long), or at once when the sandbox is wanted.
  let begin!: () => void;
  const wanted = new Promise<void>((go) => (begin = go));
  void nextRequestSent(REQUEST_WAIT_MS).then(() => begin());
  let taken = false;
  let discarded = false;
  const creating = wanted.then(async () => {
    if (discarded) return null; // discarded before it was begun: nothing to make
    const sandbox = await createSandbox(lang, quiet, projectDir);
    await deps.warmRunner?.(sandbox, lang, testTimeoutMs).catch((err: Error) => deps.logger.debug(`warming the test runner up failed: ${err.message}`));
    return sandbox;
  });
  creating.catch(() => {}); // taken (and its error thrown) later, or discarded
  return {
    take: () => {
      taken = true;
      begin();
      return creating.then((sandbox) => sandbox!);
    },
    discard: async () => {
      if (taken || discarded) return;
      discarded = true;
      begin();
      const sandbox = await creating.catch(() => null);
      await sandbox?.dispose().catch(() => {});
    },
  };
}

/** The longest the sandbox waits for the model request to go out before it is made anyway. */
const REQUEST_WAIT_MS = 1_000;

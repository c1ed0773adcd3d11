import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs ptc in this process as a user would call it (no signal handlers), capturing both streams. */
export async function ptc(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(opts.input === undefined ? [] : [opts.input]) as Readable & { isTTY?: boolean };
  const code = await main(args, {
    cwd: opts.cwd,
    env: opts.env,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin,
    installSignalHandlers: false,
  });
  return { code, stdout, stderr };
}

export const FAKE_KEY = 'sk-test-canary-batch-0000';

/** A tasks file: one JSON object a line. */
export const jsonl = (tasks: object[]) => tasks.map((t) => JSON.stringify(t)).join('\n') + '\n';

/** The environment of a user whose provider is the loopback fake. */
export function fakeEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...base, OPENAI_API_KEY: FAKE_KEY, PTC_PROVIDER: 'openai', PTC_MODEL: 'fake-model' };
}

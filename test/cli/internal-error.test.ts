import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ptc-bug-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An exception ptc did not expect (here: stdout itself failing) is a bug: exit 70, one line, how to report it. */
async function runWithBrokenStdout(args: string[]) {
  let stderr = '';
  const code = await main(args, {
    cwd: dir,
    env: { HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg') },
    stdout: { write: () => { throw new Error('EPIPE-like failure'); } },
    stderr: { write: (s: string) => { stderr += s; return true; } },
    installSignalHandlers: false,
  });
  return { code, stderr };
}

it('an unexpected exception exits 70 with one line that says it is a bug and how to report it', async () => {
  const { code, stderr } = await runWithBrokenStdout(['config', 'path']);
  expect(code).toBe(70);
  expect(stderr).toContain('internal error: EPIPE-like failure');
  expect(stderr).toContain('this is a bug in ptc: please report it');
  expect(stderr).not.toMatch(/\n\s+at /);
});

it('--verbose adds the stack', async () => {
  const { code, stderr } = await runWithBrokenStdout(['config', 'path', '--verbose']);
  expect(code).toBe(70);
  expect(stderr).toMatch(/\n\s+at /);
});

/** A bug inside the pipeline (here: reading the environment throws) renders as any other bug, stack included. */
async function runWithBrokenEnv(args: string[]) {
  let stderr = '';
  const env: NodeJS.ProcessEnv = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg') };
  Object.defineProperty(env, 'PTC_CONFIG', { enumerable: true, get: () => { throw new Error('env read failed'); } });
  const code = await main(args, {
    cwd: dir,
    env,
    stdout: { write: () => true },
    stderr: { write: (s: string) => { stderr += s; return true; } },
    installSignalHandlers: false,
  });
  return { code, stderr };
}

it('a bug inside generate/apply/run says it is one, and --verbose adds its stack there too', async () => {
  const plain = await runWithBrokenEnv(['run', '.']);
  expect(plain.code).toBe(70);
  expect(plain.stderr).toContain('internal error: env read failed');
  expect(plain.stderr).toContain('this is a bug in ptc: please report it');
  expect(plain.stderr).not.toMatch(/\n\s+at /);
  const verbose = await runWithBrokenEnv(['run', '.', '--verbose']);
  expect(verbose.code).toBe(70);
  expect(verbose.stderr).toMatch(/Error: env read failed\n\s+at /);
});

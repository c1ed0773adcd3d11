import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { Lifecycle } from '../../src/cli/lifecycle.js';

let life: Lifecycle | null = null;
afterEach(() => {
  life?.dispose();
  life = null;
});

it('a first signal aborts the run; if it has not wound down within the grace period, the process is told to exit', async () => {
  life = new Lifecycle();
  life.signalGraceMs = 50;
  const exits: [number, string][] = [];
  const exited = new Promise<void>((resolve) =>
    life!.installSignalHandlers((code, why) => {
      exits.push([code, why]);
      resolve();
    }),
  );
  const signalledAt = Date.now();
  process.emit('SIGTERM');
  expect(life.signal.aborted).toBe(true);
  expect(life.receivedSignal).toBe('SIGTERM');
  expect(exits).toEqual([]);
  await exited;
  expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(45);
  expect(exits).toEqual([[143, 'grace expired']]);
});

it('a second signal exits at once, with the code of the signal', () => {
  life = new Lifecycle();
  const exits: [number, string][] = [];
  life.installSignalHandlers((code, why) => exits.push([code, why]));
  process.emit('SIGINT');
  expect(exits).toEqual([]);
  process.emit('SIGINT');
  expect(exits).toEqual([[130, 'second signal']]);
});

it('a signal sets the exit code the command ends with: 130 for SIGINT, 143 for SIGTERM, none without one', () => {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const lc = new Lifecycle();
    expect(lc.signalExitCode).toBeNull();
    lc.installSignalHandlers(() => {});
    process.emit(sig);
    expect(lc.signalExitCode).toBe(code);
    expect(lc.signal.reason).toMatchObject({ code: 'interrupted', exitCode: code });
    lc.dispose();
  }
});

it('the process exits only once its output is written: a reader that is slow to take it still gets all of it', async () => {
  // Needs `npm run build`: the child is plain node, importing the built module.
  const lifecycleUrl = pathToFileURL(join(import.meta.dirname, '../../dist/cli/lifecycle.js')).href;
  const script =
    `import { exitProcess } from ${JSON.stringify(lifecycleUrl)};\n` +
    "process.stdout.write('x'.repeat(1 << 20));\nprocess.stderr.write('exiting\\n');\nawait exitProcess(0);\n";
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Nothing is read from stdout until the child has written it all and is on its way out.
  await new Promise<void>((resolve) => child.stderr.on('data', (c: Buffer) => c.toString().includes('exiting') && resolve()));
  let received = 0;
  child.stdout.on('data', (c: Buffer) => (received += c.length));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(0);
  expect(received).toBe(1 << 20);
});

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

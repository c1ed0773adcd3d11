import { describe, expect, it } from 'vitest';
import { runProcess } from '../../src/sandbox/exec-local.js';
import { spawn } from 'node:child_process';
import { descendantsOf, isRunning, untilGone } from '../../src/sandbox/process-tree.js';
import { hostProcessesWith, until } from '../helpers/host-processes.js';

describe('killing a command kills what it started', () => {
  it('lists a descendant that left the process group for a session of its own', async () => {
    const ac = new AbortController();
    // A grandchild in its own session is what bubblewrap's --new-session jail is: outside the group's kill.
    const running = runProcess(
      { file: '/bin/sh', args: ['-c', 'setsid sleep 2718281 & wait'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: '/' },
      { timeoutMs: 30_000, signal: ac.signal },
    ).catch((e: unknown) => e);
    await until(() => hostProcessesWith('sleep 2718281').length > 0);
    const escaped = Number(hostProcessesWith('sleep 2718281')[0]?.split(':')[0]);
    expect(escaped).toBeGreaterThan(0);
    expect(descendantsOf(process.pid)).toContain(escaped);
    ac.abort();
    await running;
    // Reported stopped only once it has: no wait here for the kill to land.
    expect(hostProcessesWith('sleep 2718281')).toEqual([]);
  });

  it('waits for a process that is still going down before saying it stopped', async () => {
    const child = spawn('sleep', ['0.4'], { stdio: 'ignore' });
    const pid = child.pid!;
    expect(isRunning(pid)).toBe(true);
    await untilGone([pid], 5_000);
    expect(isRunning(pid)).toBe(false);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../../src/sandbox/exec-local.js';
import { descendantsOf } from '../../src/sandbox/process-tree.js';

function hostProcessesWith(marker: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker)) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

describe('killing a command kills what it started', () => {
  it('lists a descendant that left the process group for a session of its own', async () => {
    const ac = new AbortController();
    // A grandchild in its own session is what bubblewrap's --new-session jail is: outside the group's kill.
    const running = runProcess(
      { file: '/bin/sh', args: ['-c', 'setsid sleep 2718281 & wait'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: '/' },
      { timeoutMs: 30_000, signal: ac.signal },
    ).catch((e: unknown) => e);
    await until(() => hostProcessesWith('sleep 2718281').length > 0);
    const [escaped] = hostProcessesWith('sleep 2718281');
    expect(escaped).toBeDefined();
    expect(descendantsOf(process.pid)).toContain(escaped);
    ac.abort();
    await running;
    await until(() => hostProcessesWith('sleep 2718281').length === 0, 3_000);
    expect(hostProcessesWith('sleep 2718281')).toEqual([]);
  });
});

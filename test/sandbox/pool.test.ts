/**
 * The warm sandbox pool with small hand-written members (the Daytona side is covered through the CLI against
 * the loopback fake in test/cli/batch-pool.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/errors.js';
import { SandboxPool, type PoolMember } from '../../src/sandbox/pool.js';

interface FakeMember extends PoolMember {
  folders: string[];
  left: number;
  disposed: boolean;
  failExec: boolean;
}

function members(o: { failFirstEnter?: boolean } = {}) {
  const made: FakeMember[] = [];
  const disposedOne: (() => void)[] = [];
  let n = 0;
  const create = async (): Promise<PoolMember> => {
    const m: FakeMember = {
      id: `sb-${++n}`,
      kind: 'daytona',
      root: '/base',
      folders: [],
      left: 0,
      disposed: false,
      failExec: false,
      async enter(name) {
        if (o.failFirstEnter && made.indexOf(this) === 0) throw new SandboxError('the toolbox is gone', { code: 'sandbox_exec_failed' });
        this.folders.push(name);
      },
      async leave() {
        this.left++;
      },
      async prepare() {},
      async exec() {
        if (this.failExec) throw new SandboxError('the toolbox stopped answering', { code: 'sandbox_exec_failed' });
        return { exitCode: 0, stdout: '', stderr: '', timedOut: false, truncated: false, durationMs: 1 };
      },
      async readFile() {
        return null;
      },
      async dispose() {
        this.disposed = true;
        disposedOne.shift()?.();
      },
    };
    made.push(m);
    return m;
  };
  const nextDispose = () => new Promise<void>((r) => disposedOne.push(r));
  return { made, create, nextDispose };
}

describe('SandboxPool', () => {
  it('serves many tasks with at most max sandboxes, a fresh folder each, and deletes them all on close', async () => {
    const m = members();
    const pool = new SandboxPool({ max: 2 });
    const task = async () => {
      const sb = await pool.lease('k', m.create);
      await sb.exec('true', { timeoutMs: 1000 });
      await sb.dispose();
    };
    await Promise.all(Array.from({ length: 7 }, task));
    expect(m.made).toHaveLength(2);
    const stats = pool.stats();
    expect(stats.created).toBe(2);
    expect(stats.tasksPerSandbox.reduce((a, b) => a + b, 0)).toBe(7);
    // Every task had a folder of its own, cleared when it gave the sandbox back.
    const folders = m.made.flatMap((x) => x.folders);
    expect(new Set(folders).size).toBe(7);
    expect(m.made.reduce((n, x) => n + x.left, 0)).toBe(7);
    expect(m.made.some((x) => x.disposed)).toBe(false);
    await pool.close();
    expect(m.made.every((x) => x.disposed)).toBe(true);
    expect(pool.stats()).toMatchObject({ created: 2, deleted: 2 });
  });

  it('replaces a sandbox that failed instead of lending it again', async () => {
    const m = members();
    const pool = new SandboxPool({ max: 1 });
    const first = await pool.lease('k', m.create);
    m.made[0]!.failExec = true;
    await expect(first.exec('true', { timeoutMs: 1000 })).rejects.toThrow(/stopped answering/);
    await first.dispose();
    expect(m.made[0]!.disposed).toBe(true);
    const second = await pool.lease('k', m.create);
    await second.exec('true', { timeoutMs: 1000 });
    expect(m.made).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ created: 2, replaced: 1 });
    await second.dispose();
    await pool.close();
  });

  it('a sandbox that cannot make a task its folder is replaced, and the task gets the new one', async () => {
    const m = members({ failFirstEnter: true });
    const pool = new SandboxPool({ max: 1 });
    const sb = await pool.lease('k', m.create);
    await sb.exec('true', { timeoutMs: 1000 });
    expect(m.made).toHaveLength(2);
    expect(m.made[0]!.disposed).toBe(true);
    expect(m.made[1]!.folders).toHaveLength(1);
    expect(pool.stats()).toMatchObject({ replaced: 1 });
    await sb.dispose();
    await pool.close();
  });

  it('starts a sandbox when a run says it will need one, before it asks', async () => {
    const m = members();
    const pool = new SandboxPool({ max: 3 });
    const cancel = pool.warm('k', m.create);
    await new Promise((r) => setImmediate(r));
    expect(m.made).toHaveLength(1);
    cancel();
    const sb = await pool.lease('k', m.create);
    // The warm one is lent: no second create.
    expect(m.made).toHaveLength(1);
    await sb.dispose();
    await pool.close();
  });

  it('deletes a sandbox left idle past idleMs', async () => {
    const m = members();
    const pool = new SandboxPool({ max: 1, idleMs: 20 });
    const sb = await pool.lease('k', m.create);
    const deleted = m.nextDispose();
    await sb.dispose();
    expect(m.made[0]!.disposed).toBe(false);
    await deleted;
    expect(m.made[0]!.disposed).toBe(true);
    // Gone for good: the next task gets a new one.
    const again = await pool.lease('k', m.create);
    expect(m.made).toHaveLength(2);
    await again.dispose();
    await pool.close();
  });

  it('a task that gives up waiting leaves the queue', async () => {
    const m = members();
    const pool = new SandboxPool({ max: 1 });
    const held = await pool.lease('k', m.create);
    const controller = new AbortController();
    const waiting = pool.lease('k', m.create, controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    await held.dispose();
    const next = await pool.lease('k', m.create);
    expect(m.made).toHaveLength(1);
    await next.dispose();
    await pool.close();
  });
});

/**
 * Writes never destroy another run's files: rollback undoes exactly this run's files and removes only empty
 * folders it made; writers of one folder take turns under its lock; temp files of dead processes are swept.
 * Races are made deterministic with the commit's stage hook and the lock's wait callback, never with timing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PtcError } from '../../src/errors.js';
import type { GeneratedFile } from '../../src/types.js';
import { commitWrite, planWrite, writeLockPath } from '../../src/workspace/write.js';

let base: string;
let out: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'ptc-writes-'));
  out = join(base, 'out');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const code = (path: string, content = `# ${path}\n`): GeneratedFile => ({ path, content, kind: 'code' });

/** Every path under a folder, recursively, sorted. */
async function tree(root: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    found.push(rel);
    if (e.isDirectory()) found.push(...(await tree(root, rel)));
  }
  return found.sort();
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function rejection(p: Promise<unknown>): Promise<PtcError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(PtcError);
  return err as PtcError;
}

describe('rollback after a failed write', () => {
  it('removes exactly the files this run created; folders only if empty; a foreign file and its folder stay', async () => {
    const plan = await planWrite(out, [code('pkg/a.py'), code('pkg/sub/b.py'), code('zzz/c.py')], { force: false });
    const failing = commitWrite(plan, {
      onStage: async (stage) => {
        if (stage !== 'temps-written') return;
        // Another process (or the user's tools) writes into a folder this run created…
        await writeFile(join(out, 'pkg', 'theirs.py'), 'keep me\n');
        // …and this run's last file cannot be placed: a folder took its place.
        await mkdir(join(out, 'zzz', 'c.py'));
      },
    });
    const err = await rejection(failing);
    expect(err.code).toBe('write_failed');
    expect(await readFile(join(out, 'pkg', 'theirs.py'), 'utf8')).toBe('keep me\n');
    // This run's files are gone, and so is the folder it made that is now empty (pkg/sub); pkg and zzz are not
    // empty, so they stay; no temp file, no lock left behind.
    expect(await tree(out)).toEqual(['pkg', 'pkg/theirs.py', 'zzz', 'zzz/c.py']);
  });

  it('removes the output folder it created when the write fails and nothing else is in it', async () => {
    const plan = await planWrite(out, [code('a.py'), code('b.py')], { force: false });
    const err = await rejection(
      commitWrite(plan, { onStage: (stage) => (stage === 'temps-written' ? mkdir(join(out, 'b.py')) : undefined) }),
    );
    expect(err.code).toBe('write_failed');
    await rm(join(out, 'b.py'), { recursive: true });
    expect(await tree(out)).toEqual([]); // the folder ptc made for its lock is gone too
  });
});

describe('two writers of one folder', () => {
  it('take turns under the folder lock: the one that fails leaves the other\'s files in place', async () => {
    const planA = await planWrite(out, [code('pkg/a.py'), code('pkg/z.py')], { force: false });
    const planB = await planWrite(out, [code('pkg/b.py', 'B\n')], { force: false });
    const bWaiting = deferred<number | null>();
    const order: string[] = [];
    let b: Promise<unknown> | null = null;
    const a = commitWrite(planA, {
      onStage: async (stage) => {
        if (stage === 'locked') {
          // A holds the lock and has made pkg/: B starts now and must wait for A instead of writing into pkg/.
          b = commitWrite(planB, { onWait: (pid) => bWaiting.resolve(pid) }).then(() => order.push('B wrote'));
          expect(await bWaiting.promise).toBe(process.pid);
        }
        if (stage === 'temps-written') await mkdir(join(out, 'pkg', 'z.py')); // A fails on its last file
      },
    });
    expect((await rejection(a)).code).toBe('write_failed');
    order.push('A failed');
    await b;
    expect(order).toEqual(['A failed', 'B wrote']);
    expect(await readFile(join(out, 'pkg', 'b.py'), 'utf8')).toBe('B\n');
    expect(existsSync(join(out, 'pkg', 'a.py'))).toBe(false);
    expect(existsSync(writeLockPath(out))).toBe(false);
  });

  it('a lock left by a process that died is taken over; one held by a live process is waited for', async () => {
    const dead = deadPid();
    await mkdir(join(out, '.ptc'), { recursive: true });
    await writeFile(writeLockPath(out), `${dead} 0123456789ab 2026-01-01T00:00:00.000Z\n`);
    await commitWrite(await planWrite(out, [code('a.py')], { force: false }));
    expect(await readFile(join(out, 'a.py'), 'utf8')).toBe('# a.py\n');

    const live = spawn('sleep', ['30']);
    try {
      await writeFile(writeLockPath(out), `${live.pid} 0123456789ab 2026-01-01T00:00:00.000Z\n`);
      const err = await rejection(commitWrite(await planWrite(out, [code('b.py')], { force: false }), { lockTimeoutMs: 300 }));
      expect(err.code).toBe('write_locked');
      expect(err.message).toContain(`pid ${live.pid}`);
      expect(existsSync(join(out, 'b.py'))).toBe(false);
      expect(await readFile(writeLockPath(out), 'utf8')).toContain(String(live.pid)); // its lock is untouched
    } finally {
      live.kill('SIGKILL');
    }
  });
});

/** The PID of a process that has exited (and, within a test's time, not been reused). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('temp files of killed writers', () => {
  it('a write removes .ptc-tmp files of dead processes in the folders it writes to, and keeps a live one\'s', async () => {
    const live = spawn('sleep', ['30']);
    try {
      const deadTemp = `.a.py.${deadPid()}-0a1b2c3d.ptc-tmp`;
      const liveTemp = `.a.py.${live.pid}-0a1b2c3d.ptc-tmp`;
      const deepDead = `.x.py.${deadPid()}-deadbeef.ptc-tmp`;
      await mkdir(join(out, 'pkg'), { recursive: true });
      for (const [dir, name] of [[out, deadTemp], [out, liveTemp], [join(out, 'pkg'), deepDead]] as const) {
        await writeFile(join(dir, name), 'half a file');
      }
      const backup = `.a.py.${deadPid()}-0a1b2c3d.ptc-bak`; // after a crash, maybe the only copy of a user's file
      await writeFile(join(out, backup), 'original');
      await commitWrite(await planWrite(out, [code('b.py'), code('pkg/y.py')], { force: false }));
      const names = await tree(out);
      expect(names).not.toContain(deadTemp);
      expect(names).not.toContain(`pkg/${deepDead}`);
      expect(names).toContain(liveTemp);
      expect(names).toContain(backup);
    } finally {
      live.kill('SIGKILL');
    }
  });
});

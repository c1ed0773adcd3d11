/**
 * Hostile generated code against the local sandbox, through the CLI on real bubblewrap: it must not run as the
 * host's root, must not reach the kernel's knobs, and each bomb must end within the time limit with the limit
 * it hit named in the result. Every bomb here is bounded on its own, so a broken limit fails the test instead
 * of hurting the machine.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { usableBwrap } from '../../src/sandbox/isolation.js';
import { makeSandbox, runPtc, type Sandbox } from '../cli/harness.js';
import { hostProcessesWith } from '../helpers/host-processes.js';

const bwrap = await usableBwrap();
const SKIP_REASON = bwrap ? '' : ' (skipped: bubblewrap cannot create a sandbox on this machine)';

let sb: Sandbox;
let tmp: string;
beforeEach(() => {
  sb = makeSandbox();
  // The run's copies go here, so the test can see what is left of them.
  tmp = join(sb.dir, 'tmp');
  mkdirSync(tmp);
});
afterEach(() => sb.cleanup());

interface RunJson {
  exitCode: number;
  warnings?: string[];
  error: { message: string } | null;
  tests: { passed: number; failed: number; cases: { name: string; status: string; message: string | null }[] } | null;
  durationMs: number;
}

/** `ptc run proj --json` with the given rc limits; the test file is `test_hostile.py`. */
async function runHostile(testPy: string, limits: Record<string, unknown> = {}, extraArgs: string[] = []) {
  sb.write('.ptcrc.json', JSON.stringify({ local: { testTimeout: 20, limits } }));
  sb.write('proj/test_hostile.py', testPy);
  const started = Date.now();
  const r = await runPtc(['run', 'proj', '--json', ...extraArgs], { cwd: sb.cwd, env: { ...sb.env, TMPDIR: tmp }, timeoutMs: 40_000 });
  return { r, json: JSON.parse(r.stdout) as RunJson, wallMs: Date.now() - started };
}

describe.skipIf(!bwrap)(`hostile generated code in the local sandbox${SKIP_REASON}`, () => {
  it('does not run as root and cannot write the kernel\'s settings (CI runs ptc as root)', async () => {
    const before = readFileSync('/proc/sys/vm/swappiness', 'utf8');
    const { r, json } = await runHostile(`
import os

def test_not_root():
    assert os.getuid() != 0 and os.geteuid() != 0 and 0 not in os.getgroups()
    # Its owner on the host says who the code really is there (a user namespace can show any uid inside).
    open('made-by-code.txt', 'w').write('x')

def test_swappiness_not_writable():
    try:
        with open('/proc/sys/vm/swappiness', 'w') as f:
            f.write('13')
    except OSError:
        return
    raise AssertionError('wrote /proc/sys/vm/swappiness')

def test_proc_sys_mounted_read_only():
    mounts = [l.split() for l in open('/proc/self/mounts')]
    sys_mounts = [m for m in mounts if m[1] == '/proc/sys']
    assert sys_mounts and all('ro' in m[3].split(',') for m in sys_mounts), sys_mounts
`, {}, ['--keep']);
    expect(json.tests?.cases.map((c) => `${c.name}: ${c.status} ${c.message ?? ''}`)).toEqual([
      'test_not_root: passed ',
      'test_swappiness_not_writable: passed ',
      'test_proc_sys_mounted_read_only: passed ',
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync('/proc/sys/vm/swappiness', 'utf8')).toBe(before);
    const kept = readdirSync(tmp).find((n) => n.startsWith('ptc-kept-'))!;
    const owner = statSync(join(tmp, kept, 'made-by-code.txt')).uid;
    expect(owner).toBe(process.getuid!() === 0 ? 65534 : process.getuid!());
  });

  it('stops a memory bomb and names the memory limit', async () => {
    // At most 1 GiB even without a limit; 16 MiB a step.
    const { r, json, wallMs } = await runHostile(`
def test_memory_bomb():
    hoard = []
    for _ in range(64):
        hoard.append(bytearray(16 << 20))
`, { memory: '128MiB' });
    expect(json.warnings).toContain('memory limit 128 MiB reached (local.limits.memory, per process)');
    expect(json.tests?.cases[0]).toMatchObject({ name: 'test_memory_bomb', status: 'failed', message: expect.stringContaining('MemoryError') });
    expect(r.code).toBe(1);
    expect(wallMs).toBeLessThan(20_000);
  });

  it('stops a fork bomb, names the process limit and leaves no process behind', async () => {
    const marker = `31.${process.pid}${Date.now() % 100000}`;
    const { r, json } = await runHostile(`
import os

def test_fork_bomb():
    for _ in range(300):
        if os.fork() == 0:
            os.execv('/bin/sleep', ['sleep', '${marker}'])
`, { processes: 32 });
    expect(json.warnings).toContain('process limit 32 reached (local.limits.processes)');
    expect(json.tests?.cases[0]?.message).toContain('BlockingIOError');
    expect(r.code).toBe(1);
    expect(hostProcessesWith(marker)).toEqual([]);
  });

  it('stops a file past the file size limit and names it', async () => {
    const { r, json } = await runHostile(`
def test_big_file():
    with open('big.bin', 'wb') as f:
        for _ in range(64):
            f.write(bytes(1 << 20))
`, { fileSize: '8MiB' });
    expect(json.warnings).toContain('file size limit 8 MiB reached (local.limits.fileSize)');
    expect(json.tests?.cases[0]?.message).toContain('File too large');
    expect(r.code).toBe(1);
  });

  it("stops a filler of the jail's /tmp and names the /tmp limit", async () => {
    const { r, json } = await runHostile(`
def test_fill_tmp():
    for i in range(64):
        with open(f'/tmp/fill{i}', 'wb') as f:
            f.write(bytes(1 << 20))
`, { tmp: '16MiB' });
    expect(json.warnings).toContain('/tmp limit 16 MiB reached (local.limits.tmp)');
    expect(json.tests?.cases[0]?.message).toContain('No space left on device');
    expect(r.code).toBe(1);
  });

  it('stops a filler of its copy on the host disk, names the disk limit, and the copy is gone', async () => {
    // Files under the file size limit, many of them: only the watch on the copy's size can stop this (256 MiB at most).
    const { r, json, wallMs } = await runHostile(`
def test_fill_copy():
    for i in range(64):
        with open(f'fill{i}.bin', 'wb') as f:
            f.write(bytes(4 << 20))
`, { disk: '32MiB', fileSize: '8MiB' });
    const said = 'disk limit 32 MiB reached: the code wrote more than that into its copy of the files and was stopped (local.limits.disk)';
    expect(json.warnings).toContain(said);
    expect(json.error?.message).toContain(said);
    expect(r.code).toBe(1);
    expect(wallMs).toBeLessThan(20_000);
    expect(sandboxCopies(tmp)).toEqual([]);
  });

  it('removes the copy of a run that was killed at the next run, and never the copy of a live one', async () => {
    // A run killed while its test sleeps leaves its copy behind ...
    sb.write('slow/test_slow.py', 'import time\n\ndef test_slow():\n    time.sleep(60)\n');
    let killedPid = 0;
    const killed = runPtc(['run', 'slow'], {
      cwd: sb.cwd,
      env: { ...sb.env, TMPDIR: tmp },
      onSpawn: (pid) => (killedPid = pid),
    });
    const copyOfKilled = await waitFor(() => readdirSync(tmp).find((n) => n.startsWith(`ptc-run-${killedPid}-`) && existsSync(join(tmp, n, 'test_slow.py'))));
    process.kill(killedPid, 'SIGKILL');
    await killed;
    expect(existsSync(join(tmp, copyOfKilled))).toBe(true);
    // ... a live process's copy (this test's own pid) and a kept one are left alone.
    const live = join(tmp, `ptc-run-${process.pid}-live01`);
    const kept = join(tmp, 'ptc-kept-abc123');
    for (const d of [live, kept]) {
      mkdirSync(d);
      writeFileSync(join(d, 'x'), 'x');
    }
    sb.write('ok/test_ok.py', 'def test_ok():\n    assert True\n');
    const r = await runPtc(['run', 'ok'], { cwd: sb.cwd, env: { ...sb.env, TMPDIR: tmp } });
    expect(r.code).toBe(0);
    expect(sandboxCopies(tmp)).toEqual([`ptc-kept-abc123`, `ptc-run-${process.pid}-live01`]);
  });
});

/** The sandbox copies in a temp dir; other entries (Node 24's compile cache lives there too) are not ptc's. */
function sandboxCopies(tmp: string): string[] {
  return readdirSync(tmp).filter((n) => /^ptc-(run|kept)-/.test(n)).sort();
}

/** Polls until `probe` returns a value (for files another process creates; no fixed sleep). */
async function waitFor<T>(probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

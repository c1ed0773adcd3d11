/**
 * Through the built CLI: two ptc processes writing one folder, SIGTERM in states where ptc is blocked,
 * timeouts beyond the timer's range, and every configured secret scrubbed from every output.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inputSchemas } from '../../src/app/request.js';
import { openaiErrors, startOpenAIFake } from '../fakes/openai-server.js';
import { BIN } from '../cli/harness.js';
import { useCliSandbox, useFake } from '../cli/with-fake.js';

const cli = useCliSandbox();
/** Every ptc started here, killed after each test so a failing one cannot leave a blocked process behind. */
const started: ChildProcessWithoutNullStreams[] = [];
// Registered after the sandbox's hook, so it runs before it: the processes stop before their folder goes.
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const reply = (files: Record<string, string>) =>
  Object.entries(files)
    .map(([path, body]) => `\`\`\`python path=${path}\n${body}\`\`\``)
    .join('\n\n');

/** A ptc process with its output collected, and a way to wait for something on its stderr. */
function start(args: string[], env = cli.sb.env) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: cli.sb.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(child);
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const w of waiters) if (stderr.includes(w.text)) w.resolve();
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    closed,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    stderrContains: (text: string) =>
      stderr.includes(text) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ text, resolve })),
  };
}

/** Holds the output folder's write lock as a live process would (this test's own PID). */
function holdWriteLock(outDir: string): string {
  mkdirSync(join(outDir, '.ptc'), { recursive: true });
  const lock = join(outDir, '.ptc', 'write.lock');
  writeFileSync(lock, `${process.pid} 0123456789ab ${new Date().toISOString()}\n`);
  return lock;
}

describe('two ptc processes writing one folder', () => {
  it('one wins, the other fails with write_failed and removes only its own files', async () => {
    const out = join(cli.sb.cwd, 'out');
    cli.sb.write('a.md', reply({ 'pkg/shared.py': 'A = 1\n', 'pkg/only_a.py': 'a = 1\n' }));
    cli.sb.write('b.md', reply({ 'pkg/shared.py': 'B = 1\n', 'pkg/only_b.py': 'b = 1\n' }));
    const lock = holdWriteLock(out);
    // Both plan (pkg/shared.py absent) and then wait for the lock: the race is set up, not left to timing.
    const a = start(['apply', 'a.md', '--out', 'out', '--json']);
    const b = start(['apply', 'b.md', '--out', 'out', '--json']);
    await Promise.all([a.stderrContains('waiting for another ptc process'), b.stderrContains('waiting for another ptc process')]);
    rmSync(lock);
    const [ra, rb] = await Promise.all([a.closed, b.closed]);
    expect([ra.code, rb.code].sort()).toEqual([0, 2]);
    const [winner, loser, w, l] = ra.code === 0 ? [a, b, 'a', 'b'] : [b, a, 'b', 'a'];
    expect(JSON.parse(winner.stdout)).toMatchObject({ ok: true, files: [{ path: 'pkg/shared.py' }, { path: `pkg/only_${w}.py` }] });
    expect(JSON.parse(loser.stdout)).toMatchObject({ ok: false, exitCode: 2, error: { code: 'write_failed' } });
    expect(readFileSync(join(out, 'pkg/shared.py'), 'utf8')).toBe(`${w.toUpperCase()} = 1\n`);
    expect(readFileSync(join(out, `pkg/only_${w}.py`), 'utf8')).toBe(`${w} = 1\n`);
    expect(existsSync(join(out, `pkg/only_${l}.py`))).toBe(false);
    expect(readdirSync(join(out, 'pkg')).filter((n) => n.includes('.ptc-'))).toEqual([]);
  });
});

describe('SIGTERM ends ptc in every state', () => {
  it('while it waits for the output folder\'s lock: exit 143 at once, nothing written, the holder\'s lock kept', async () => {
    const out = join(cli.sb.cwd, 'out');
    cli.sb.write('r.md', reply({ 'a.py': 'a = 1\n' }));
    const lock = holdWriteLock(out);
    const p = start(['apply', 'r.md', '--out', 'out']);
    await p.stderrContains(`waiting for another ptc process (pid ${process.pid}) writing to ${out}`);
    const sentAt = Date.now();
    p.child.kill('SIGTERM');
    const { code } = await p.closed;
    expect(code).toBe(143);
    expect(Date.now() - sentAt).toBeLessThan(3000);
    expect(p.stderr).toContain('interrupted by SIGTERM');
    expect(existsSync(join(out, 'a.py'))).toBe(false);
    expect(readFileSync(lock, 'utf8')).toContain(String(process.pid));
  });

  it('while it reads a reply from a stdin that never ends: exit 143 at once', async () => {
    const p = start(['apply', '-', '--out', 'out', '--json', '--verbose']);
    p.child.stdin.write('```python path=a.py\n'); // and never closed
    await p.stderrContains('reading the reply from stdin');
    const sentAt = Date.now();
    p.child.kill('SIGTERM');
    const { code } = await p.closed;
    expect(code).toBe(143);
    expect(Date.now() - sentAt).toBeLessThan(3000);
    expect(JSON.parse(p.stdout)).toMatchObject({ ok: false, exitCode: 143, error: { code: 'interrupted' } });
  });

  it('while a file read is stuck in the thread pool (a FIFO nobody writes to): the process still ends', async () => {
    const fifo = join(cli.sb.cwd, 'prompt.fifo');
    execFileSync('mkfifo', [fifo]);
    const p = start(['generate', '--prompt-file', 'prompt.fifo', '--provider', 'kimi'], { ...cli.sb.env, MOONSHOT_API_KEY: 'sk-unused-0000000000' });
    await blockedOpeningFifo(p.child);
    const sentAt = Date.now();
    p.child.kill('SIGTERM');
    const { code, signal } = await p.closed;
    // Exit 143, or (when a thread-pool request cannot be waited for) death by SIGTERM, which a shell reports as 143.
    expect(code === 143 || signal === 'SIGTERM').toBe(true);
    expect(Date.now() - sentAt).toBeLessThan(3000);
  });
});

/** Resolves once a thread of `child` is blocked opening a FIFO (the kernel names that wait in wchan). */
async function blockedOpeningFifo(child: ChildProcessWithoutNullStreams): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error('ptc exited instead of blocking on the FIFO');
    const tasks = readdirSync(`/proc/${child.pid}/task`);
    const waits = tasks.map((t) => {
      try {
        return readFileSync(`/proc/${child.pid}/task/${t}/wchan`, 'utf8');
      } catch {
        return '';
      }
    });
    if (waits.includes('wait_for_partner')) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('timeouts beyond the timer\'s range (about 24.8 days) are usage errors', () => {
  it('--timeout 3000000: exit 2, one line, nothing started', async () => {
    cli.sb.write('r.md', reply({ 'a.py': 'a = 1\n' }));
    const r = await cli.run(['apply', 'r.md', '--out', 'out', '--timeout', '3000000']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['ptc: --timeout must be a number of seconds > 0 and at most 2147483 (about 24 days), got "3000000"']);
    expect(existsSync(join(cli.sb.cwd, 'out'))).toBe(false);
  });

  it('the same from the rc file, a batch task line and an MCP/HTTP body', async () => {
    cli.sb.write('r.md', reply({ 'a.py': 'a = 1\n' }));
    cli.sb.write('.ptcrc.json', JSON.stringify({ timeout: 3_000_000 }));
    const rc = await cli.run(['apply', 'r.md', '--out', 'out']);
    expect(rc.code).toBe(2);
    expect(rc.stderr).toContain('"timeout" should be a number of seconds > 0 and at most 2147483');

    cli.sb.write('.ptcrc.json', '{}');
    const batch = await cli.run(['batch', '-'], { input: '{"id":"a","prompt":"x","timeout":3000000}\n' });
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain('"timeout": a number of seconds > 0 and at most 2147483');

    expect(inputSchemas.generate.safeParse({ prompt: 'x', timeout: 3_000_000 }).success).toBe(false);
    expect(inputSchemas.generate.safeParse({ prompt: 'x', timeout: 2_147_483 }).success).toBe(true);
  });
});

describe('every configured secret is scrubbed, not only the active provider\'s', () => {
  const ACTIVE = 'sk-active-kimi-4c1d9e2a7b3f5061';
  const OTHER = 'sk-ant-other-provider-8e2f6a1c9d0b';
  const DOTENV = 'sk-openai-from-dotenv-5b7c3d9e1f20';
  const DAYTONA = 'fake-daytona-key-2a4c6e8f0b1d3f57';
  const SERVE = 'serve-token-0123456789abcdef0123456789ab';
  const ALL = [ACTIVE, OTHER, DOTENV, DAYTONA, SERVE];
  const kimi = useFake(() => startOpenAIFake());

  function setup() {
    cli.sb.write('.env', `OPENAI_API_KEY=${DOTENV}\n`);
    return { MOONSHOT_API_KEY: ACTIVE, ANTHROPIC_API_KEY: OTHER, DAYTONA_API_KEY: DAYTONA, PTC_SERVE_TOKEN: SERVE };
  }
  const everyByteWritten = (dir: string): string =>
    readdirSync(dir)
      .map((n) => join(dir, n))
      .map((p) => (statSync(p).isDirectory() ? everyByteWritten(p) : readFileSync(p, 'utf8')))
      .join('');

  it('--verbose prints the prompt sent with every key blanked; the manifest holds none either', async () => {
    const env = setup();
    kimi.fake.enqueue({ text: reply({ 'a.py': 'a = 1\n' }) });
    const prompt = `use these: ${ALL.join(' ')}`;
    const r = await cli.run(['generate', prompt, '--provider', 'kimi', '--base-url', kimi.fake.url, '--out', 'o', '--verbose'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('[redacted]'); // the prompt was printed, blanked
    for (const key of ALL) {
      expect(r.stdout + r.stderr).not.toContain(key);
      expect(everyByteWritten(join(cli.sb.cwd, 'o'))).not.toContain(key);
    }
  });

  it('a provider error that quotes another provider\'s key: scrubbed in the text and the JSON output', async () => {
    const env = setup();
    let out = '';
    for (const json of [[], ['--json']]) {
      kimi.fake.enqueue(openaiErrors.status(400, `bad request: ${OTHER} and ${DOTENV} are not keys for this endpoint`));
      const r = await cli.run(['generate', 'prime checker', '--provider', 'kimi', '--base-url', kimi.fake.url, '--out', 'o', '--verbose', ...json], { env });
      expect(r.code).toBe(3);
      out += r.stdout + r.stderr;
    }
    expect(out).toContain('bad request: [redacted] and [redacted]');
    for (const key of ALL) expect(out).not.toContain(key);
  });
});

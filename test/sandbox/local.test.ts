import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PtcError, SandboxError } from '../../src/errors.js';
import { createLocalSandbox, type LocalSandboxOptions } from '../../src/sandbox/local.js';
import type { Logger, Sandbox } from '../../src/types.js';
import { hostProcessesWith, until } from '../helpers/host-processes.js';

// Keep ptc's host-python cache out of the real ~/.cache while testing.
process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'ptc-cache-'));

const CANARY = 'sk-test-canary-LOCALSANDBOX-7f3a';

function recordingLogger(): Logger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    info: (m) => lines.push({ level: 'info', message: m }),
    warn: (m) => lines.push({ level: 'warn', message: m }),
    debug: (m) => lines.push({ level: 'debug', message: m }),
    progress: () => {},
  };
}

const open: Sandbox[] = [];
async function sandbox(opts: Partial<LocalSandboxOptions> = {}): Promise<Sandbox> {
  const sb = await createLocalSandbox({ isolation: 'bwrap', ...opts });
  open.push(sb);
  return sb;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((sb) => sb.dispose()));
});

describe('local sandbox with bubblewrap', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  let hostScratch: string;

  beforeAll(async () => {
    process.env.SECRET_TEST_API_KEY = CANARY;
    server = createServer((_req, res) => {
      hits++;
      res.end('reached');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
    hostScratch = await mkdtemp(join(tmpdir(), 'ptc-local-test-'));
  });
  afterAll(async () => {
    delete process.env.SECRET_TEST_API_KEY;
    await new Promise((r) => server.close(r));
    await rm(hostScratch, { recursive: true, force: true });
  });

  it('runs commands in a copy with a built environment: none of the user variables reach the code', async () => {
    const sb = await sandbox();
    await sb.prepare([{ path: 'show_env.py', content: 'import os, json\nprint(json.dumps(dict(os.environ)))\n' }]);
    const res = await sb.exec('python3 show_env.py', { timeoutMs: 20_000 });
    expect(res.exitCode).toBe(0);
    expect(res.stdout).not.toContain(CANARY);
    const env = JSON.parse(res.stdout) as Record<string, string>;
    expect(env.SECRET_TEST_API_KEY).toBeUndefined();
    expect(Object.keys(env).filter((k) => /KEY|TOKEN|SECRET/i.test(k))).toEqual([]);
    expect(env.HOME).toBe('/sandbox/.ptc/home');
    expect(env.LANG).toBe('C.UTF-8');
    expect(env.PYTHONHASHSEED).toBe('0');
    expect(env.TMPDIR).toBe('/tmp');
    expect(sb.root).not.toBe(process.cwd());
    expect(existsSync(join(sb.root, 'show_env.py'))).toBe(true);
  });

  it('cannot write outside its copy: not to $HOME, not to the host temp dir, not to the system', async () => {
    const sb = await sandbox();
    const inHome = join(homedir(), `ptc-escape-${process.pid}.txt`);
    const inScratch = join(hostScratch, 'escape.txt');
    const script = [
      'import os',
      `for target in [${JSON.stringify(inHome)}, ${JSON.stringify(inScratch)}, "/usr/ptc-escape.txt", "/etc/ptc-escape.txt"]:`,
      '    try:',
      '        os.makedirs(os.path.dirname(target), exist_ok=True)',
      '        with open(target, "w") as f: f.write("escaped")',
      '        print("WROTE", target)',
      '    except OSError as e:',
      '        print("BLOCKED", target, e.__class__.__name__)',
      'open("inside.txt", "w").write("fine")',
    ].join('\n');
    await sb.prepare([{ path: 'escape.py', content: script }]);
    const res = await sb.exec('python3 escape.py', { timeoutMs: 20_000 });
    expect(res.exitCode, res.stderr).toBe(0);
    try {
      expect(existsSync(inHome)).toBe(false);
      expect(existsSync(inScratch)).toBe(false);
      expect(existsSync('/usr/ptc-escape.txt')).toBe(false);
      expect(existsSync('/etc/ptc-escape.txt')).toBe(false);
    } finally {
      await rm(inHome, { force: true });
    }
    expect(res.stdout).toMatch(/BLOCKED \/usr\/ptc-escape\.txt/);
    expect(readFileSync(join(sb.root, 'inside.txt'), 'utf8')).toBe('fine');
  });

  it('sees nothing of $HOME but the interpreter it needs', async () => {
    const sb = await sandbox();
    const res = await sb.exec(`ls -A ${JSON.stringify(homedir())} 2>&1; echo; cat /etc/shadow 2>&1 | head -1`, {
      timeoutMs: 10_000,
    });
    const listed = res.stdout.split('\n')[0]!.split(/\s+/).filter(Boolean);
    // Only the path down to a bound interpreter prefix (e.g. .pyenv) may exist; no dotfiles, no .ssh.
    expect(listed.filter((n) => !['.pyenv', '.nvm', '.local', '.asdf', '.volta'].includes(n))).toEqual([]);
    expect(res.stdout).not.toMatch(/root:[^:]*:\d+:/);
  });

  it('has no network: a loopback server on the host is not reachable', async () => {
    const sb = await sandbox();
    const script = [
      'import urllib.request',
      'try:',
      `    print(urllib.request.urlopen("http://127.0.0.1:${port}/", timeout=3).read())`,
      'except Exception as e:',
      '    print("NO NETWORK", e.__class__.__name__)',
    ].join('\n');
    await sb.prepare([{ path: 'net.py', content: script }]);
    const res = await sb.exec('python3 net.py', { timeoutMs: 20_000 });
    expect(res.stdout).toContain('NO NETWORK');
    expect(res.stdout).not.toContain('reached');
    expect(hits).toBe(0);
  });

  it('kills the whole process tree at the time limit, children in new sessions included', async () => {
    const sb = await sandbox();
    const marker = String(900000 + (process.pid % 99999));
    const script = [
      'import subprocess, time',
      `subprocess.Popen(["sleep", "${marker}"], start_new_session=True)`,
      `subprocess.Popen(["sleep", "${marker}.5"])`,
      'print("started", flush=True)',
      'time.sleep(1000)',
    ].join('\n');
    await sb.prepare([{ path: 'hang.py', content: script }]);
    const t0 = Date.now();
    const res = await sb.exec('python3 hang.py', { timeoutMs: 1500 });
    const elapsed = Date.now() - t0;
    expect(res.timedOut).toBe(true);
    expect(res.exitCode).toBeNull();
    expect(res.stdout).toContain('started');
    expect(elapsed).toBeLessThan(5000);
    await until(() => hostProcessesWith(`sleep ${marker}`).length === 0);
    expect(hostProcessesWith(`sleep ${marker}`)).toEqual([]);
  });

  it('stops at once when the signal aborts, with the abort reason', async () => {
    const sb = await sandbox();
    const ac = new AbortController();
    const running = sb.exec('sleep 977123', { timeoutMs: 60_000, signal: ac.signal }).catch((e: unknown) => e);
    // Abort once the command is running, so the test covers a kill and not a command never started.
    await until(() => hostProcessesWith('sleep 977123').length > 0);
    expect(hostProcessesWith('sleep 977123')).not.toEqual([]);
    const t0 = Date.now();
    ac.abort(new SandboxError('stopped by test', { code: 'test_abort' }));
    const err = await running;
    expect(err).toBeInstanceOf(PtcError);
    expect((err as PtcError).code).toBe('test_abort');
    expect(Date.now() - t0).toBeLessThan(3000);
    await until(() => hostProcessesWith('sleep 977123').length === 0);
    expect(hostProcessesWith('sleep 977123')).toEqual([]);
  });

  it('caps output per stream, keeping head and tail with a marker where cut', async () => {
    const sb = await sandbox({ outputCapBytes: 1000 });
    const res = await sb.exec(
      `python3 -c "import sys; sys.stdout.write('H' * 500 + 'x' * 99000 + 'T' * 500); sys.stderr.write('small')"`,
      { timeoutMs: 20_000 },
    );
    expect(res.truncated).toBe(true);
    expect(res.stdout).toContain('…[output truncated by ptc: 99000 bytes omitted]');
    expect(res.stdout.startsWith('H'.repeat(500))).toBe(true);
    expect(res.stdout.endsWith('T'.repeat(500))).toBe(true);
    expect(res.stdout.length).toBeLessThan(1100);
    expect(res.stderr).toBe('small');
  });

  it('keeps the copy with keep and says where; removes it otherwise', async () => {
    const logger = recordingLogger();
    const kept = await createLocalSandbox({ isolation: 'bwrap', keep: true, logger });
    await kept.prepare([{ path: 'a.txt', content: 'x' }]);
    await kept.dispose();
    await kept.dispose(); // idempotent
    try {
      expect(existsSync(join(kept.root, 'a.txt'))).toBe(true);
      expect(logger.lines).toContainEqual({ level: 'info', message: expect.stringContaining(kept.root) });
    } finally {
      await rm(kept.root, { recursive: true, force: true });
    }
    const gone = await createLocalSandbox({ isolation: 'bwrap' });
    await gone.prepare([{ path: 'a.txt', content: 'x' }]);
    await gone.dispose();
    expect(existsSync(gone.root)).toBe(false);
  });

  it('never follows a symlink planted by the code out of the copy', async () => {
    const sb = await sandbox();
    const victim = join(hostScratch, 'victim.txt');
    await writeFile(victim, 'original');
    // Inside the jail these point at paths that only mean something on the host.
    await sb.exec(`ln -s ${victim} solution.py && ln -s /etc/hostname leak.txt && ln -s ${hostScratch} d`, {
      timeoutMs: 10_000,
    });
    await sb.prepare([{ path: 'solution.py', content: 'replaced' }]);
    expect(readFileSync(victim, 'utf8')).toBe('original');
    expect(readFileSync(join(sb.root, 'solution.py'), 'utf8')).toBe('replaced');
    expect(await sb.readFile('leak.txt')).toBeNull();
    await expect(sb.prepare([{ path: 'd/x.txt', content: 'x' }])).rejects.toThrow(SandboxError);
    await expect(sb.prepare([{ path: 'd/sub/x.txt', content: 'x' }])).rejects.toThrow(SandboxError);
    expect(existsSync(join(hostScratch, 'x.txt'))).toBe(false);
    expect(existsSync(join(hostScratch, 'sub'))).toBe(false);
    expect(await sb.readFile('d/victim.txt')).toBeNull();
  });

  it('reads a file through a symlink only if it ends inside the copy, not in a sibling whose name extends it', async () => {
    const sb = await sandbox();
    // `<root>X` shares the copy's name as a prefix: a string-prefix check would take it for inside.
    const sibling = `${sb.root}X`;
    await mkdir(sibling);
    try {
      await writeFile(join(sibling, 'secret.txt'), 'sibling secret');
      await symlink(join(sibling, 'secret.txt'), join(sb.root, 'sib.txt'));
      await writeFile(join(sb.root, 'own.txt'), 'own');
      await symlink(join(sb.root, 'own.txt'), join(sb.root, 'own-link.txt'));
      expect(await sb.readFile('sib.txt')).toBeNull();
      expect((await sb.readFile('own-link.txt'))?.toString()).toBe('own');
    } finally {
      await rm(sibling, { recursive: true, force: true });
    }
  });

  it('refuses paths that leave the copy', async () => {
    const sb = await sandbox();
    await expect(sb.prepare([{ path: '../outside.txt', content: 'x' }])).rejects.toMatchObject({
      code: 'sandbox_bad_path',
      exitCode: 4,
    });
    await expect(sb.prepare([{ path: '/etc/passwd', content: 'x' }])).rejects.toThrow(SandboxError);
    expect(await sb.readFile('../../etc/passwd')).toBeNull();
  });

  it('removes files on prepare and runs commands in a sub-directory', async () => {
    const sb = await sandbox();
    await sb.prepare([
      { path: 'pkg/a.txt', content: 'a' },
      { path: 'b.txt', content: 'b' },
    ]);
    await sb.prepare([], ['b.txt']);
    const res = await sb.exec('ls; pwd', { timeoutMs: 10_000, cwd: 'pkg' });
    expect(res.stdout).toBe('a.txt\n/sandbox/pkg\n');
    expect(await sb.readFile('b.txt')).toBeNull();
    expect((await sb.readFile('pkg/a.txt'))?.toString()).toBe('a');
  });
});

describe('local sandbox without bubblewrap', () => {
  it('refuses to run unisolated unless told, with a hint saying how to fix it', async () => {
    const err = await createLocalSandbox({ isolation: 'auto', bwrapPath: '/nonexistent/bwrap' }).catch((e) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect(err).toMatchObject({ code: 'sandbox_no_isolation', exitCode: 4, retryable: false });
    expect(err.hint).toContain('apt-get install bubblewrap');
    expect(err.hint).toContain('--no-isolation');
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it('runs as a plain process group when allowed, warning, still with the built environment', async () => {
    process.env.SECRET_TEST_API_KEY = CANARY;
    const logger = recordingLogger();
    const sb = await createLocalSandbox({
      isolation: 'auto',
      allowNoIsolation: true,
      bwrapPath: '/nonexistent/bwrap',
      logger,
    });
    try {
      expect(logger.lines.some((l) => l.level === 'warn' && /WITHOUT isolation/.test(l.message))).toBe(true);
      const res = await sb.exec('env; pwd', { timeoutMs: 10_000 });
      expect(res.exitCode).toBe(0);
      expect(res.stdout).not.toContain(CANARY);
      expect(res.stdout).toContain(`HOME=${join(sb.root, '.ptc/home')}`);
      expect(res.stdout).toContain(`\n${sb.root}\n`);
    } finally {
      delete process.env.SECRET_TEST_API_KEY;
      await sb.dispose();
    }
    expect((await stat(sb.root).catch(() => null)) === null).toBe(true);
  });

  it('kills the process group at the time limit in unisolated mode too', async () => {
    const sb = await createLocalSandbox({ isolation: 'none', logger: recordingLogger() });
    try {
      const t0 = Date.now();
      const res = await sb.exec('sleep 966111 & sleep 966112; echo never', { timeoutMs: 800 });
      expect(res.timedOut).toBe(true);
      expect(res.stdout).not.toContain('never');
      expect(Date.now() - t0).toBeLessThan(3000);
      await until(() => hostProcessesWith('sleep 96611').length === 0);
      expect(hostProcessesWith('sleep 96611')).toEqual([]);
    } finally {
      await sb.dispose();
    }
  });
});

describe('local sandbox with a bubblewrap that cannot work here', () => {
  it('says bubblewrap is installed but blocked, and how to allow it', async () => {
    // /bin/false stands in for a bwrap that exists but fails to create namespaces.
    const err = await createLocalSandbox({ isolation: 'bwrap', bwrapPath: '/bin/false' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'sandbox_no_isolation', exitCode: 4 });
    expect(err.message).toContain('installed but cannot create a sandbox');
    expect(err.hint).toContain('user namespaces');
  });
});

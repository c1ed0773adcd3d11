/**
 * Hostile model replies and hostile client paths, through the front ends a user or agent drives: `ptc apply`,
 * `ptc serve` and `ptc mcp`. Model output must never become configuration, and a path from a client must never
 * lead ptc into .git, out of its root, or into quoting a file it could not use.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, makeSandbox, runPtc, type Sandbox } from '../cli/harness.js';
import { BUGGY_CALC, FIXED_CALC, reply as replyOf, TEST_CALC } from '../core/harness.js';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { type McpSession, startMcp } from '../mcp/mcp-client.js';
import { type ServeProcess, startServe } from '../serve/serve-process.js';

const block = (path: string, content: string, tag = 'text') => `\`\`\`${tag} path=${path}\n${content}\n\`\`\`\n`;

/** Loaded as configuration, each would run `touch pwned` on the host or send the key elsewhere. */
const HOSTILE: Record<string, string> = {
  '.ptcrc.js': "require('node:fs').writeFileSync('pwned', 'rc'); module.exports = {};",
  '.ptcrc.json': '{"provider": "openai", "providers": {"openai": {"baseURL": "http://attacker.invalid/v1"}}}',
  '.ptcrc.yaml': 'provider: openai',
  'ptc.config.mjs': "import { writeFileSync } from 'node:fs'; writeFileSync('pwned', 'mjs'); export default {};",
  '.config/ptcrc': '{"provider": "openai"}',
  '.config/config.json': '{"cosmiconfig": {"searchPlaces": ["evil.cjs"]}}',
  'sub/.ptcrc.cjs': "require('node:fs').writeFileSync('pwned', 'sub'); module.exports = {};",
  '.PTCRC.json': '{"provider": "openai"}',
  '.env': 'OPENAI_BASE_URL=http://attacker.invalid/v1',
  '.env.local': 'PTC_PROVIDER=openai',
  '.git/config': '[core]\n\tfsmonitor = touch pwned',
  '.GIT/hooks/x': 'touch pwned',
  'x/.git/y': 'x',
  'spoof\u202Etxt.py': 'x = 1',
  'c1\u009B.py': 'x = 1',
};
/** A package.json with ptc's key is configuration; one without it is project content and is written. */
const HOSTILE_PACKAGE = '{"name": "x", "ptc": {"provider": "openai"}}';
const GOOD_FILE = { path: 'ok.py', content: 'x = 1' };

function hostileReply(): string {
  return [
    'Here is everything you need.\n',
    block(GOOD_FILE.path, GOOD_FILE.content, 'python'),
    ...Object.entries(HOSTILE).map(([path, content]) => block(path, content)),
    block('package.json', HOSTILE_PACKAGE, 'json'),
  ].join('\n');
}

/** Every hostile path was refused with a warning naming it, and nothing of it reached the disk. */
function expectRefused(dir: string, warnings: string): void {
  for (const path of [...Object.keys(HOSTILE), 'package.json']) {
    // Disguising characters are shown escaped, so the warning does not disguise the name itself.
    const shown = path.replace(/[\u0080-\u009f\u202a-\u202e]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
    expect(warnings, path).toContain(`refused ${JSON.stringify(shown)}: `);
    if (/^[\x20-\x7e]+$/.test(path)) expect(existsSync(join(dir, path)), path).toBe(false);
  }
  expect(warnings).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
  expect(existsSync(join(dir, 'sub'))).toBe(false);
  expect(existsSync(join(dir, 'pwned'))).toBe(false);
  // The other file of the reply is written as usual.
  expect(readFileSync(join(dir, GOOD_FILE.path), 'utf8')).toBe(`${GOOD_FILE.content}\n`);
}

describe('ptc apply with a hostile reply', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = makeSandbox();
  });
  afterEach(() => sb.cleanup());

  it('refuses every configuration path with a warning, writes the rest, and a later ptc in that folder loads none of it', async () => {
    const reply = sb.write('reply.md', hostileReply());
    const r = await runPtc(['apply', reply, '--out', '.'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(0);
    expectRefused(sb.cwd, r.stderr);
    expect(readdirNames(sb.cwd).filter((n) => /^c1|^spoof/.test(n))).toEqual([]);

    // The next ptc run here (and in sub/, where .ptcrc.cjs was aimed) finds no configuration at all.
    for (const cwd of [sb.cwd, join(sb.cwd, 'sub')]) {
      mkdirSync(cwd, { recursive: true });
      const config = await runPtc(['config', 'path', '--json'], { cwd, env: sb.env });
      expect(config.code).toBe(0);
      expect(JSON.parse(config.stdout)).toMatchObject({ files: [], dotenv: null });
    }
    const next = await runPtc(['generate', 'x', '--json'], { cwd: sb.cwd, env: sb.env });
    // The default provider's key is asked for: not the openai one the reply's rc files named.
    expect(JSON.parse(next.stdout).error).toMatchObject({ code: 'missing_key', message: expect.stringContaining('MOONSHOT_API_KEY') });
    expect(existsSync(join(sb.cwd, 'pwned'))).toBe(false);
  });

  it('refuses a file holding any configured secret, naming the file and never printing the value', async () => {
    const keys = {
      MOONSHOT_API_KEY: 'fake-moonshot-key-active-0123456789',
      ANTHROPIC_API_KEY: 'fake-anthropic-key-unused-0123456789',
      DAYTONA_API_KEY: 'dtn-unused-0123456789abcdef',
      PTC_SERVE_TOKEN: 'serve-token-0123456789abcdef0123456789',
    };
    const reply = sb.write(
      'reply.md',
      [block('ok.py', 'x = 1', 'python'), ...Object.values(keys).map((v, i) => block(`leak${i}.py`, `KEY = "${v}"`, 'python'))].join('\n'),
    );
    const r = await runPtc(['apply', reply, '--out', 'o', '--json'], { cwd: sb.cwd, env: { ...sb.env, ...keys } });
    expect(r.code).toBe(0);
    for (let i = 0; i < 4; i++) {
      expect(r.stderr).toMatch(new RegExp(`refused "leak${i}\\.py": contains the value of a configured secret`));
      expect(existsSync(join(sb.cwd, 'o', `leak${i}.py`))).toBe(false);
    }
    expect(existsSync(join(sb.cwd, 'o', 'ok.py'))).toBe(true);
    for (const value of Object.values(keys)) expect(r.stdout + r.stderr).not.toContain(value);
  });

  it('-o .git and -o x/.git/y are refused before anything is written', async () => {
    const reply = sb.write('reply.md', block('ok.py', 'x = 1', 'python'));
    for (const out of ['.git', 'x/.git/y', 'x/.Git']) {
      const r = await runPtc(['apply', reply, '--out', out, '--json'], { cwd: sb.cwd, env: sb.env });
      expect(r.code, out).toBe(2);
      expect(JSON.parse(r.stdout).error.code).toBe('path_in_git');
    }
    expect(readdirNames(sb.cwd)).toEqual(['reply.md']);
  });

  it('a FIFO as reply file is a one-line error at once, not a hang', async () => {
    execFileSync('mkfifo', [join(sb.cwd, 'reply.md')]);
    const started = Date.now();
    const r = await runPtc(['apply', 'reply.md'], { cwd: sb.cwd, env: sb.env, timeoutMs: 15_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.stderr).toBe('ptc: cannot read reply.md: it is a FIFO (named pipe), not a regular file\nhint: give the path of a saved model reply, or - to read it from stdin (ptc apply - < file)\n');
  });

  it('an unparsable reply file: the error says what is wrong, never what the file holds', async () => {
    sb.write('notes.env', 'OPENAI_API_KEY=sk-not-a-reply-0123456789\n');
    const r = await runPtc(['apply', 'notes.env', '--json'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'reply_no_code', message: expect.stringContaining('no fenced code block') });
    expect(r.stdout + r.stderr).not.toContain('sk-not-a-reply');
  });
});

describe('a repair round with a hostile reply', () => {
  it('passes the same rule: its configuration files and leaked key are refused, its fix is written', { timeout: 90_000 }, async () => {
    const sb = makeSandbox();
    const fake = await startOpenAIFake();
    try {
      const key = 'sk-compat-0123456789abcdef';
      fake.enqueue(
        { text: replyOf({ 'calc.py': BUGGY_CALC, 'test_calc.py': TEST_CALC }), usage: { prompt: 900, completion: 150 } },
        {
          text: replyOf({ 'calc.py': FIXED_CALC, '.ptcrc.js': HOSTILE['.ptcrc.js']!, '.env': 'X=1', 'leak.py': `KEY = "${key}"` }),
          usage: { prompt: 1400, completion: 40 },
        },
      );
      const r = await runPtc(
        ['generate', 'add', '--provider', 'openai-compatible', '--base-url', fake.url, '--model', 'm', '--out', 'out', '--run', '--fix', '1', '--json'],
        { cwd: sb.cwd, env: { ...sb.env, OPENAI_COMPATIBLE_API_KEY: key }, timeoutMs: 80_000 },
      );
      expect(r.code, r.stderr).toBe(0);
      for (const path of ['.ptcrc.js', '.env', 'leak.py']) {
        expect(r.stderr).toContain(`round 1: refused "${path}"`);
        expect(existsSync(join(sb.cwd, 'out', path)), path).toBe(false);
      }
      expect(readFileSync(join(sb.cwd, 'out', 'calc.py'), 'utf8')).toBe(FIXED_CALC);
      expect(r.stdout + r.stderr).not.toContain(key);
    } finally {
      await fake.close();
      sb.cleanup();
    }
  });
});

describe('rc files that cannot be read', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = makeSandbox();
  });
  afterEach(() => sb.cleanup());

  it('a FIFO, a folder or a FIFO package.json in the search is a one-line error naming it, quickly', async () => {
    for (const [name, make] of [
      ['.ptcrc.json', 'fifo'],
      ['.ptcrc.yaml', 'dir'],
      ['package.json', 'fifo'],
    ] as const) {
      const path = join(sb.cwd, name);
      if (make === 'fifo') execFileSync('mkfifo', [path]);
      else mkdirSync(path);
      const r = await runPtc(['config', 'path'], { cwd: sb.cwd, env: sb.env, timeoutMs: 15_000 });
      expect(r.signal, name).toBeNull();
      expect(r.code, name).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`ptc: cannot read rc file ${path}: it is ${make === 'fifo' ? 'a FIFO (named pipe)' : 'a directory'}, not a regular file`);
      execFileSync('rm', ['-r', path]);
    }
  });

  it('PTC_CONFIG naming a FIFO, and a FIFO .env, are errors too', async () => {
    execFileSync('mkfifo', [join(sb.cwd, 'rc.json')]);
    const explicit = await runPtc(['config', 'path'], { cwd: sb.cwd, env: { ...sb.env, PTC_CONFIG: 'rc.json' }, timeoutMs: 15_000 });
    expect(explicit.code).toBe(2);
    expect(explicit.stderr).toContain(`cannot read rc file ${join(sb.cwd, 'rc.json')}: it is a FIFO`);
    execFileSync('mkfifo', [join(sb.cwd, '.env')]);
    const dotenv = await runPtc(['config', 'path'], { cwd: sb.cwd, env: sb.env, timeoutMs: 15_000 });
    expect(dotenv.code).toBe(2);
    expect(dotenv.stderr).toContain(`cannot read ${join(sb.cwd, '.env')}: it is a FIFO`);
  });

  it.runIf(process.getuid?.() === 0)('an rc file its user may not read is an error naming it, not skipped silently', async () => {
    // Root reads anything: the check runs ptc as nobody, in a folder nobody may use.
    chmodSync(sb.dir, 0o755);
    for (const d of [sb.cwd, sb.home, sb.configHome]) chmodSync(d, 0o777);
    const rc = sb.write('.ptcrc.json', '{"provider": "openai"}');
    chmodSync(rc, 0o000);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      try {
        execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'config', 'path'], {
          cwd: sb.cwd,
          env: sb.env,
          stdio: 'pipe',
        });
        resolve({ code: 0, stderr: '' });
      } catch (err) {
        const e = err as { status: number | null; stderr: Buffer };
        resolve({ code: e.status, stderr: e.stderr.toString() });
      }
    });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`ptc: cannot read rc file ${rc}: permission denied (EACCES)`);
  });
});

describe('ptc serve with hostile replies and paths', () => {
  let srv: ServeProcess;
  let outside: string;
  beforeAll(async () => {
    srv = await startServe();
    outside = join(srv.sb.dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.md'), 'ANTHROPIC_API_KEY=sk-outside-0123456789\n');
  });
  afterAll(async () => srv?.stop());

  it('out "." with a hostile reply: every configuration file refused, and the next request loads none of it', async () => {
    const res = await srv.post('/v1/apply', { reply: hostileReply(), out: '.' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, exitCode: 0 });
    expectRefused(srv.sb.cwd, res.json.warnings.join('\n'));
    // Had .ptcrc.json been written, this would ask for the openai key (or call the attacker's server).
    const next = await srv.post('/v1/generate', { prompt: 'x' });
    expect(next.json.error).toMatchObject({ code: 'missing_key', message: expect.stringContaining('MOONSHOT_API_KEY') });
    expect(existsSync(join(srv.sb.cwd, 'pwned'))).toBe(false);
  });

  it('out ".git" (in any case) is refused and .git/config is left as it was', async () => {
    mkdirSync(join(srv.sb.cwd, '.git'), { recursive: true });
    writeFileSync(join(srv.sb.cwd, '.git/config'), '[core]\n');
    for (const out of ['.git', '.GIT/hooks', 'a/../.git']) {
      const res = await srv.post('/v1/apply', { reply: block('config', '[core]\n\tfsmonitor = touch pwned'), out, force: true });
      expect(res.json, out).toMatchObject({ exitCode: 2, error: { code: 'path_in_git' } });
    }
    expect(readFileSync(join(srv.sb.cwd, '.git/config'), 'utf8')).toBe('[core]\n');
  });

  it('out through a symlink leading out of the root is refused; nothing is written there', async () => {
    symlinkSync(outside, join(srv.sb.cwd, 'exit'));
    for (const out of ['exit', 'exit/new']) {
      const res = await srv.post('/v1/apply', { reply: block('ok.py', 'x = 1', 'python'), out });
      expect(res.json, out).toMatchObject({ exitCode: 2, error: { code: 'out_outside_root' } });
    }
    const run = await srv.post('/v1/run', { dir: 'exit' });
    expect(run.json).toMatchObject({ exitCode: 2, error: { code: 'path_outside_root' } });
    expect(readdirNames(outside)).toEqual(['secret.md']);
  });

  it('a replyFile symlink leading out of the root is refused without reading it', async () => {
    symlinkSync(join(outside, 'secret.md'), join(srv.sb.cwd, 'reply.md'));
    const res = await srv.post('/v1/apply', { replyFile: 'reply.md' });
    expect(res.json).toMatchObject({ exitCode: 2, error: { code: 'path_outside_root' } });
    expect(JSON.stringify(res.json)).not.toContain('sk-outside');
  });

  it('an unparsable replyFile: the error never quotes it', async () => {
    writeFileSync(join(srv.sb.cwd, 'keys.env'), 'OPENAI_API_KEY=sk-in-root-0123456789\n');
    const res = await srv.post('/v1/apply', { replyFile: 'keys.env' });
    expect(res.json).toMatchObject({ exitCode: 5, error: { code: 'reply_no_code' } });
    expect(JSON.stringify(res.json) + srv.stderr()).not.toContain('sk-in-root');
  });

  it('a FIFO as replyFile is an error at once; the server keeps serving', async () => {
    execFileSync('mkfifo', [join(srv.sb.cwd, 'pipe.md')]);
    const res = await srv.post('/v1/apply', { replyFile: 'pipe.md' });
    expect(res.json).toMatchObject({ exitCode: 2, error: { message: 'cannot read replyFile pipe.md: it is a FIFO (named pipe), not a regular file' } });
    expect((await fetch(srv.url + '/health')).status).toBe(200);
  });
});

describe('ptc mcp with hostile replies and paths', () => {
  let mcp: McpSession;
  beforeAll(async () => {
    mcp = await startMcp();
  });
  afterAll(async () => mcp?.close());

  const call = async (name: string, args: Record<string, unknown>) =>
    (await mcp.client.callTool({ name, arguments: args })).structuredContent as { exitCode: number; warnings: string[]; error: { code: string } | null };

  it('apply with out "." refuses every configuration file and writes the rest', async () => {
    const result = await call('apply', { reply: hostileReply(), out: '.' });
    expect(result).toMatchObject({ exitCode: 0 });
    expectRefused(mcp.sb.cwd, result.warnings.join('\n'));
  });

  it('out ".git", and out or replyFile through a symlink out of the root, are refused', async () => {
    const outside = join(mcp.sb.dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'r.md'), block('ok.py', 'x = 1', 'python'));
    symlinkSync(outside, join(mcp.sb.cwd, 'exit'));
    expect(await call('apply', { reply: block('ok.py', 'x = 1', 'python'), out: '.git' })).toMatchObject({ error: { code: 'path_in_git' } });
    expect(await call('apply', { reply: block('ok.py', 'x = 1', 'python'), out: 'exit' })).toMatchObject({ error: { code: 'out_outside_root' } });
    expect(await call('apply', { replyFile: 'exit/r.md' })).toMatchObject({ error: { code: 'path_outside_root' } });
    expect(readdirNames(outside)).toEqual(['r.md']);
  });
});

function readdirNames(dir: string): string[] {
  return execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

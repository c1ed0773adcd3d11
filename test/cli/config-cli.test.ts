import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, runPtc, type Sandbox } from './harness.js';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

describe('ptc config', () => {
  it('show prints each value with its source and the key redacted', async () => {
    sb.write('.ptcrc.json', JSON.stringify({ provider: 'anthropic', fix: 2 }));
    const env = { ...sb.env, ANTHROPIC_API_KEY: 'sk-test-canary-show-98765', PTC_MODEL: 'claude-haiku-4-5' };
    const r = await runPtc(['config', 'show'], { cwd: sb.cwd, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^provider\s+anthropic\s+file .*\.ptcrc\.json$/m);
    expect(r.stdout).toMatch(/^model\s+claude-haiku-4-5\s+env PTC_MODEL$/m);
    expect(r.stdout).toMatch(/^providers\.anthropic\.apiKey\s+…8765\s+ANTHROPIC_API_KEY$/m);
    expect(r.stdout).toMatch(/^providers\.kimi\.apiKey\s+\(not set\)\s+set MOONSHOT_API_KEY$/m);
    expect(r.stdout + r.stderr).not.toContain('sk-test-canary-show-98765');
  });

  it('show --json is one JSON document with sources', async () => {
    const r = await runPtc(['config', 'show', '--json'], { cwd: sb.cwd, env: { ...sb.env, PTC_PROVIDER: 'openai' } });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.settings.provider).toEqual({ value: 'openai', source: 'env PTC_PROVIDER' });
    expect(doc.settings.lang).toEqual({ value: 'python', source: 'default' });
    // A setting without a value is null in JSON; only the text view says (unset).
    expect(Object.values(doc.settings).some((v) => (v as { value: unknown }).value === null)).toBe(true);
    expect(r.stdout).not.toContain('(unset)');
  });

  it('path lists the files read, user before project', async () => {
    writeFileSync(join(sb.configHome, 'ptc-placeholder'), '');
    const userDir = join(sb.configHome, 'ptc');
    await import('node:fs').then((fs) => fs.mkdirSync(userDir, { recursive: true }));
    writeFileSync(join(userDir, 'config.yaml'), 'lang: typescript\n');
    sb.write('.ptcrc.yaml', 'provider: kimi\n');
    const r = await runPtc(['config', 'path'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toContain(join(userDir, 'config.yaml'));
    expect(lines[0]).toContain('(user)');
    expect(lines[1]).toContain(join(sb.cwd, '.ptcrc.yaml'));
  });

  it('path works with a broken rc file: lists every file, says which is broken and why, then exits 2', async () => {
    const userDir = join(sb.configHome, 'ptc');
    mkdirSync(userDir, { recursive: true });
    writeFileSync(join(userDir, 'config.yaml'), 'lang: typescript\n');
    sb.write('.ptcrc.json', '{"lang": "cobol"}');
    const r = await runPtc(['config', 'path'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(2);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual([
      `${join(userDir, 'config.yaml')}  (user)`,
      `${join(sb.cwd, '.ptcrc.json')}  (project)  ✗ broken: "lang" should be one of "python", "typescript", "javascript", found "cobol"`,
    ]);
    expect(r.stderr).toContain(`ptc: invalid rc file ${join(sb.cwd, '.ptcrc.json')}`);
    expect(r.stderr).toContain('hint: fix "lang" in .ptcrc.json');

    // A file that is not even JSON: listed too, in the one JSON document.
    sb.write('.ptcrc.json', '{ "provider": "kimi", oops');
    const j = await runPtc(['config', 'path', '--json'], { cwd: sb.cwd, env: sb.env });
    expect(j.code).toBe(2);
    const doc = JSON.parse(j.stdout);
    expect(doc.files.map((f: { kind: string; problem: string | null }) => [f.kind, f.problem === null])).toEqual([
      ['user', true],
      ['project', false],
    ]);
    expect(doc.files[1].problem).toMatch(/^cannot read rc file .*\.ptcrc\.json: .*\(line 1( column \d+)?\)$/);
    expect(doc.error.code).toBe('config_unparsable');
  });

  it('init writes a starter without secrets and refuses to overwrite', async () => {
    const r = await runPtc(['config', 'init', '--provider', 'anthropic'], { cwd: sb.cwd, env: { ...sb.env, ANTHROPIC_API_KEY: 'sk-test-canary-init-55555' } });
    expect(r.code).toBe(0);
    const written = readFileSync(join(sb.cwd, '.ptcrc.json'), 'utf8');
    const doc = JSON.parse(written);
    expect(doc.provider).toBe('anthropic');
    expect(doc.providers.anthropic).toEqual({ apiKeyEnv: 'ANTHROPIC_API_KEY' });
    expect(written).not.toContain('sk-test');
    const again = await runPtc(['config', 'init'], { cwd: sb.cwd, env: sb.env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(JSON.parse(readFileSync(join(sb.cwd, '.ptcrc.json'), 'utf8')).provider).toBe('anthropic');
  });

  it('an invalid rc file is one clear error, exit 2, no stack', async () => {
    sb.write('.ptcrc.json', JSON.stringify({ sandbox: 'docker' }));
    const r = await runPtc(['config', 'show'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid rc file');
    expect(r.stderr).toContain('"sandbox" should be one of "local", "daytona", found "docker"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('warns, every run, about a literal key in an rc file git does not ignore', async () => {
    const { spawnSync } = await import('node:child_process');
    spawnSync('git', ['init', '-q'], { cwd: sb.cwd });
    sb.write('.ptcrc.json', JSON.stringify({ providers: { openai: { apiKey: 'sk-test-canary-literal-4242' } } }));
    const r = await runPtc(['config', 'show'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('holds a literal API key (openai)');
    expect(r.stdout + r.stderr).not.toContain('sk-test-canary-literal-4242');
    sb.write('.gitignore', '.ptcrc.json\n');
    const ignored = await runPtc(['config', 'show'], { cwd: sb.cwd, env: sb.env });
    expect(ignored.stderr).not.toContain('literal API key');
  });
});

describe('usage errors', () => {
  it('an unknown option exits 2 with a suggestion', async () => {
    const r = await runPtc(['generate', '--provder', 'kimi', 'x'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--provder'");
    expect(r.stderr).toContain('--provider');
  });

  it('--json still prints one result document on a usage error', async () => {
    const r = await runPtc(['generate', 'x', '--fix', 'many', '--json'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, ok: false, exitCode: 2, command: 'generate', files: [], rounds: [] });
    expect(doc.error.message).toContain('--fix must be a whole number');
    const noPrompt = await runPtc(['generate', '--json'], { cwd: sb.cwd, env: sb.env, input: '' });
    expect(noPrompt.code).toBe(2);
    expect(JSON.parse(noPrompt.stdout).error.message).toContain('no prompt');
  });

  it('an unknown command exits 2', async () => {
    const r = await runPtc(['genrate'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('generate');
  });

  it('a bad number exits 2 and names the option, in one line', async () => {
    const r = await runPtc(['generate', 'x', '--fix', 'many'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('ptc: --fix must be a whole number ≥ 0, got "many"');
  });

  // Each was accepted (or crashed as an internal error, exit 70) before being checked where it is parsed.
  for (const [args, message] of [
    [['serve', '--port', '99999'], '--port must be a port number from 0 to 65535'],
    [['generate', 'x', '--temperature', '9'], '--temperature must be a number from 0 to 2'],
    [['generate', 'x', '--max-tokens', '1.5'], '--max-tokens must be a whole number ≥ 1'],
    [['batch', 't.jsonl', '--concurrency', '2.5'], '--concurrency must be a whole number ≥ 1'],
  ] as const) {
    it(`ptc ${args.join(' ')}: exit 2, "${message}"`, async () => {
      const r = await runPtc([...args], { cwd: sb.cwd, env: sb.env });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^ptc: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    });
  }

  it("a subcommand's usage error reads like the others (ptc:, not commander's error:)", async () => {
    const r = await runPtc(['config', 'frob'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ptc: unknown command 'frob'/);
  });

  it('--help teaches with examples; --version prints the version', async () => {
    const help = await runPtc(['generate', '--help'], { cwd: sb.cwd, env: sb.env });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('--max-cost');
    const version = await runPtc(['--version'], { cwd: sb.cwd, env: sb.env });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(existsSync(join(sb.cwd, '.ptcrc.json'))).toBe(false);
  });

  it('generate without a key says which variable to set (exit 2), also as JSON', async () => {
    const r = await runPtc(['generate', 'a prime checker', '--provider', 'kimi', '--json'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('missing_key');
    expect(doc.error.message).toContain('MOONSHOT_API_KEY');
  });
});

import { afterEach, beforeEach, expect, it } from 'vitest';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { DEMO_PLUGIN_FILES } from '../fixtures/pytest-plugin.js';
import { makeSandbox, runPtc, type Sandbox } from './harness.js';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

it('passes with a key and a reachable endpoint, one line per check', async () => {
  const fake = await startOpenAIFake();
  try {
    sb.write('.ptcrc.json', JSON.stringify({ provider: 'openai-compatible', providers: { 'openai-compatible': { baseURL: fake.url } } }));
    const r = await runPtc(['doctor', '--json'], { cwd: sb.cwd, env: sb.env });
    const doc = JSON.parse(r.stdout);
    const byName = Object.fromEntries(doc.checks.map((c: { name: string }) => [c.name, c]));
    expect(byName.node.status).toBe('ok');
    expect(byName.config.status).toBe('ok');
    expect(byName['endpoint openai-compatible'].status).toBe('ok');
    expect(byName['sandbox local'].status).toBe('ok');
    expect(r.code).toBe(0);
    expect(doc.ok).toBe(true);
    const text = await runPtc(['doctor'], { cwd: sb.cwd, env: sb.env });
    expect(text.stdout.trim().split('\n').length).toBe(doc.checks.length);
  } finally {
    await fake.close();
  }
});

it('fails (exit 2) when the selected provider has no key, and says which variable to set', async () => {
  const r = await runPtc(['doctor', '--offline'], { cwd: sb.cwd, env: { ...sb.env, PTC_PROVIDER: 'anthropic' } });
  expect(r.code).toBe(2);
  expect(r.stdout).toMatch(/✗ key anthropic\s+not set, and anthropic is the selected provider\s+→ set ANTHROPIC_API_KEY/);
});

it('fails when the endpoint cannot be reached, naming the URL', async () => {
  sb.write('.ptcrc.json', JSON.stringify({ provider: 'openai-compatible', providers: { 'openai-compatible': { baseURL: 'http://127.0.0.1:9/v1' } } }));
  const r = await runPtc(['doctor'], { cwd: sb.cwd, env: sb.env });
  expect(r.code).toBe(2);
  expect(r.stdout).toContain('cannot reach http://127.0.0.1:9/v1');
});

it('reports an invalid rc file as a failed check', async () => {
  sb.write('.ptcrc.json', '{"lang": "cobol"}');
  const r = await runPtc(['doctor', '--offline'], { cwd: sb.cwd, env: sb.env });
  expect(r.code).toBe(2);
  expect(r.stdout).toMatch(/✗ config\s+invalid rc file/);
});

it("names pytest's installed plugins and whether the sandbox loads them", async () => {
  // A plugin distribution on the host python's path (PYTHONPATH reaches doctor's own probe, not the sandbox).
  for (const [path, content] of Object.entries(DEMO_PLUGIN_FILES)) sb.write(`plugins/${path}`, content);
  const env = { ...sb.env, PYTHONPATH: `${sb.cwd}/plugins` };
  const check = async () => {
    const r = await runPtc(['doctor', '--offline', '--json'], { cwd: sb.cwd, env });
    return JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === 'python tests');
  };
  const used = await check();
  expect(used.status).toBe('ok');
  expect(used.detail).toMatch(/\): pytest \d+\.\d+.*loaded only when the code uses them: .*ptcdemo-plug/);
  sb.write('.ptcrc.json', JSON.stringify({ local: { pytestPlugins: 'all' } }));
  expect((await check()).detail).toMatch(/always loaded \(local\.pytestPlugins: all\): .*ptcdemo-plug/);
});

it('says who generated code runs as and which limits apply (local.limits)', async () => {
  sb.write('.ptcrc.json', JSON.stringify({ local: { limits: { memory: '1GiB', processes: 200, tmp: false } } }));
  const r = await runPtc(['doctor', '--offline', '--json'], { cwd: sb.cwd, env: sb.env });
  const check = JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === 'sandbox limits');
  const who = process.getuid!() === 0 ? 'code runs unprivileged as host uid 65534 (nobody), not root' : 'code runs unprivileged with your uid';
  expect(check.detail).toContain(who);
  expect(check.detail).toContain('memory 1 GiB per process, 200 processes, files up to 1 GiB, /tmp unlimited, copy may grow by 2 GiB');
});

it('refuses a limit that is not a size, in one line naming the key', async () => {
  sb.write('.ptcrc.json', JSON.stringify({ local: { limits: { memory: 'lots' } } }));
  const r = await runPtc(['run', '.'], { cwd: sb.cwd, env: sb.env });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('"local.limits.memory" should be a size above zero such as "2GiB" or "512MiB" (false: no limit), found "lots"');
  expect(r.stderr).not.toContain('    at ');
});

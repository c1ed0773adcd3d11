import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

describe('doctor -p/-m/--base-url: the key checked with one model-list request', () => {
  const byName = (stdout: string) => Object.fromEntries(JSON.parse(stdout).checks.map((c: { name: string }) => [c.name, c]));

  it('takes the provider, model and endpoint from flags, and sends the key to the model list', async () => {
    const fake = await startOpenAIFake({ apiKey: 'fake-doctor-good-key' });
    try {
      const env = { ...sb.env, OPENAI_API_KEY: 'fake-doctor-good-key' };
      const r = await runPtc(['doctor', '-p', 'openai', '-m', 'fake-model', '--base-url', fake.url], { cwd: sb.cwd, env });
      expect(r.stdout).toMatch(new RegExp(`✔ endpoint openai\\s+${fake.url} accepted the key: 1 model listed`));
      expect(r.stdout).toMatch(/✔ model openai\s+fake-model is served/);
      expect(r.code).toBe(0);
      expect(fake.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /v1/models']);
      expect(fake.requests[0]!.headers.authorization).toBe('Bearer fake-doctor-good-key');
      expect(r.stdout + r.stderr).not.toContain('fake-doctor-good-key');
    } finally {
      await fake.close();
    }
  });

  it('fails (exit 2) when the endpoint refuses the key, and says where the key came from', async () => {
    const fake = await startOpenAIFake({ apiKey: 'fake-doctor-good-key' });
    try {
      const env = { ...sb.env, OPENAI_API_KEY: 'fake-doctor-revoked-key' };
      const r = await runPtc(['doctor', '-p', 'openai', '--base-url', fake.url], { cwd: sb.cwd, env });
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(new RegExp(`✗ endpoint openai\\s+${fake.url} refused the key \\(HTTP 401\\)\\s+→ check the key in OPENAI_API_KEY`));
      // The checks after it still ran.
      expect(r.stdout).toMatch(/sandbox local/);
      expect(r.stdout + r.stderr).not.toContain('fake-doctor-revoked-key');
    } finally {
      await fake.close();
    }
  });

  it('fails on an endpoint that answers 404 (a wrong base URL), where a bare "it answered" passed before', async () => {
    const server = http.createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/not-the-api`;
    try {
      const r = await runPtc(['doctor', '-p', 'openai-compatible', '--base-url', url], { cwd: sb.cwd, env: sb.env });
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(new RegExp(`✗ endpoint openai-compatible\\s+${url}/models not found \\(HTTP 404\\): not an API base URL\\s+→ check --base-url`));
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('warns, with a did-you-mean, when the endpoint does not list the model', async () => {
    const fake = await startOpenAIFake();
    try {
      const r = await runPtc(['doctor', '-p', 'openai-compatible', '--base-url', fake.url, '-m', 'fake-modle', '--json'], { cwd: sb.cwd, env: sb.env });
      expect(r.code).toBe(0);
      expect(byName(r.stdout)['model openai-compatible']).toMatchObject({ status: 'warn', detail: 'fake-modle is not in the endpoint\'s list of 1 (did you mean "fake-model"?)' });
    } finally {
      await fake.close();
    }
  });

  it('runs every check after a broken rc file: the config fails, the rest run without the rc files', async () => {
    const fake = await startOpenAIFake();
    try {
      for (const broken of ['{"lang": "cobol"}', '{ "provider": "kimi", oops']) {
        sb.write('.ptcrc.json', broken);
        const r = await runPtc(['doctor', '-p', 'openai-compatible', '--base-url', fake.url, '--json'], { cwd: sb.cwd, env: sb.env });
        expect(r.code).toBe(2);
        const checks = byName(r.stdout);
        expect(checks.config.status).toBe('fail');
        expect(checks.config.detail).toContain('the checks below leave the rc files out');
        expect(checks['endpoint openai-compatible'].status).toBe('ok');
        expect(Object.keys(checks)).toEqual(expect.arrayContaining(['node', 'key kimi', 'sandbox local', 'sandbox limits', 'python tests', 'node tests', 'sandbox daytona']));
      }
    } finally {
      await fake.close();
    }
  });

  it('a mistyped -p is a usage error with a did-you-mean, before any check', async () => {
    const r = await runPtc(['doctor', '-p', 'antropic', '--offline'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown provider "antropic" (did you mean "anthropic"?)');
  });
});

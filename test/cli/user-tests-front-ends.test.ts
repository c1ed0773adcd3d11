/**
 * `tests`, `hiddenTests` and `context` from every front end: the rc file (with `ptc run dir`), a batch task line,
 * MCP tool arguments and an HTTP body. Each is accepted (the manifest records the user's tests, or the run shows
 * them), and the agent front ends confine the paths to their root. Needs `npm run build` first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { ptc, fakeEnv, jsonl } from '../batch/helpers.js';
import { pythonReply, startScriptedProvider, type ScriptedProvider } from '../batch/scripted-provider.js';
import { type McpSession, PRIME_REPLY, startMcp } from '../mcp/mcp-client.js';
import { type ServeProcess, startServe } from '../serve/serve-process.js';
import { makeSandbox, runPtc } from './harness.js';

const PRIME_ACCEPTANCE = 'from prime import is_prime\n\n\ndef test_seven():\n    assert is_prime(7)\n';
const userTestsIn = (outDir: string) =>
  (JSON.parse(readFileSync(join(outDir, '.ptc', 'manifest.json'), 'utf8')).userTests as { origin: string; path: string }[]).map((u) => `${u.origin}:${u.path}`);

describe('the user-test options from every front end', { timeout: 90_000 }, () => {
  it('rc file: "tests" applies to `ptc run dir`, and the user\'s failing acceptance test fails the run', async () => {
    const sb = makeSandbox();
    try {
      sb.write('.ptcrc.json', JSON.stringify({ tests: ['spec'] }));
      sb.write('proj/calc.py', 'def add(a, b):\n    return a - b\n');
      sb.write('proj/test_calc.py', 'from calc import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n');
      sb.write('spec/test_accept.py', 'from calc import add\n\n\ndef test_sum():\n    assert add(2, 3) == 5\n');
      const r = await runPtc(['run', 'proj'], { cwd: sb.cwd, env: sb.env, timeoutMs: 80_000 });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toMatch(/your acceptance\s+0 passed, 1 failed of 1/);
      expect(r.stdout).toContain("the model's own tests passed; 1 of your 1 acceptance test failed");
      expect(r.stdout).toContain('test_sum (spec/test_accept.py) [acceptance]');
    } finally {
      sb.cleanup();
    }
  });

  it('a file holding a configured secret is refused before anything runs, and the message does not quote it', async () => {
    const key = 'sk-user-file-canary-0123456789';
    const sb = makeSandbox({ MOONSHOT_API_KEY: key });
    try {
      sb.write('proj/calc.py', 'def add(a, b):\n    return a + b\n');
      sb.write('proj/test_calc.py', 'from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n');
      sb.write('ctx/settings.py', `KEY = "${key}"\n`);
      const r = await runPtc(['run', 'proj', '--context', 'ctx', '--json'], { cwd: sb.cwd, env: sb.env, timeoutMs: 80_000 });
      expect(r.code).toBe(2);
      expect(resultSchema.parse(JSON.parse(r.stdout)).error).toMatchObject({ code: 'user_file_secret' });
      expect(r.stdout + r.stderr).toContain('settings.py');
      expect(r.stdout + r.stderr).not.toContain(key);
    } finally {
      sb.cleanup();
    }
  });

  it('batch task line: accepted inside the folder the batch runs in, refused outside it', async () => {
    const box = makeSandbox();
    let fake: ScriptedProvider | null = null;
    try {
      fake = await startScriptedProvider(() => ({ text: pythonReply('prime', 'is_prime', 'def is_prime(n):\n    return n > 1', 'def test_two():\n    assert is_prime(2)') }));
      box.write('spec/test_accept.py', PRIME_ACCEPTANCE);
      box.write('../outside_test.py', PRIME_ACCEPTANCE);
      box.write('tasks.jsonl', jsonl([
        { id: 'inside', prompt: 'a prime check', tests: ['spec/test_accept.py'], run: false },
        { id: 'outside', prompt: 'a prime check', tests: ['../outside_test.py'], run: false },
      ]));
      const r = await ptc(['batch', 'tasks.jsonl', '--base-url', fake.url, '--out', 'out', '--json'], { cwd: box.cwd, env: fakeEnv(box.env) });
      const doc = JSON.parse(r.stdout);
      const byId = Object.fromEntries(doc.tasks.map((t: { id: string }) => [t.id, t]));
      expect(byId.inside.error).toBeNull();
      expect(userTestsIn(join(box.cwd, 'out', 'inside'))).toEqual(['acceptance:spec/test_accept.py']);
      expect(byId.outside.error).toMatchObject({ code: 'path_outside_root' });
      // Refused before any model call: only the task inside asked the model.
      expect(fake.seen).toHaveLength(1);
    } finally {
      await fake?.close();
      box.cleanup();
    }
  });

  describe('MCP and HTTP', () => {
    let mcp: McpSession;
    let srv: ServeProcess;
    beforeAll(async () => {
      [mcp, srv] = await Promise.all([startMcp(), startServe()]);
      for (const sb of [mcp.sb, srv.sb]) {
        sb.write('spec/test_accept.py', PRIME_ACCEPTANCE);
        sb.write('hidden/test_hidden.py', PRIME_ACCEPTANCE);
        sb.write('../outside_test.py', PRIME_ACCEPTANCE);
      }
    });
    afterAll(async () => {
      await mcp?.close();
      await srv?.stop();
    });

    const accepted = { reply: PRIME_REPLY, out: 'p', tests: ['spec/test_accept.py'], hiddenTests: ['hidden'], context: ['spec'] };

    it('MCP apply: the fields are accepted inside the root and refused outside it', async () => {
      const ok = resultSchema.parse((await mcp.client.callTool({ name: 'apply', arguments: { ...accepted, context: [] } })).structuredContent);
      expect(ok.error).toBeNull();
      expect(userTestsIn(join(mcp.sb.cwd, 'p'))).toEqual(['acceptance:spec/test_accept.py', 'hidden:hidden/test_hidden.py']);
      for (const field of ['tests', 'hiddenTests', 'context'] as const) {
        const res = await mcp.client.callTool({ name: 'apply', arguments: { reply: PRIME_REPLY, out: `x-${field}`, [field]: ['../outside_test.py'] } });
        expect(res.isError).toBe(true);
        expect(resultSchema.parse(res.structuredContent).error).toMatchObject({ code: 'path_outside_root' });
      }
    });

    it('HTTP /v1/apply: the fields are accepted inside the root and refused outside it', async () => {
      const ok = await srv.post('/v1/apply', { ...accepted, context: [] });
      expect(ok.status).toBe(200);
      expect(userTestsIn(join(srv.sb.cwd, 'p'))).toEqual(['acceptance:spec/test_accept.py', 'hidden:hidden/test_hidden.py']);
      for (const field of ['tests', 'hiddenTests', 'context'] as const) {
        const res = await srv.post('/v1/apply', { reply: PRIME_REPLY, out: `x-${field}`, [field]: ['../outside_test.py'] });
        expect(resultSchema.parse(res.json).error).toMatchObject({ code: 'path_outside_root' });
      }
      // A path the same file is given under twice is one mistake said clearly.
      const twice = await srv.post('/v1/apply', accepted);
      expect(resultSchema.parse(twice.json).error).toMatchObject({ code: 'user_files_overlap' });
    });
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeSandbox, ROOT, runPtc, type Sandbox } from '../cli/harness.js';

const RC_DIR = join(ROOT, 'examples/rc');
const files = readdirSync(RC_DIR).filter((f) => /\.ptcrc\.(json|ya?ml)$/.test(f));

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

it('there is an rc file for every provider, including a local openai-compatible server', () => {
  const providers = files.map((f) => /"?provider"?:\s*"?([\w-]+)/.exec(readFileSync(join(RC_DIR, f), 'utf8'))![1]);
  for (const id of ['kimi', 'anthropic', 'openrouter', 'openai', 'openai-compatible']) expect(providers).toContain(id);
  expect(files).toContain('ollama.ptcrc.json');
});

for (const file of files) {
  it(`${file} loads with PTC_CONFIG, without warnings, and holds no secret`, async () => {
    const path = join(RC_DIR, file);
    const r = await runPtc(['config', 'show', '--json'], { cwd: sb.cwd, env: { ...sb.env, PTC_CONFIG: path } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const shown = JSON.parse(r.stdout);
    expect(shown.files).toEqual([{ path, kind: 'explicit' }]);
    expect(shown.settings.provider.source).toBe(`file ${path}`);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toMatch(/"?apiKey"?\s*:/);
    expect(text).not.toMatch(/sk-[A-Za-z0-9]/);
  });
}

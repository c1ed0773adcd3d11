import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeSandbox, runPtc, type Sandbox } from './harness.js';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

const HEAVY = ['node_modules/openai/', 'node_modules/@anthropic-ai/', 'node_modules/@daytonaio/', 'node_modules/@modelcontextprotocol/'];

/** Records every module URL the process resolves, through a loader hook registered before ptc starts. */
function hookFiles(): { args: string[]; log: string } {
  const log = join(sb.dir, 'loaded.txt');
  const hooks = join(sb.dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`,
  );
  const register = join(sb.dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify('file://' + hooks)});`);
  writeFileSync(log, '');
  return { args: ['--import', register], log };
}

for (const args of [['--help'], ['config', 'show'], ['generate', '--help']]) {
  it(`ptc ${args.join(' ')} loads no provider or sandbox SDK`, async () => {
    const { args: nodeArgs, log } = hookFiles();
    const { spawnSync } = await import('node:child_process');
    const { BIN } = await import('./harness.js');
    const r = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], { cwd: sb.cwd, env: sb.env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const loaded = readFileSync(log, 'utf8');
    expect(loaded).toContain('commander');
    for (const heavy of HEAVY) expect(loaded).not.toContain(heavy);
  });
}

it('the ptc binary runs from any directory', async () => {
  const r = await runPtc(['--help'], { cwd: sb.home, env: sb.env });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Prompt → Test → Code');
});

it('without an rc file anywhere, cosmiconfig is not loaded; with one it is, and the file is read', async () => {
  const { spawnSync } = await import('node:child_process');
  const { BIN } = await import('./harness.js');
  const show = () => {
    const { args: nodeArgs, log } = hookFiles();
    const r = spawnSync(process.execPath, [...nodeArgs, BIN, 'config', 'show', '--json'], { cwd: sb.cwd, env: sb.env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    return { loaded: readFileSync(log, 'utf8'), out: r.stdout };
  };
  expect(show().loaded).not.toContain('node_modules/cosmiconfig/');
  sb.write('.ptcrc.json', JSON.stringify({ model: 'moonshot-v1-32k' }));
  const withRc = show();
  expect(withRc.loaded).toContain('node_modules/cosmiconfig/');
  expect(withRc.out).toContain('moonshot-v1-32k');
});

// Typed for Node 20, which has no such API.
const hasCompileCache = typeof ((await import('node:module')).default as { enableCompileCache?: unknown }).enableCompileCache === 'function';

it.skipIf(!hasCompileCache)('on Node >= 22 the compiled CLI is cached in the temp dir between runs', async () => {
  const { existsSync, mkdirSync, readdirSync } = await import('node:fs');
  const tmp = join(sb.dir, 'tmp');
  mkdirSync(tmp);
  const r = await runPtc(['config', 'path'], { cwd: sb.cwd, env: { ...sb.env, TMPDIR: tmp } });
  expect(r.code).toBe(0);
  const cache = join(tmp, 'node-compile-cache');
  expect(existsSync(cache) && readdirSync(cache, { recursive: true }).length).toBeGreaterThan(0);
});

import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { makeDirs } from '../../src/util/make-dirs.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function root(): string {
  const r = mkdtempSync(join(tmpdir(), 'ptc-mkdirs-'));
  roots.push(r);
  return r;
}

it('creates every missing level and returns the first one it made, like mkdir -p', async () => {
  const r = root();
  expect(await makeDirs(join(r, 'a/b/c'))).toBe(join(r, 'a'));
  expect(statSync(join(r, 'a/b/c')).isDirectory()).toBe(true);
  expect(await makeDirs(join(r, 'a/b/c'))).toBeUndefined();
  expect(await makeDirs(join(r, 'a/b/d'))).toBe(join(r, 'a/b/d'));
});

it('applies the mode to what it creates', async () => {
  const r = root();
  await makeDirs(join(r, 'private/inner'), 0o700);
  expect(statSync(join(r, 'private')).mode & 0o777).toBe(0o700);
  expect(statSync(join(r, 'private/inner')).mode & 0o777).toBe(0o700);
});

it('refuses a path through a file (ENOTDIR)', async () => {
  const r = root();
  writeFileSync(join(r, 'file'), 'x');
  await expect(makeDirs(join(r, 'file/sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  expect(existsSync(join(r, 'file/sub'))).toBe(false);
});

it.skipIf(!existsSync('/proc/self'))('fails at once under /proc, where Node\'s recursive mkdir loops for ever', async () => {
  await expect(makeDirs('/proc/ptc-no-such-dir/sub')).rejects.toMatchObject({ code: 'ENOENT' });
});

it('two makers of the same tree at once both succeed', async () => {
  const r = root();
  await Promise.all([makeDirs(join(r, 'x/y/z')), makeDirs(join(r, 'x/y/z')), makeDirs(join(r, 'x/y/w'))]);
  expect(statSync(join(r, 'x/y/z')).isDirectory()).toBe(true);
  expect(statSync(join(r, 'x/y/w')).isDirectory()).toBe(true);
});

import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PtcError } from '../../src/errors.js';
import { confinePath, hasGitSegment, isWithin } from '../../src/workspace/confine.js';

describe('isWithin (segments, not string prefixes)', () => {
  it.each([
    ['/root', '/root', true],
    ['/root', '/root/a/b', true],
    ['/root', '/rootX', false],
    ['/root', '/rootX/a', false],
    ['/root', '/', false],
    ['/root', '/root/../etc', false],
    ['/root/', '/root/a', true],
  ])('%s holds %s: %s', (root, path, expected) => {
    expect(isWithin(root, path)).toBe(expected);
  });
});

it('hasGitSegment finds .git in any case and its Windows short name, not look-alikes', () => {
  expect(['/a/.git', 'x/.GIT/y', '.Git', 'a\\.git\\b', 'GIT~1/x'].map(hasGitSegment)).toEqual([true, true, true, true, true]);
  expect(['/a/.github', 'x/git/y', '.gitignore', 'a.git'].map(hasGitSegment)).toEqual([false, false, false, false]);
});

describe('confinePath', () => {
  let dir: string;
  let root: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ptc-confine-'));
    root = join(dir, 'root');
    mkdirSync(join(root, 'inside'), { recursive: true });
    mkdirSync(join(dir, 'rootX'));
    mkdirSync(join(dir, 'outside'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const codeOf = async (p: Promise<unknown>) => {
    const err = await p.then(() => null, (e: unknown) => e);
    return err instanceof PtcError ? err.code : err;
  };

  it('accepts a folder inside the root, existing or not, and returns where it really is', async () => {
    expect(await confinePath(join(root, 'inside/new/deeper'), 'inside/new/deeper', { what: 'out', root })).toBe(join(root, 'inside/new/deeper'));
    expect(await confinePath(root, '.', { what: 'out', root })).toBe(root);
  });

  it('refuses the sibling /rootX for the root /root', async () => {
    expect(await codeOf(confinePath(join(dir, 'rootX'), '../rootX', { what: 'out', root }))).toBe('path_outside_root');
  });

  it('refuses a path whose parent is a symlink leading out of the root, even for a name that does not exist yet', async () => {
    symlinkSync(join(dir, 'outside'), join(root, 'link'));
    expect(await codeOf(confinePath(join(root, 'link/new'), 'link/new', { what: 'out', root, outsideCode: 'out_outside_root' }))).toBe('out_outside_root');
    // A symlink that stays inside is fine: it is the same folder.
    symlinkSync(join(root, 'inside'), join(root, 'alias'));
    expect(await confinePath(join(root, 'alias/x'), 'alias/x', { what: 'out', root })).toBe(join(root, 'inside/x'));
  });

  it('refuses .git and anything in it, also reached through a symlink, with or without a root', async () => {
    mkdirSync(join(root, '.git'));
    symlinkSync(join(root, '.git'), join(root, 'innocent'));
    expect(await codeOf(confinePath(join(root, '.git'), '.git', { what: 'out', root }))).toBe('path_in_git');
    expect(await codeOf(confinePath(join(root, 'x/.GIT/y'), 'x/.GIT/y', { what: 'out', root }))).toBe('path_in_git');
    expect(await codeOf(confinePath(join(root, 'innocent/hooks'), 'innocent/hooks', { what: 'out', root }))).toBe('path_in_git');
    expect(await codeOf(confinePath(join(root, 'innocent'), 'innocent', { what: '--out' }))).toBe('path_in_git');
  });

  it("refuses ptc's own user configuration folder", async () => {
    const env = { XDG_CONFIG_HOME: join(dir, 'cfg') };
    expect(await codeOf(confinePath(join(dir, 'cfg/ptc'), 'cfg/ptc', { what: '--out', env }))).toBe('path_in_config');
    expect(await confinePath(join(dir, 'cfg/other'), 'cfg/other', { what: '--out', env })).toBe(join(dir, 'cfg/other'));
  });
});

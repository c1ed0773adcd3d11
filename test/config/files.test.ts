import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { afterEach, describe, expect, it } from 'vitest';
import { MODULE_NAME, mayHaveProjectRc, PROJECT_SEARCH_PLACES } from '../../src/config/files.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A tree under a fresh temp dir; returns the path of `start` inside it. */
function layout(files: Record<string, string>, start = 'a/b/c'): string {
  const root = mkdtempSync(join(tmpdir(), 'ptc-rc-'));
  roots.push(root);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  mkdirSync(join(root, start), { recursive: true });
  return join(root, start);
}

async function cosmiconfigFinds(cwd: string): Promise<boolean> {
  const explorer = cosmiconfig(MODULE_NAME, { cache: false, searchPlaces: PROJECT_SEARCH_PLACES, searchStrategy: 'project' });
  try {
    const found = await explorer.search(cwd);
    return found !== null && !found.isEmpty;
  } catch {
    return true; // an unreadable file is found, then reported
  }
}

const CASES: [string, Record<string, string>, boolean][] = [
  ['nothing anywhere', {}, false],
  ['an rc file in the start dir', { 'a/b/c/.ptcrc.json': '{"model":"m"}' }, true],
  ['an rc file two levels up', { 'a/.ptcrc.yaml': 'model: m\n' }, true],
  ['a package.json with a ptc key', { 'a/b/package.json': '{"name":"x","ptc":{"model":"m"}}' }, true],
  ['a package.json without one stops the walk', { 'a/b/package.json': '{"name":"x"}', 'a/.ptcrc': 'model: m\n' }, false],
  ['a package.yaml stops the walk too', { 'a/b/package.yaml': 'name: x\n', 'a/.ptcrc': 'model: m\n' }, false],
  ['an unparsable package.json', { 'a/b/c/package.json': '{ nope' }, true],
  ['ptc.config.mjs up the tree', { 'a/ptc.config.mjs': 'export default { model: "m" };\n' }, true],
];

describe('mayHaveProjectRc (whether cosmiconfig needs loading at all)', () => {
  for (const [name, files, expected] of CASES) {
    it(`${name}: ${expected}`, async () => {
      const cwd = layout(files);
      expect(mayHaveProjectRc(cwd)).toBe(expected);
      // Never a false "no": whenever cosmiconfig's own search finds a file, the check says so too.
      if (await cosmiconfigFinds(cwd)) expect(mayHaveProjectRc(cwd)).toBe(true);
    });
  }

  it('covers every search place', () => {
    for (const place of PROJECT_SEARCH_PLACES.filter((p) => p !== 'package.json')) {
      expect(mayHaveProjectRc(layout({ [`a/b/${place}`]: '' }))).toBe(true);
    }
  });
});

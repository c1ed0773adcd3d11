import { describe, expect, it } from 'vitest';
import { canonicalPath, checkPath, insidePath } from '../../src/workspace/paths.js';

describe('checkPath', () => {
  it.each([
    ['prime.py', 'prime.py'],
    ['./src/prime.py', 'src/prime.py'],
    ['src\\pkg\\mod.py', 'src/pkg/mod.py'],
    ['a/./b//c.ts', 'a/b/c.ts'],
    ['src/../prime.py', 'prime.py'],
    ['tests/test_x.py', 'tests/test_x.py'],
    ['.gitignore', '.gitignore'],
    ['.github/workflows/ci.yml', '.github/workflows/ci.yml'],
    ['sub/.ptc/x.json', 'sub/.ptc/x.json'],
    // Near the configuration names, but none of them.
    ['package.json', 'package.json'],
    ['src/ptc.py', 'src/ptc.py'],
    ['.config/app.json', '.config/app.json'],
    ['environment.py', 'environment.py'],
    ['docs/env.md', 'docs/env.md'],
    ['git/x.py', 'git/x.py'],
    ['caf\u00e9.py', 'caf\u00e9.py'],
  ])('accepts %j as %j', (input, normalised) => {
    expect(checkPath(input)).toEqual({ ok: true, path: normalised });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['.', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['\\Windows\\x.py', 'absolute'],
    ['../x.py', 'leaves'],
    ['a/../../x.py', 'leaves'],
    ['C:\\x.py', 'drive'],
    ['c:x.py', 'drive'],
    ['\\\\server\\share\\x.py', 'UNC'],
    ['//server/share/x.py', 'UNC'],
    ['~/.bashrc', 'home'],
    ['.git/config', '.git'],
    ['sub/.Git/hooks/post-checkout', '.git'],
    ['.ptc/manifest.json', '.ptc'],
    ['x\u0000.py', 'control'],
    ['x\n.py', 'control'],
    ['x\u007f.py', 'control'],
    ['x\u0085.py', 'control'],
    ['x\u009b.py', 'control'],
    ['\u202eyp.txt', 'bidirectional'],
    ['a\u2066b.py', 'bidirectional'],
    ['a\u200f.py', 'bidirectional'],
    ['a\u061c.py', 'bidirectional'],
    ['.g\u200cit/config', 'invisible'],
    ['\ufeffx.py', 'invisible'],
    // What ptc, git or a shell would load as configuration, in any folder and any case.
    ['.ptcrc', "ptc's rc file"],
    ['.ptcrc.json', "ptc's rc file"],
    ['.ptcrc.yaml', "ptc's rc file"],
    ['.ptcrc.js', "ptc's rc file"],
    ['.ptcrc.ts', "ptc's rc file"],
    ['ptc.config.mjs', "ptc's rc file"],
    ['sub/.ptcrc.cjs', "ptc's rc file"],
    ['deep/er/.PTCRC.JSON', "ptc's rc file"],
    ['.config/ptcrc', "ptc's configuration"],
    ['.config/ptc/config.json', "ptc's configuration"],
    ['.config/config.yaml', "ptc's configuration"],
    ['.env', 'environment file'],
    ['.env.local', 'environment file'],
    ['sub/.ENVRC', 'environment file'],
    ['.GIT/hooks/x', '.git'],
    ['x/.git/y', '.git'],
    ['git~1/config', '.git'],
    ['src/', 'directory'],
    ['src/ab:c.py', 'not allowed'],
    ['what?.py', 'not allowed'],
    ['con.py', 'reserved'],
    ['x.py.', 'dot'],
    [' x.py', 'spaces'],
    [`${'d/'.repeat(40)}x.py`, 'deeper'],
    [`${'x'.repeat(300)}.py`, 'longer'],
  ])('refuses %j (%s)', (input, reason) => {
    const check = checkPath(input);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain(reason);
  });
});

describe('one spelling for a path', () => {
  it('canonicalPath resolves detours and loose spellings the way the write does', () => {
    expect(canonicalPath('x/../checks.py')).toBe('checks.py');
    expect(canonicalPath(' ./src\\\\calc.py ')).toBe('src/calc.py');
    expect(canonicalPath('src//calc.py')).toBe('src/calc.py');
    // Refused paths keep their loose form: the write refuses them again, with the reason.
    expect(canonicalPath('../evil.py')).toBe('../evil.py');
  });

  it('insidePath is the sandboxes\' rule: normal form inside the folder, null for anything that leaves it', () => {
    expect(insidePath('a/./b/../c.py')).toBe('a/c.py');
    expect(insidePath('.ptc/results-key')).toBe('.ptc/results-key');
    expect(insidePath('src\\x.py')).toBe('src/x.py');
    expect(insidePath('dir/')).toBe('dir');
    expect(insidePath('')).toBe('.');
    for (const bad of ['/etc/passwd', '\\etc\\passwd', '..', '../x', 'a/../../x', 'C:/x', 'a\0b']) expect(insidePath(bad)).toBeNull();
  });
});

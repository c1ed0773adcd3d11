import { describe, expect, it } from 'vitest';
import { checkPath } from '../../src/workspace/paths.js';

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

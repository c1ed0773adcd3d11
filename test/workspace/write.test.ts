/** Safe writes on real temp folders: refusals, conflicts, --force, symlinks, all-or-nothing, limits. */
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PtcError } from '../../src/errors.js';
import type { GeneratedFile } from '../../src/types.js';
import { renderPlan } from '../../src/workspace/plan-view.js';
import { sha256 as sha256Of } from '../../src/util/sha256.js';
import { commitWrite, planWrite } from '../../src/workspace/write.js';

let base: string;
let out: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'ptc-write-'));
  out = join(base, 'out');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const file = (path: string, content: string, kind: GeneratedFile['kind'] = 'code'): GeneratedFile => ({ path, content, kind });
const PRIME = file('prime.py', 'def is_prime(n):\n    return n > 1\n');
const TEST = file('tests/test_prime.py', 'from prime import is_prime\n', 'test');

/** Every path under root; ptc's own `.ptc` folder (which holds the write lock) only when not empty. */
async function tree(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (rel === '.ptc' && (await readdir(join(root, rel))).length === 0) continue;
    out.push(rel);
    if (e.isDirectory()) out.push(...(await tree(root, rel)));
  }
  return out.sort();
}

async function failure(p: Promise<unknown>): Promise<PtcError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PtcError);
  return err as PtcError;
}

describe('planWrite + commitWrite', () => {
  it('writes new files with mode 0644, creating folders, and plans without touching the disk', async () => {
    const plan = await planWrite(out, [PRIME, TEST], { force: false });
    expect(plan.files.map((f) => [f.path, f.action, f.bytes, f.sha256])).toEqual([
      ['prime.py', 'create', PRIME.content.length, sha256Of(PRIME.content)],
      ['tests/test_prime.py', 'create', TEST.content.length, sha256Of(TEST.content)],
    ]);
    expect(await readdir(base)).toEqual([]); // planning wrote nothing
    await commitWrite(plan);
    expect(await readFile(join(out, 'prime.py'), 'utf8')).toBe(PRIME.content);
    expect(await readFile(join(out, 'tests/test_prime.py'), 'utf8')).toBe(TEST.content);
    expect((await stat(join(out, 'prime.py'))).mode & 0o777).toBe(0o644);
    expect(await tree(out)).toEqual(['prime.py', 'tests', 'tests/test_prime.py']); // no temp files left
  });

  it('refuses to overwrite a different existing file without --force, and writes nothing at all', async () => {
    await mkdir(out);
    await writeFile(join(out, 'prime.py'), 'old\n');
    const plan = await planWrite(out, [PRIME, TEST], { force: false });
    expect(plan.conflicts).toEqual(['prime.py']);
    const err = await failure(commitWrite(plan));
    expect(err.code).toBe('overwrite_refused');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('prime.py');
    expect(err.hint).toContain('--force');
    expect(await readFile(join(out, 'prime.py'), 'utf8')).toBe('old\n');
    expect(await tree(out)).toEqual(['prime.py']);
    expect(renderPlan(plan)).toMatch(/conflict\s+code\s+prime\.py/);
  });

  it('overwrites with --force, and skips files whose content is already the same', async () => {
    await mkdir(out);
    await writeFile(join(out, 'prime.py'), 'old\n');
    await mkdir(join(out, 'tests'));
    await writeFile(join(out, 'tests/test_prime.py'), TEST.content);
    const before = (await stat(join(out, 'tests/test_prime.py'))).mtimeMs;
    const plan = await planWrite(out, [PRIME, TEST], { force: true });
    expect(plan.files.map((f) => f.action)).toEqual(['overwrite', 'unchanged']);
    expect(plan.conflicts).toEqual(['prime.py']); // still listed, --force lets them through
    await commitWrite(plan);
    expect(await readFile(join(out, 'prime.py'), 'utf8')).toBe(PRIME.content);
    expect((await stat(join(out, 'tests/test_prime.py'))).mtimeMs).toBe(before);
  });

  it('treats files ptc owns in this run (repair rounds) as no conflict', async () => {
    await mkdir(out);
    await writeFile(join(out, 'prime.py'), 'old\n');
    const plan = await planWrite(out, [PRIME], { force: false, owned: new Set(['prime.py']) });
    expect(plan.conflicts).toEqual([]);
    await commitWrite(plan);
    expect(await readFile(join(out, 'prime.py'), 'utf8')).toBe(PRIME.content);
  });

  it('is all-or-nothing: a folder where a file must go undoes every file of the run and restores replaced ones', async () => {
    await mkdir(out);
    await writeFile(join(out, 'keep.py'), 'original\n');
    const files = [file('keep.py', 'replaced\n'), file('pkg/new.py', 'x = 1\n'), file('a.py', 'a\n'), file('z.py', 'z\n')];
    const plan = await planWrite(out, files, { force: true });
    // The disk changes between plan and commit: z.py becomes a folder.
    await mkdir(join(out, 'z.py'));
    const err = await failure(commitWrite(plan));
    expect(err.code).toBe('write_failed');
    expect(err.message).toContain('z.py');
    expect(err.message).toContain('nothing was written');
    expect(await readFile(join(out, 'keep.py'), 'utf8')).toBe('original\n');
    expect(await tree(out)).toEqual(['keep.py', 'z.py']); // no a.py, no pkg/, no temp or backup files
  });

  it('leaves no temp file when a folder cannot be made (a file took its place after planning)', async () => {
    const plan = await planWrite(out, [file('first.py', '1\n'), file('sub/x.py', '2\n')], { force: false });
    await mkdir(out);
    await writeFile(join(out, 'sub'), 'in the way\n');
    const err = await failure(commitWrite(plan));
    expect(err.code).toBe('write_failed');
    expect(err.message).toContain('sub/x.py');
    expect(await tree(out)).toEqual(['sub']); // first.py's temp file is gone too
  });

  it('refuses paths through a symlink that leads outside, keeps ones that stay inside', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    await mkdir(join(out, 'real'), { recursive: true });
    await symlink(outside, join(out, 'escape'));
    await symlink(join(out, 'real'), join(out, 'inside'));
    await symlink(join(outside, 'target.py'), join(out, 'link.py'));
    const plan = await planWrite(out, [file('escape/evil.py', 'x\n'), file('inside/ok.py', 'ok\n'), file('link.py', 'x\n'), PRIME], { force: true });
    expect(plan.refused.map((r) => r.path)).toEqual(['escape/evil.py', 'link.py']);
    expect(plan.refused[0]!.reason).toContain('symlink leading outside');
    await commitWrite(plan);
    expect(await readdir(outside)).toEqual([]);
    expect(await readFile(join(out, 'real/ok.py'), 'utf8')).toBe('ok\n');
    expect((await lstat(join(out, 'link.py'))).isSymbolicLink()).toBe(true);
  });

  it('refuses unsafe paths by name and throws reply_all_unsafe when nothing is left', async () => {
    const plan = await planWrite(out, [file('../up.py', 'x'), file('/abs.py', 'x'), PRIME], { force: false });
    expect(plan.refused.map((r) => r.path)).toEqual(['../up.py', '/abs.py']);
    expect(renderPlan(plan)).toContain('"../up.py": leaves the output directory');
    const err = await failure(planWrite(out, [file('../up.py', 'x'), file('.git/config', 'x')], { force: false }));
    expect(err.code).toBe('reply_all_unsafe');
    expect(err.exitCode).toBe(5);
    expect(err.message).toContain('../up.py');
  });

  it('enforces the file-count and size limits with a hint naming the config keys', async () => {
    const many = Array.from({ length: 5 }, (_, i) => file(`f${i}.py`, 'x\n'));
    const count = await failure(planWrite(out, many, { force: false, maxFiles: 4 }));
    expect([count.code, count.exitCode]).toEqual(['reply_too_large', 5]);
    expect(count.hint).toContain('limits.maxFiles');
    const total = await failure(planWrite(out, many, { force: false, maxBytes: 9 }));
    expect(total.hint).toContain('limits.maxBytes');
    const one = await failure(planWrite(out, [file('big.py', 'x'.repeat(2_000_000))], { force: false }));
    expect(one.message).toContain('big.py');
    expect(one.hint).toContain('limits.maxFileBytes');
  });

  it('keeps the last of two files that normalise to the same path, and refuses a file also used as a folder', async () => {
    const plan = await planWrite(out, [file('./a.py', 'first\n'), file('a.py', 'second\n'), file('b.py', 'x'), file('b.py/c.py', 'y')], { force: false });
    expect(plan.files.map((f) => [f.path, f.content])).toEqual([['a.py', 'second\n'], ['b.py/c.py', 'y']]);
    expect(plan.refused).toEqual([{ path: 'b.py', reason: 'also used as a folder by another file of the reply' }]);
  });

  it('removes files the reply deleted, together with the writes', async () => {
    await mkdir(out);
    await writeFile(join(out, 'old.py'), 'old\n');
    const plan = await planWrite(out, [PRIME], { force: false });
    await commitWrite(plan, { remove: ['old.py', '../../etc/passwd', 'missing.py'] });
    expect(await tree(out)).toEqual(['prime.py']);
  });

  it('refuses an output path that is a file', async () => {
    await writeFile(out, 'not a folder');
    const err = await failure(planWrite(out, [PRIME], { force: false }));
    expect([err.code, err.exitCode]).toEqual(['out_not_dir', 2]);
  });
});

describe('renderPlan', () => {
  it('lists paths, kinds, sizes and the target folder', async () => {
    const plan = await planWrite(out, [PRIME, TEST, file('requirements.txt', 'numpy\n', 'other')], { force: false });
    const text = renderPlan(plan);
    expect(text).toContain(`Would write 3 files (`);
    expect(text).toContain(out);
    expect(text).toMatch(/create\s+code\s+prime\.py\s+\d+ B/);
    expect(text).toMatch(/create\s+test\s+tests\/test_prime\.py/);
    expect(text).toMatch(/create\s+other\s+requirements\.txt/);
  });
});

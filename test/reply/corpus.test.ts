/**
 * The reply corpus: one reply per way models name files (and per unsafe path), each with what must come
 * out of it. A reply is parsed, then planned and written into a fresh temp folder.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseReply } from '../../src/reply/parse.js';
import { commitWrite, planWrite } from '../../src/workspace/write.js';
import type { Lang } from '../../src/languages/registry.js';
import { PtcError } from '../../src/errors.js';

interface ExpectedFile {
  path: string;
  kind?: 'code' | 'test' | 'other';
  contains?: string[];
  notContains?: string[];
  startsWith?: string;
}
interface Expected {
  lang: Lang;
  files: ExpectedFile[];
  dependencies?: string[];
  deleted?: string[];
  warnings?: string[];
  noWarnings?: boolean;
  refused?: { path: string; reason: string }[];
  written?: string[];
  error?: string;
}

const dir = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/replies');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.md'))
  .map((f) => f.slice(0, -3))
  .sort();

const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe('reply corpus', () => {
  it('has a reply for every variant and every unsafe path', () => {
    expect(names.length).toBeGreaterThanOrEqual(40);
    for (const name of names) expect(existsSync(join(dir, `${name}.expected.json`)), name).toBe(true);
  });

  it.each(names)('%s', async (name) => {
    const text = readFileSync(join(dir, `${name}.md`), 'utf8');
    const expected = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8')) as Expected;
    const parsed = parseReply(text, { lang: expected.lang });

    expect(parsed.files.map((f) => f.path)).toEqual(expected.files.map((f) => f.path));
    for (const want of expected.files) {
      const got = parsed.files.find((f) => f.path === want.path)!;
      if (want.kind) expect(got.kind, want.path).toBe(want.kind);
      for (const s of want.contains ?? []) expect(got.content, want.path).toContain(s);
      for (const s of want.notContains ?? []) expect(got.content, want.path).not.toContain(s);
      if (want.startsWith) expect(got.content.startsWith(want.startsWith), `${want.path} starts ${JSON.stringify(got.content.slice(0, 30))}`).toBe(true);
      expect(got.content.endsWith('\n'), `${want.path} ends with a newline`).toBe(true);
    }
    expect(parsed.dependencies).toEqual(expected.dependencies ?? []);
    expect(parsed.deleted).toEqual(expected.deleted ?? []);
    for (const w of expected.warnings ?? []) {
      expect(parsed.warnings.some((x) => x.includes(w)), `warning "${w}" in ${JSON.stringify(parsed.warnings)}`).toBe(true);
    }
    if (expected.noWarnings) expect(parsed.warnings).toEqual([]);

    // Through the workspace: unsafe paths are refused by name, the rest is written, nothing escapes.
    const base = await mkdtemp(join(tmpdir(), 'ptc-corpus-'));
    temps.push(base);
    const out = join(base, 'out');
    if (expected.error) {
      const err = await planWrite(out, parsed.files, { force: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PtcError);
      expect((err as PtcError).code).toBe(expected.error);
      expect((err as PtcError).exitCode).toBe(5);
      expect(existsSync(out)).toBe(false);
      return;
    }
    const plan = await planWrite(out, parsed.files, { force: false });
    for (const r of expected.refused ?? []) {
      const got = plan.refused.find((x) => x.path === r.path);
      expect(got, `refused ${JSON.stringify(r.path)} in ${JSON.stringify(plan.refused)}`).toBeDefined();
      expect(got!.reason).toContain(r.reason);
    }
    if (!expected.refused) expect(plan.refused).toEqual([]);
    await commitWrite(plan);
    const written = (await listFiles(out)).filter((p) => !p.startsWith('.ptc/'));
    expect(written).toEqual((expected.written ?? expected.files.map((f) => f.path)).slice().sort());
    for (const p of written) {
      const planned = plan.files.find((f) => f.path === p)!;
      expect(await readFile(join(out, p), 'utf8')).toBe(planned.content);
    }
    // Nothing appeared next to the output folder.
    expect(await readdir(base)).toEqual(['out']);
  });
});

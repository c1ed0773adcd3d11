/**
 * Properties that hold for any reply, checked on thousands of random ones (fixed seed, so a failure
 * reproduces): parsing never throws, is the same for CRLF, and no accepted path gets out of the output folder.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReply } from '../../src/reply/parse.js';
import { checkPath } from '../../src/workspace/paths.js';
import { commitWrite, planWrite } from '../../src/workspace/write.js';
import { PtcError } from '../../src/errors.js';
import type { Lang } from '../../src/languages/registry.js';

/** mulberry32: small, fast, good enough to spread cases; fixed seed for reproducible failures. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEGMENTS = [
  'prime.py', 'test_prime.py', 'src', 'a', '..', '.', '', '.git', '.GIT', '.ptc', 'C:', 'c:\\x.py', '\\\\srv', '~',
  'x\u0000.py', 'y\u0007.ts', 'tests', 'é.py', 'con.py', 'a b.py', 'x.py.', '/', '//', '\\', 'node_modules',
  'slug.test.ts', 'requirements.txt', '*', 'a:b.py', '.env', 'README.md', 'x'.repeat(300),
];
const TAGS = ['python', 'py', 'ts', 'typescript', 'js', 'bash', 'console', 'text', 'json', '', 'output', '{.python', 'diff', 'python3'];
const PROSE = [
  'Here is the code:', 'Sure!', '### ', '**', '`', 'File: ', '# ', '// ', '<!-- ', ' -->', ' (deleted)', 'deps: ',
  'pip install ', 'npm i ', '$ ', '>>> ', 'def test_x():', 'from prime import is_prime', "import { x } from './x.js'",
  'describe(', 'test(', 'assert x', 'return 1', '    ', '\t', ':', '=', 'path=', 'title="', '"', "'", '~~~', '```',
  '````', '~~~~~', 'import pytest', 'export function f() {}', '1. ', '- ', '\u00a0', '\u2028', 'requirements',
];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function randomPath(r: () => number): string {
  const n = 1 + Math.floor(r() * 4);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(pick(r, SEGMENTS));
  return parts.join(pick(r, ['/', '/', '/', '\\']));
}

function randomLine(r: () => number): string {
  const kind = r();
  if (kind < 0.15) return '';
  if (kind < 0.3) {
    const fence = pick(r, ['```', '````', '~~~', '``', '`````']);
    const info = r() < 0.5 ? `${pick(r, TAGS)} path=${randomPath(r)}` : r() < 0.5 ? pick(r, TAGS) : randomPath(r);
    return `${r() < 0.2 ? '   ' : ''}${fence}${r() < 0.5 ? info : ''}${r() < 0.1 ? ' deleted' : ''}`;
  }
  if (kind < 0.45) return `${pick(r, ['### ', '**', 'File: ', '`', '', '# ', '// '])}${randomPath(r)}${pick(r, ['', '**', ':', '`', ' (deleted)'])}`;
  let line = '';
  const words = Math.floor(r() * 8);
  for (let i = 0; i < words; i++) line += pick(r, PROSE) + (r() < 0.5 ? ' ' : '');
  return line;
}

function randomReply(r: () => number): string {
  const lines: string[] = [];
  const n = Math.floor(r() * 40);
  for (let i = 0; i < n; i++) lines.push(randomLine(r));
  return lines.join('\n');
}

const LANGS: Lang[] = ['python', 'typescript', 'javascript'];
const CASES = 4000;

describe('parse properties', () => {
  it(`never throws, is deterministic and ignores CRLF (${CASES} random replies)`, () => {
    const r = rng(0x5eed);
    for (let i = 0; i < CASES; i++) {
      const text = randomReply(r);
      const lang = pick(r, LANGS);
      const parsed = parseReply(text, { lang });
      expect(Array.isArray(parsed.files) && Array.isArray(parsed.dependencies) && Array.isArray(parsed.deleted)).toBe(true);
      // The internal safety net must never have been needed.
      expect(parsed.warnings.some((w) => w.startsWith('could not parse the reply')), text).toBe(false);
      for (const f of parsed.files) {
        expect(typeof f.path === 'string' && f.path.length > 0, text).toBe(true);
        expect(['code', 'test', 'other']).toContain(f.kind);
        expect(f.content.includes('\r'), text).toBe(false);
      }
      expect(new Set(parsed.files.map((f) => f.path)).size).toBe(parsed.files.length);
      expect(parseReply(text, { lang })).toEqual(parsed);
      expect(parseReply(text.replace(/\n/g, '\r\n'), { lang })).toEqual(parsed);
    }
  });

  it('checkPath never accepts a path that resolves outside the root (20 000 random paths)', () => {
    const r = rng(42);
    const root = resolve('/srv/out');
    for (let i = 0; i < 20_000; i++) {
      const p = randomPath(r);
      const check = checkPath(p);
      if (!check.ok) continue;
      const abs = resolve(root, check.path);
      expect(abs.startsWith(root + sep), `${JSON.stringify(p)} → ${check.path}`).toBe(true);
      expect(posix.normalize(check.path)).toBe(check.path);
      expect(check.path.split('/')).not.toContain('..');
      expect(check.path.split('/').map((s) => s.toLowerCase())).not.toContain('.git');
      expect(/[\u0000-\u001f\u007f\\]/.test(check.path)).toBe(false);
      expect(checkPath(check.path)).toEqual(check); // normalising twice changes nothing
    }
  });

  it('every file written from a random reply lands inside the output folder (400 replies on disk)', async () => {
    const r = rng(7);
    const base = await mkdtemp(join(tmpdir(), 'ptc-prop-'));
    try {
      for (let i = 0; i < 400; i++) {
        const parsed = parseReply(randomReply(r), { lang: pick(r, LANGS) });
        if (parsed.files.length === 0) continue;
        const out = join(base, `out${i}`);
        let plan;
        try {
          plan = await planWrite(out, parsed.files, { force: true });
        } catch (err) {
          expect(err).toBeInstanceOf(PtcError);
          expect(['reply_all_unsafe', 'reply_too_large']).toContain((err as PtcError).code);
          continue;
        }
        for (const f of plan.files) {
          expect(checkPath(f.path)).toEqual({ ok: true, path: f.path });
          expect(resolve(out, f.path).startsWith(out + sep)).toBe(true);
        }
        await commitWrite(plan);
      }
      // Nothing but the out* folders was created under base.
      for (const name of await readdir(base)) expect(name.startsWith('out')).toBe(true);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

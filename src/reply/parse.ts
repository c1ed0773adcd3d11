/**
 * Reply text → files. Forgiving on purpose: models name files in many ways and mix prose, commands and
 * output with the code. Never throws; linear in the reply's size (see bench/parse-bench.mjs).
 */
import type { Lang } from '../languages/registry.js';
import type { GeneratedFile, ParsedReply } from '../types.js';
import { classifyFile, isTestPath } from './classify.js';
import { definesSomething, isReplTranscript, looksLikeCode, looksLikeCommands, looksLikeTests } from './content-signals.js';
import {
  DependencyList,
  looksLikeRequirements,
  packagesFromCommand,
  packagesFromPackageJson,
  packagesFromRequirements,
} from './dependencies.js';
import { parseCommentPath } from './hints.js';
import { blockKindOf, isLang, langOfPath, sameFamily, type BlockKind } from './languages.js';
import { nameUnnamedBlocks, type UnnamedBlock } from './naming.js';
import { scanReply, type RawBlock } from './scan.js';
import { canonicalPath } from '../workspace/paths.js';

export interface ParseOptions {
  lang: Lang;
}

/** A block that will become a file, in reply order; `path` is null until naming. */
interface Entry {
  path: string | null;
  content: string;
  role: 'code' | 'test';
  lang: Lang;
  line: number;
}

function isSpaceCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10;
}

/** The content without leading and trailing blank lines, ending in exactly one newline ('' if empty). */
function trimBlankLines(content: string): string {
  let start = 0;
  for (;;) {
    let e = content.indexOf('\n', start);
    if (e < 0) e = content.length;
    let blank = true;
    for (let i = start; i < e && blank; i++) blank = isSpaceCode(content.charCodeAt(i));
    if (!blank) break;
    if (e >= content.length) return '';
    start = e + 1;
  }
  let last = content.length - 1;
  while (last >= start && isSpaceCode(content.charCodeAt(last))) last--;
  let lineEnd = content.indexOf('\n', last);
  if (lineEnd < 0) lineEnd = content.length;
  return `${content.slice(start, lineEnd)}\n`;
}

/** The first non-blank line of a block, with where it sits (to remove a file-name comment). */
function firstLineOf(content: string): { text: string; start: number; end: number } {
  let start = 0;
  while (start <= content.length) {
    let end = content.indexOf('\n', start);
    if (end < 0) end = content.length;
    const text = content.slice(start, Math.min(end, start + 500));
    if (text.trim() !== '') return { text: content.slice(start, end), start, end };
    start = end + 1;
  }
  return { text: '', start: 0, end: 0 };
}

function isRequirementsPath(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  return base.startsWith('requirements') && (base.endsWith('.txt') || base.endsWith('.in'));
}

/** Pick the block's path from the hints, strongest first; a weak hint must agree with the block. */
function pathFor(block: RawBlock, kind: BlockKind, commentPath: string | null, lang: Lang): { path: string | null; fromComment: boolean } {
  if (block.info.path) return { path: block.info.path, fromComment: false };
  if (block.pathLine && block.pathLineAdjacent) return { path: block.pathLine.path, fromComment: false };
  if (commentPath) return { path: commentPath, fromComment: true };
  const weak = block.mention ?? block.pathLine?.path ?? null;
  if (!weak) return { path: null, fromComment: false };
  // "Tests for `prime.py`:" before a test block must not name the test file prime.py.
  const weakLang = langOfPath(weak);
  const content = block.content;
  if (kind === 'shell' || kind === 'output') return { path: null, fromComment: false };
  if (weakLang) {
    const blockLang = isLang(kind) ? kind : lang;
    if (!sameFamily(weakLang, blockLang)) return { path: null, fromComment: false };
    if (isTestPath(weak) !== looksLikeTests(content, weakLang)) return { path: null, fromComment: false };
  }
  return { path: weak, fromComment: false };
}

export function parseReply(text: string, opts: ParseOptions): ParsedReply {
  try {
    return parseReplyUnsafe(typeof text === 'string' ? text : String(text ?? ''), opts);
  } catch (err) {
    // A bug here must not lose the user's reply: report it as a warning with no files.
    const message = err instanceof Error ? err.message : String(err);
    return { files: [], dependencies: [], deleted: [], warnings: [`could not parse the reply: ${message}`] };
  }
}

function parseReplyUnsafe(text: string, opts: ParseOptions): ParsedReply {
  const lang = opts.lang;
  const scan = scanReply(text);
  const warnings: string[] = [];
  // Packages and deletions are collected with their line, then taken in reply order.
  const depEvents: { line: number; specs: string[] }[] = [...scan.packages];
  const deps = { add: (specs: string[], line = 0) => depEvents.push({ line, specs }) };
  const deleteEvents: { line: number; path: string }[] = scan.deleted.map((d) => ({ line: d.line, path: canonicalPath(d.path) }));
  const entries: Entry[] = [];
  const others: { path: string; content: string; line: number }[] = [];

  for (const block of scan.blocks) {
    if (block.unclosed) {
      warnings.push(`the code block at line ${block.line} is not closed; took it to the end of the reply (was the reply cut off?)`);
    }
    const kind = blockKindOf(block.info.tag);
    if (block.info.deleted) {
      if (block.info.path) deleteEvents.push({ line: block.line, path: canonicalPath(block.info.path) });
      continue;
    }
    const first = firstLineOf(block.content);
    const commentPath = kind === 'shell' || kind === 'output' || first.text.length > 400 ? null : parseCommentPath(first.text);
    const picked = pathFor(block, kind, commentPath, lang);
    let raw = block.content;
    if (picked.path && commentPath && canonicalPath(commentPath) === canonicalPath(picked.path)) {
      // The first line only repeats the file name: drop it from the file.
      raw = raw.slice(0, first.start) + raw.slice(Math.min(first.end + 1, raw.length));
    }
    const content = trimBlankLines(raw);

    if (picked.path) {
      const path = canonicalPath(picked.path);
      // A bash block is a script file only when named so on purpose; otherwise it is commands to run.
      const isFile = kind !== 'shell' || block.info.path !== null || /\.(sh|bash|zsh|ps1)$/i.test(path);
      if (!isFile) {
        deps.add(commandPackages(content), block.line);
        continue;
      }
      if (isRequirementsPath(path)) deps.add(packagesFromRequirements(content), block.line);
      if (path === 'package.json' || path.endsWith('/package.json')) deps.add(packagesFromPackageJson(content), block.line);
      const fileLang = langOfPath(path);
      if (fileLang) {
        entries.push({ path, content, role: isTestPath(path) || looksLikeTests(content, fileLang) ? 'test' : 'code', lang: fileLang, line: block.line });
      } else {
        others.push({ path, content, line: block.line });
      }
      continue;
    }

    // No name anywhere: decide from the language tag and the content what the block is.
    if (kind === 'shell' || (kind === 'none' && looksLikeCommands(content))) {
      deps.add(commandPackages(content), block.line);
      continue;
    }
    if (kind === 'requirements' || ((kind === 'output' || kind === 'none') && /requirements/i.test(block.prevLine) && looksLikeRequirements(content))) {
      deps.add(packagesFromRequirements(content), block.line);
      others.push({ path: 'requirements.txt', content, line: block.line });
      continue;
    }
    if (content === '' || kind === 'output') continue;
    const blockLang: Lang | null = isLang(kind) ? kind : kind === 'none' && looksLikeCode(content, lang) ? lang : null;
    if (blockLang === null) {
      if (kind !== 'none') warnings.push(`skipped a ${block.info.tag} block without a file name (line ${block.line})`);
      continue;
    }
    if (!sameFamily(blockLang, lang)) {
      warnings.push(`skipped a ${blockLang} block without a file name (line ${block.line}): the reply was asked for ${lang}`);
      continue;
    }
    if (isReplTranscript(content)) continue;
    const role = looksLikeTests(content, lang) ? 'test' : 'code';
    if (role === 'code' && !definesSomething(content, lang)) {
      warnings.push(`skipped an example snippet without a file name (line ${block.line})`);
      continue;
    }
    entries.push({ path: null, content, role, lang, line: block.line });
  }

  const unnamed: UnnamedBlock[] = entries.filter((e) => e.path === null);
  for (const demo of nameUnnamedBlocks(entries, unnamed, lang)) {
    warnings.push(`skipped an example snippet without a file name (line ${(demo as Entry).line})`);
  }

  // Later versions of the same path replace earlier ones.
  const byPath = new Map<string, GeneratedFile>();
  const seen = new Map<string, number>();
  const add = (path: string, content: string): void => {
    seen.set(path, (seen.get(path) ?? 0) + 1);
    byPath.set(path, { path, content, kind: classifyFile(path, content) });
  };
  const ordered = [
    ...entries.filter((e) => e.path !== null).map((e) => ({ path: e.path!, content: e.content, line: e.line })),
    ...others,
  ].sort((a, b) => a.line - b.line);
  for (const f of ordered) add(f.path, f.content);
  for (const [path, count] of seen) {
    if (count > 1) warnings.push(`${path} was given ${count} times; the last version is used`);
  }
  // A path both given and marked deleted is kept: losing a file the model wrote is worse than keeping one.
  const finalDeleted: string[] = [];
  const deleted = deleteEvents.sort((a, b) => a.line - b.line).map((d) => d.path);
  for (const path of new Set(deleted)) {
    if (byPath.has(path)) {
      warnings.push(`${path} is both given and marked deleted; keeping the file`);
      continue;
    }
    finalDeleted.push(path);
  }
  const dependencies = new DependencyList();
  for (const event of depEvents.sort((a, b) => a.line - b.line)) dependencies.add(event.specs);
  return { files: [...byPath.values()], dependencies: dependencies.list(), deleted: finalDeleted, warnings };
}

function commandPackages(content: string): string[] {
  const found: string[] = [];
  for (const line of content.split('\n')) found.push(...packagesFromCommand(line));
  return found;
}

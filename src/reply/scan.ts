/**
 * The line scanner: finds fenced blocks (``` or ~~~, any length, CommonMark closing rule) and the prose
 * around them. One pass over the lines, each line looked at a bounded number of times.
 */
import { parseInfoString, parseMention, parsePathLine, type InfoString, type PathLine } from './hints.js';
import { packagesFromCommand, packagesFromDepsLine } from './dependencies.js';

export interface RawBlock {
  info: InfoString;
  /** Block content as written (fence indentation removed, `\n` line endings), up to the closing fence. */
  content: string;
  /** 1-based line of the opening fence. */
  line: number;
  unclosed: boolean;
  /** A path line (heading, bold name, `File:`) right before the fence, or earlier in the same prose. */
  pathLine: PathLine | null;
  /** Whether `pathLine` was the line right before the fence. */
  pathLineAdjacent: boolean;
  /** A file name mentioned in the line right before the fence. */
  mention: string | null;
  /** The prose line right before the fence ('' when none). */
  prevLine: string;
}

export interface ScanResult {
  blocks: RawBlock[];
  /** Paths named as deleted in prose (`old.py (deleted)`), with their 1-based line. */
  deleted: { path: string; line: number }[];
  /** Packages named in prose (`deps:` lines, inline `pip install x`), with their 1-based line. */
  packages: { specs: string[]; line: number }[];
}

interface FenceOpen {
  indent: number;
  char: number;
  length: number;
  info: string;
}

const BACKTICK = 96;
const TILDE = 126;

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/** An opening fence on the line text[start, end), or null. Looks at the first characters only, unless it is one. */
function readFenceOpen(text: string, start: number, end: number): FenceOpen | null {
  let i = start;
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  const char = text.charCodeAt(i);
  if (i >= end || (char !== BACKTICK && char !== TILDE)) return null;
  let j = i;
  while (j < end && text.charCodeAt(j) === char) j++;
  const length = j - i;
  if (length < 3) return null;
  // A backtick fence's info string has no backticks (so ```inline``` prose is not a fence).
  if (char === BACKTICK) {
    const tick = text.indexOf('`', j);
    if (tick >= 0 && tick < end) return null;
  }
  return { indent: i - start, char, length, info: text.slice(j, end).trim() };
}

/** Closing fence: same character, at least as long, nothing after it, not indented past the block. */
function isFenceClose(text: string, start: number, end: number, open: FenceOpen): boolean {
  let i = start;
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  if (i - start > open.indent + 3) return false;
  let j = i;
  while (j < end && text.charCodeAt(j) === open.char) j++;
  if (j - i < open.length) return false;
  while (j < end && isBlank(text.charCodeAt(j))) j++;
  return j === end;
}

function dedentLines(content: string, indent: number): string {
  return content
    .split('\n')
    .map((line) => {
      let ws = 0;
      while (ws < indent && ws < line.length && isBlank(line.charCodeAt(ws))) ws++;
      return line.slice(ws);
    })
    .join('\n');
}

function isBlankLine(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!isBlank(c)) return false;
  }
  return true;
}

/** Inline `pip install x` in prose. */
function inlineInstalls(line: string): string[] {
  if (!line.includes('`') || !(line.includes('install') || line.includes(' add ') || line.includes(' i '))) return [];
  const found: string[] = [];
  let at = line.indexOf('`');
  while (at >= 0) {
    const end = line.indexOf('`', at + 1);
    if (end < 0) break;
    found.push(...packagesFromCommand(line.slice(at + 1, end)));
    at = line.indexOf('`', end + 1);
  }
  return found;
}

/** How far back (in lines) a heading-style path line still names the next block. */
const PATH_LINE_REACH = 8;

/**
 * Walks the text line by line with indexOf, never splitting it: lines inside a block are only looked at for
 * a closing fence, and a block's content is one slice of the text.
 */
export function scanReply(input: string): ScanResult {
  const text = input.includes('\r') ? input.replace(/\r\n?/g, '\n') : input;
  const n = text.length;
  const blocks: RawBlock[] = [];
  const deleted: ScanResult['deleted'] = [];
  const packages: ScanResult['packages'] = [];
  let prev = ''; // last non-blank prose line
  let blankRun = 0;
  let lastPathLine: { at: number; value: PathLine } | null = null;

  let pos = 0;
  let lineNo = 0; // 1-based number of the line starting at pos
  while (pos <= n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    lineNo++;
    const open = readFenceOpen(text, pos, end);
    if (!open) {
      if (isBlankLine(text, pos, end)) {
        blankRun++;
      } else {
        const line = text.slice(pos, end);
        const specs = [...(packagesFromDepsLine(line) ?? []), ...inlineInstalls(line)];
        if (specs.length > 0) packages.push({ specs, line: lineNo });
        const pathLine = parsePathLine(line);
        if (pathLine?.deleted) {
          deleted.push({ path: pathLine.path, line: lineNo });
          lastPathLine = null;
        } else if (lastPathLine && lastPathLine.at >= lineNo - 2 && /^\(?(deleted|removed)\)?\.?$/i.test(line.trim())) {
          deleted.push({ path: lastPathLine.value.path, line: lineNo }); // `old.py`, then `(deleted)` below it
          lastPathLine = null;
        } else if (pathLine) {
          lastPathLine = { at: lineNo, value: pathLine };
        }
        prev = line;
        blankRun = 0;
      }
      pos = end + 1;
      continue;
    }

    const openLine = lineNo;
    const contentStart = Math.min(end + 1, n);
    let contentEnd = n;
    let closed = false;
    let cur = end + 1;
    while (cur <= n) {
      let e = text.indexOf('\n', cur);
      if (e < 0) e = n;
      lineNo++;
      if (isFenceClose(text, cur, e, open)) {
        contentEnd = cur;
        closed = true;
        cur = e + 1;
        break;
      }
      cur = e + 1;
    }
    if (!closed && text.charCodeAt(n - 1) === 10) lineNo--; // the empty "line" after a final newline
    const raw = text.slice(contentStart, Math.max(contentStart, contentEnd));
    const adjacent = prev !== '' && blankRun <= 2;
    const adjacentPath = adjacent ? parsePathLine(prev) : null;
    const earlierPath = lastPathLine && lastPathLine.at >= openLine - PATH_LINE_REACH ? lastPathLine.value : null;
    const info = parseInfoString(open.info);
    // A deletion marker right before a fence covers that block too (its body is not a file), unless the fence
    // names a different path of its own: then the marker was about another file.
    if (adjacentPath?.deleted && (info.path === null || info.path === adjacentPath.path)) {
      info.deleted = true;
      info.path ??= adjacentPath.path;
    }
    blocks.push({
      info,
      content: open.indent > 0 ? dedentLines(raw, open.indent) : raw,
      line: openLine,
      unclosed: !closed,
      pathLine: adjacentPath && !adjacentPath.deleted ? adjacentPath : earlierPath,
      pathLineAdjacent: adjacentPath !== null && !adjacentPath.deleted,
      mention: adjacent && !adjacentPath ? parseMention(prev) : null,
      prevLine: adjacent ? prev : '',
    });
    prev = '';
    blankRun = 0;
    lastPathLine = null;
    pos = cur;
  }
  return { blocks, deleted, packages };
}

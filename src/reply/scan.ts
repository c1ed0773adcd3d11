/**
 * The line scanner: finds fenced blocks (``` or ~~~, any length, CommonMark closing rule) and the prose
 * around them. One pass over the lines, each line looked at a bounded number of times.
 */
import { parseInfoString, parseMention, parsePathLine, type InfoString, type PathLine } from './hints.js';
import { packagesFromCommand, packagesFromDepsLine } from './dependencies.js';

export interface RawBlock {
  info: InfoString;
  /** Block content with the fence's indentation removed, `\n` line endings. */
  lines: string[];
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

function leadingWhitespace(line: string): number {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  return i;
}

export function readFenceOpen(line: string): FenceOpen | null {
  const indent = leadingWhitespace(line);
  const char = line.charCodeAt(indent);
  if (char !== BACKTICK && char !== TILDE) return null;
  let end = indent;
  while (end < line.length && line.charCodeAt(end) === char) end++;
  const length = end - indent;
  if (length < 3) return null;
  const info = line.slice(end).trim();
  // A backtick fence's info string has no backticks (so ```inline``` prose is not a fence).
  if (char === BACKTICK && info.includes('`')) return null;
  return { indent, char, length, info };
}

/** Closing fence: same character, at least as long, nothing after it, not indented past the block. */
function isFenceClose(line: string, open: FenceOpen): boolean {
  const indent = leadingWhitespace(line);
  if (indent > open.indent + 3) return false;
  let end = indent;
  while (end < line.length && line.charCodeAt(end) === open.char) end++;
  if (end - indent < open.length) return false;
  return leadingWhitespace(line.slice(end)) === line.length - end;
}

function dedent(line: string, indent: number): string {
  if (indent === 0) return line;
  const ws = Math.min(indent, leadingWhitespace(line));
  return line.slice(ws);
}

/** Split on \n, dropping the \r of CRLF endings. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.charCodeAt(line.length - 1) === 13) lines[i] = line.slice(0, -1);
  }
  return lines;
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

export function scanReply(text: string): ScanResult {
  const lines = splitLines(text);
  const blocks: RawBlock[] = [];
  const deleted: ScanResult['deleted'] = [];
  const packages: ScanResult['packages'] = [];
  let prev = ''; // last non-blank prose line
  let blankRun = 0;
  let lastPathLine: { at: number; value: PathLine } | null = null;

  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const open = readFenceOpen(line);
    if (!open) {
      if (line.trim() === '') {
        blankRun++;
      } else {
        const specs = [...(packagesFromDepsLine(line) ?? []), ...inlineInstalls(line)];
        if (specs.length > 0) packages.push({ specs, line: i + 1 });
        const pathLine = parsePathLine(line);
        if (pathLine?.deleted) {
          deleted.push({ path: pathLine.path, line: i + 1 });
          lastPathLine = null;
        } else if (/^\(?(deleted|removed)\)?\.?$/i.test(line.trim()) && lastPathLine && lastPathLine.at >= i - 2) {
          deleted.push({ path: lastPathLine.value.path, line: i + 1 }); // `old.py`, then `(deleted)` below it
          lastPathLine = null;
        } else if (pathLine) {
          lastPathLine = { at: i, value: pathLine };
        }
        prev = line;
        blankRun = 0;
      }
      i++;
      continue;
    }

    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !isFenceClose(lines[j]!, open)) {
      body.push(dedent(lines[j]!, open.indent));
      j++;
    }
    const adjacent = prev !== '' && blankRun <= 2;
    const adjacentPath = adjacent ? parsePathLine(prev) : null;
    const earlierPath = lastPathLine && lastPathLine.at >= i - PATH_LINE_REACH ? lastPathLine.value : null;
    blocks.push({
      info: parseInfoString(open.info),
      lines: body,
      line: i + 1,
      unclosed: j >= lines.length,
      pathLine: adjacentPath && !adjacentPath.deleted ? adjacentPath : earlierPath,
      pathLineAdjacent: adjacentPath !== null && !adjacentPath.deleted,
      mention: adjacent && !adjacentPath ? parseMention(prev) : null,
      prevLine: adjacent ? prev : '',
    });
    // A deletion marker right before a fence covers that block too: its body is not a file.
    if (adjacentPath?.deleted) blocks[blocks.length - 1]!.info.deleted = true;
    if (adjacentPath?.deleted && !blocks[blocks.length - 1]!.info.path) {
      blocks[blocks.length - 1]!.info.path = adjacentPath.path;
    }
    prev = '';
    blankRun = 0;
    lastPathLine = null;
    i = j + 1;
  }
  return { blocks, deleted, packages };
}

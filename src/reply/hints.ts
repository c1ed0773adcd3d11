/**
 * Where a model puts a block's file name: in the fence's info string, on the line before the fence, or in a
 * comment on the block's first line. Each reader looks at one short line and never fails.
 */
import { looksLikeExplicitPath, looksLikePath, unwrap } from './path-like.js';

export interface InfoString {
  /** The language word, lower-cased ('' when none). */
  tag: string;
  path: string | null;
  deleted: boolean;
}

const PATH_KEYS = new Set(['path', 'file', 'filename', 'filepath', 'name', 'src']);
const DELETED_WORDS = new Set(['deleted', 'delete', 'removed', 'remove']);

/** Split on whitespace, keeping quoted parts (`title="a b.py"`) together. Linear. */
function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === quote) quote = '';
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === ' ' || ch === '\t') {
      if (cur) out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** ` ```python path=x.py `, ` ```python:x.py `, ` ```x.py `, ` ```python title="x.py" `, ` ```{.python file=x.py} `. */
export function parseInfoString(info: string): InfoString {
  let s = info.trim().slice(0, 2000);
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  const result: InfoString = { tag: '', path: null, deleted: false };
  const parts = words(s);
  parts.forEach((word, index) => {
    const eq = word.indexOf('=');
    if (eq > 0) {
      const key = word.slice(0, eq).toLowerCase();
      const value = word.slice(eq + 1).trim();
      if (PATH_KEYS.has(key) && looksLikeExplicitPath(value)) result.path = value;
      else if (key === 'title' && looksLikePath(value)) result.path = value;
      else if (DELETED_WORDS.has(key) && value !== 'false') result.deleted = true;
      return;
    }
    if (DELETED_WORDS.has(word.toLowerCase()) && index > 0) {
      result.deleted = true;
      return;
    }
    if (word.startsWith('.') && word.length > 1 && !result.tag && !looksLikePath(word)) {
      result.tag = word.slice(1).toLowerCase();
      return;
    }
    if (index === 0) {
      const colon = word.indexOf(':');
      if (colon > 0 && !/^[A-Za-z]:[\\/]/.test(word)) {
        result.tag = word.slice(0, colon).toLowerCase();
        const rest = word.slice(colon + 1);
        if (looksLikeExplicitPath(rest)) result.path = rest;
        return;
      }
      if (looksLikePath(word)) {
        result.path = word;
        return;
      }
      result.tag = word.toLowerCase();
      return;
    }
    if (result.path === null && looksLikePath(word)) result.path = word;
  });
  return result;
}

export interface PathLine {
  path: string;
  deleted: boolean;
  /** Said on purpose (`File: x`, `path:`), as opposed to a bare word that happens to look like a file. */
  explicit: boolean;
}

const LABELS = [
  'file path:', 'filepath:', 'file name:', 'filename:', 'file:', 'path:', 'new file:', 'create file:',
  'updated file:', 'update file:', 'save as:', 'save as', 'file',
];
/** First letters (lower-cased) of LABELS, to skip the label search on most lines. */
const LABEL_INITIALS = new Set(LABELS.map((l) => l.charCodeAt(0)));
const DELETE_LABELS = ['deleted file:', 'delete file:', 'deleted:', 'delete:', 'removed:', 'remove:', 'delete', 'remove', 'rm'];
const DELETE_SUFFIXES = ['(deleted)', '(removed)', '(delete)', '— deleted', '- deleted', ': deleted', ' deleted'];

function stripListMarker(s: string): string {
  let i = 0;
  if (s[0] === '-' || s[0] === '*' || s[0] === '+') i = 1;
  else {
    while (i < s.length && i < 4 && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i > 0 && (s[i] === '.' || s[i] === ')')) i++;
    else i = 0;
  }
  return i > 0 && (s[i] === ' ' || s[i] === '\t') ? s.slice(i + 1).trimStart() : s;
}

function stripLabel(s: string, labels: string[]): { rest: string; found: boolean } {
  const lower = s.toLowerCase();
  for (const label of labels) {
    if (lower.startsWith(label) && (label.endsWith(':') || s[label.length] === ' ' || s[label.length] === '`')) {
      return { rest: s.slice(label.length).trim(), found: true };
    }
  }
  return { rest: s, found: false };
}

/**
 * A line that is only a file name, dressed in markdown: `x.py`, `**x.py**`, `### x.py`, `File: x.py`,
 * `` `x.py` ``, `x.py:`, `1. **x.py** — the module`, `x.py (deleted)`.
 */
/** Cheap test run on every prose line: a file name has `.x` (an extension) or is a known bare name. */
function mayHoldPath(line: string): boolean {
  for (let at = line.indexOf('.'); at >= 0 && at < line.length - 1; at = line.indexOf('.', at + 1)) {
    const c = line.charCodeAt(at + 1);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
  }
  return /makefile|dockerfile|license|procfile|gemfile/i.test(line);
}

export function parsePathLine(line: string): PathLine | null {
  if (line.length > 400 || !mayHoldPath(line)) return null;
  let s = line.trim();
  if (s.length === 0) return null;
  while (s.startsWith('#')) s = s.slice(1);
  s = stripListMarker(s.trim());
  let deleted = false;
  let explicit = false;
  // Most lines have no deletion words and no label: skip those checks cheaply.
  const mayDelete = /delet|remov|\brm\b/i.test(s);
  for (let round = 0; round < 4; round++) {
    const before = s;
    s = unwrap(s);
    if (s.endsWith(':')) s = s.slice(0, -1).trimEnd();
    if (mayDelete) {
      const lower = s.toLowerCase();
      for (const suffix of DELETE_SUFFIXES) {
        if (lower.endsWith(suffix) && s.length > suffix.length) {
          s = s.slice(0, s.length - suffix.length).trimEnd();
          deleted = true;
          break;
        }
      }
      const del = stripLabel(s, DELETE_LABELS);
      if (del.found && del.rest) {
        s = del.rest;
        deleted = true;
        explicit = true;
      }
    }
    if (LABEL_INITIALS.has(s.charCodeAt(0) | 32)) {
      const label = stripLabel(s, LABELS);
      if (label.found && label.rest) {
        s = label.rest;
        explicit = true;
      }
    }
    if (s === before) break;
  }
  // `**x.py** — the implementation`, `x.py (tests)`: the name, then a description.
  const space = s.search(/\s/);
  if (space > 0) {
    const rest = s.slice(space).trim();
    if (!/^[-—–(:]/.test(rest)) return null;
    s = unwrap(s.slice(0, space));
    if (s.endsWith(':')) s = s.slice(0, -1);
  }
  s = unwrap(s);
  if (explicit ? !looksLikeExplicitPath(s) : !looksLikePath(s)) return null;
  return { path: s, deleted, explicit };
}

/**
 * A file name mentioned in prose just before a block: `Save this as \`prime.py\`:`. Only when exactly one
 * distinct file-like code span is on the line (or the line ends `as x.py:`); a weaker hint than a path line.
 */
export function parseMention(line: string): string | null {
  if (line.length > 2000 || !mayHoldPath(line)) return null;
  const spans = new Set<string>();
  let at = line.indexOf('`');
  while (at >= 0) {
    const end = line.indexOf('`', at + 1);
    if (end < 0) break;
    const inner = line.slice(at + 1, end).trim();
    if (looksLikePath(inner)) spans.add(inner);
    at = line.indexOf('`', end + 1);
  }
  if (spans.size === 1) return [...spans][0]!;
  if (spans.size > 1) return null;
  const t = line.trim();
  if (t.endsWith(':')) {
    const last = t.slice(0, -1).trim().split(/\s+/).pop() ?? '';
    const word = unwrap(last);
    if (looksLikePath(word)) return word;
  }
  return null;
}

/** `# x.py`, `// x.ts`, `# File: x.py`, `<!-- x.html -->`, a C-style block comment, `-- x.sql` on a block's first line. */
export function parseCommentPath(firstLine: string): string | null {
  let s = firstLine.trim();
  if (s.length === 0 || s.length > 400) return null;
  if (s.startsWith('<!--') && s.endsWith('-->')) s = s.slice(4, -3);
  else if (s.startsWith('/*') && s.endsWith('*/')) s = s.slice(2, -2);
  else if (s.startsWith('//')) s = s.slice(2);
  else if (s.startsWith('#!')) return null;
  else if (s.startsWith('#')) s = s.replace(/^#+/, '');
  else if (s.startsWith('--')) s = s.slice(2);
  else return null;
  s = s.trim();
  const label = stripLabel(s, LABELS);
  s = unwrap(label.rest);
  if (label.found ? !looksLikeExplicitPath(s) : !looksLikePath(s)) return null;
  return s;
}

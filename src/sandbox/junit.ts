/**
 * JUnit XML → test cases. The only source of test results: pytest (`--junitxml`, xunit1 for file and line)
 * and node's test runner (`--test-reporter=junit`) both write it. Handles nested suites (node's `describe`),
 * `<failure>`, `<error>` and `<skipped>`.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { TestCase, TestStatus } from '../types.js';

export interface ParseJUnitOptions {
  /** Whose XML this is; `auto` tells pytest's from node's by its shape. */
  flavor?: 'pytest' | 'node' | 'auto';
  /** The file every case belongs to when the XML does not say (node runs one test file per report). */
  file?: string | null;
  /** Lines of failure text kept per case. */
  maxMessageLines?: number;
}

export class JUnitParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JUnitParseError';
  }
}

type XmlNode = Record<string, unknown>;

const MAX_MESSAGE_CHARS = 4000;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped'].includes(name),
});

export function parseJUnit(xml: string, opts: ParseJUnitOptions = {}): TestCase[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new JUnitParseError(`the test report is not valid XML: ${valid.err.msg} (line ${valid.err.line})`);
  }
  const doc = parser.parse(xml) as XmlNode;
  const top = (doc.testsuites ?? doc.testsuite) as XmlNode | XmlNode[] | undefined;
  if (top === undefined) throw new JUnitParseError('the test report has no <testsuites> or <testsuite> element');
  const roots = Array.isArray(top) ? top : [top];
  const flavor = opts.flavor && opts.flavor !== 'auto' ? opts.flavor : detectFlavor(xml);
  const ctx: Ctx = { flavor, file: opts.file ?? null, maxLines: opts.maxMessageLines ?? 20 };
  const cases: TestCase[] = [];
  const rootIsSuite = doc.testsuites === undefined;
  for (const root of roots) {
    if (typeof root !== 'object' || root === null) continue;
    if (rootIsSuite) walkSuite(root, [], ctx, cases);
    else walkChildren(root, [], ctx, cases);
  }
  return cases;
}

interface Ctx {
  flavor: 'pytest' | 'node';
  file: string | null;
  maxLines: number;
}

function detectFlavor(xml: string): 'pytest' | 'node' {
  return /<testsuite[^>]*\bname="pytest"/.test(xml) || /<testsuites[^>]*name="pytest tests"/.test(xml)
    ? 'pytest'
    : 'node';
}

function walkChildren(node: XmlNode, path: string[], ctx: Ctx, out: TestCase[]): void {
  for (const tc of asArray(node.testcase)) {
    const c = toCase(tc, path, ctx);
    if (c) out.push(c);
  }
  for (const suite of asArray(node.testsuite)) walkSuite(suite, path, ctx, out);
}

function walkSuite(suite: XmlNode, path: string[], ctx: Ctx, out: TestCase[]): void {
  const name = attr(suite, 'name');
  // pytest's one suite is called "pytest": naming cases after it would add nothing.
  const named = ctx.flavor === 'node' && name ? [...path, name] : path;
  walkChildren(suite, named, ctx, out);
}

function toCase(tc: XmlNode, suitePath: string[], ctx: Ctx): TestCase | null {
  const rawName = attr(tc, 'name') ?? '(unnamed)';
  const seconds = Number(attr(tc, 'time') ?? '0');
  const durationMs = Number.isFinite(seconds) ? Math.round(seconds * 1000) : 0;
  const failure = asArray(tc.failure)[0];
  const error = asArray(tc.error)[0];
  const skipped = asArray(tc.skipped)[0];

  let status: TestStatus = 'passed';
  let detail: XmlNode | string | undefined;
  if (error !== undefined) {
    status = 'error';
    detail = error;
  } else if (failure !== undefined) {
    status = 'failed';
    detail = failure;
  } else if (skipped !== undefined) {
    status = 'skipped';
    detail = skipped;
  }

  if (ctx.flavor === 'pytest') {
    const file = attr(tc, 'file') ?? fileFromClassname(attr(tc, 'classname')) ?? ctx.file;
    return {
      name: pytestName(rawName, attr(tc, 'classname'), file),
      file,
      status,
      durationMs,
      message: detail === undefined ? null : pytestMessage(detail, status, ctx.maxLines),
    };
  }

  // node: a case named after the test file itself means the file failed to load or crashed.
  const fileLevel = ctx.file !== null && (rawName === ctx.file || rawName.endsWith(`/${ctx.file}`));
  // Node 20 reports a test file that registered no tests as one passing "test" named after the file.
  if (fileLevel && status !== 'failed' && status !== 'error') return null;
  if (detail !== undefined && status === 'failed') {
    const type = typeof detail === 'object' ? attr(detail, 'type') : undefined;
    if (fileLevel || (type !== undefined && !NODE_TEST_FAILURES.has(type))) status = 'error';
  }
  return {
    name: fileLevel ? ctx.file! : [...suitePath, rawName].join(' > '),
    file: ctx.file,
    status,
    durationMs,
    message:
      detail === undefined
        ? null
        : fileLevel
          ? 'the test file failed to load or exited before its tests finished (see the output)'
          : nodeMessage(detail, status, ctx.maxLines),
  };
}

/** Properties node prints after an error's stack; the message line already says what they say. */
const NODE_ERROR_PROPS = /^(generatedMessage|code|actual|expected|operator|failureType|exitCode|signal): /;

/** Node failure types that mean the test's own code failed; the others (hooks, cancellation) are errors. */
const NODE_TEST_FAILURES = new Set(['testCodeFailure', 'testTimeoutFailure']);

function pytestName(name: string, classname: string | undefined, file: string | null): string {
  if (!classname || !file) return name;
  const module = file.replace(/\.py$/, '').replaceAll('/', '.');
  if (classname.startsWith(`${module}.`)) return `${classname.slice(module.length + 1).replaceAll('.', '::')}::${name}`;
  return name;
}

/** xunit2 has no file attribute: `pkg.test_mod.TestClass` → `pkg/test_mod.py` (classes start upper-case). */
function fileFromClassname(classname: string | undefined): string | null {
  if (!classname) return null;
  const parts = classname.split('.');
  while (parts.length > 1 && /^[A-Z]/.test(parts[parts.length - 1]!)) parts.pop();
  return parts.length > 0 && parts[0] ? `${parts.join('/')}.py` : null;
}

function pytestMessage(detail: XmlNode | string, status: TestStatus, maxLines: number): string | null {
  const message = typeof detail === 'object' ? attr(detail, 'message') : undefined;
  const text = textOf(detail);
  if (status === 'skipped') return firstLines(message ?? text, maxLines);
  // pytest's text repeats the test's whole source before the `E` lines; the message and the `E` lines and
  // the location say what went wrong in a few lines.
  const lines = text.split('\n');
  const eLines = lines.filter((l) => /^E\s/.test(l)).map((l) => l.replace(/^E\s{0,7}/, ''));
  const where = lines.filter((l) => /^[^\s].*:\d+: \S/.test(l));
  if (eLines.length === 0) return firstLines([message, text].filter(Boolean).join('\n'), maxLines);
  const picked: string[] = [];
  // A fixture's error: pytest's message wraps the whole text (`failed on setup with "file …"`); the phase and
  // the `E` lines say it, on a first line a one-line summary can show.
  const phase = message ? /^failed on (setup|teardown) with "/.exec(message)?.[1] : undefined;
  if (phase) picked.push(`failed on ${phase}: ${eLines[0]}`, ...eLines.slice(1));
  else {
    if (message && !message.includes(eLines[0]!) && !eLines.join('\n').includes(message.split('\n')[0]!)) picked.push(message);
    picked.push(...eLines);
  }
  if (where.length > 0) picked.push(where[where.length - 1]!);
  return firstLines(picked.join('\n'), maxLines);
}

function nodeMessage(detail: XmlNode | string, status: TestStatus, maxLines: number): string | null {
  const message = typeof detail === 'object' ? attr(detail, 'message') : undefined;
  if (status === 'skipped') return message && message !== 'true' ? message : null;
  const text = textOf(detail);
  // node wraps the thrown error as `[Error [ERR_TEST_FAILURE]: ...] { ..., cause: <the real error> }`.
  const causeAt = text.search(/\bcause: (?!')/);
  const body = causeAt >= 0 ? text.slice(causeAt + 'cause: '.length) : text;
  const lines = body
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l !== '' &&
        l !== '}' &&
        !/^at .*\((node:|internal\/)/.test(l) &&
        !/^at async /.test(l) &&
        !NODE_ERROR_PROPS.test(l),
    );
  if (lines.length === 0 || /^\[?Error \[ERR_TEST_FAILURE\]/.test(lines[0]!) && causeAt < 0) {
    return firstLines(message ?? text, maxLines);
  }
  return firstLines(lines.join('\n'), maxLines);
}

function firstLines(text: string, maxLines: number): string | null {
  const trimmed = text.trim();
  if (!trimmed) return null;
  const lines = trimmed.split('\n');
  let kept = lines.slice(0, maxLines).join('\n');
  if (lines.length > maxLines) kept += `\n… (${lines.length - maxLines} more lines)`;
  return kept.length > MAX_MESSAGE_CHARS ? `${kept.slice(0, MAX_MESSAGE_CHARS)}…` : kept;
}

function textOf(detail: XmlNode | string): string {
  if (typeof detail === 'string') return decodeCharRefs(detail);
  const text = detail['#text'];
  return typeof text === 'string' ? decodeCharRefs(text) : '';
}

function attr(node: XmlNode, name: string): string | undefined {
  const value = node[`@_${name}`];
  return typeof value === 'string' ? decodeCharRefs(value) : undefined;
}

/** The parser decodes named entities only; pytest writes newlines in attributes as `&#10;`. */
function decodeCharRefs(s: string): string {
  if (!s.includes('&#')) return s;
  return s.replace(/&#(?:x([0-9a-f]+)|(\d+));/gi, (whole, hex: string | undefined, dec: string | undefined) => {
    const code = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function asArray(value: unknown): XmlNode[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  // An empty element (`<failure/>`) parses as '' — keep it as an empty node so its presence still counts.
  return list.map((v) => (typeof v === 'object' && v !== null ? (v as XmlNode) : { '#text': String(v) }));
}

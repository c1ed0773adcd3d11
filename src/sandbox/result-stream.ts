/**
 * Reads the reporters' result stream (result-reporters.ts) and decides whether it can be believed. The stream is
 * the source of truth for each case's status; anything that disagrees with it or with the runner's exit status
 * makes the run untrusted (`test_results_untrusted`, exit 1): never a pass.
 */
import type { TestStatus } from '../types.js';
import { RESULT_LINE_PREFIX } from './result-reporters.js';

export interface StreamCase {
  id: string;
  name: string;
  file: string | null;
  status: TestStatus;
  durationMs: number;
  message: string | null;
  /** node: the record is about the test file itself (it crashed, or registered no tests). */
  fileLevel: boolean;
  /** node: why a failed case failed (`testCodeFailure`, `hookFailure`, ...). */
  failureType: string | null;
}

export interface ResultStream {
  started: boolean;
  /** pytest: the number of test items collected, before any ran. */
  collected: number | null;
  /** The reporter's last record: the runner finished normally; pytest says its exit status. */
  ended: boolean;
  endExit: number | null;
  cases: StreamCase[];
  /** Why the stream itself cannot be believed (a forged or damaged record). */
  broken: string | null;
}

/** Marks a results pipe that outgrew its cap; never valid JSON, so the stream counts as damaged. */
export const RESULTS_OVERFLOW_LINE = '\u0000ptc: results overflow';

const STATUSES = new Set<TestStatus>(['passed', 'failed', 'error', 'skipped']);

/** Result records out of runner stdout (Daytona): the framed lines, and the output without them. */
export function splitFramedOutput(stdout: string): { records: string; output: string } {
  const records: string[] = [];
  const kept: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(RESULT_LINE_PREFIX)) records.push(line.slice(RESULT_LINE_PREFIX.length));
    else kept.push(line);
  }
  // The reporter starts each record on a fresh line; drop the blank lines that leaves behind.
  return { records: records.join('\n'), output: kept.join('\n').replace(/\n{3,}/g, '\n\n') };
}

/** Every record is read, so the cases stand as reported; the first thing wrong with the stream is kept in `broken`. */
export function parseResultStream(text: string, key: string): ResultStream {
  const stream: ResultStream = { started: false, collected: null, ended: false, endExit: null, cases: [], broken: null };
  const ids = new Set<string>();
  /** Cases a hook turned into passes: reported as failed, which they were before the hook. */
  const flipped = new Set<string>();
  const fail = (why: string): void => {
    stream.broken ??= why;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      fail('a record on the results channel is not valid JSON');
      continue;
    }
    if (typeof rec !== 'object' || rec === null || rec.k !== key) {
      fail("a record on the results channel was not written by ptc's reporter (wrong run key)");
      continue;
    }
    if (stream.ended) fail('records arrived after the runner had finished');
    switch (rec.t) {
      case 'start':
        if (stream.started) fail('the reporter started twice');
        stream.started = true;
        break;
      case 'collected':
        if (stream.collected !== null || typeof rec.n !== 'number') fail('a second or malformed collection count');
        else stream.collected = rec.n;
        break;
      case 'flip':
        fail(`a hook rewrote the outcome of ${String(rec.id)} (${String(rec.when)}) to passed`);
        flipped.add(String(rec.id));
        break;
      case 'case': {
        const c = toCase(rec);
        if (!c) fail('a malformed test case record');
        else if (ids.has(c.id)) fail(`test case ${c.id} was reported twice`);
        else {
          ids.add(c.id);
          if (flipped.has(c.id) && c.status === 'passed') {
            c.status = 'failed';
            c.message = 'reported as passed by a hook that rewrote its outcome';
          }
          stream.cases.push(c);
        }
        break;
      }
      case 'end':
        stream.ended = true;
        stream.endExit = typeof rec.exit === 'number' ? rec.exit : null;
        break;
      default:
        fail('an unknown record on the results channel');
    }
  }
  return stream;
}

function toCase(rec: Record<string, unknown>): StreamCase | null {
  const { id, name, status } = rec;
  if (typeof id !== 'string' || typeof name !== 'string' || !STATUSES.has(status as TestStatus)) return null;
  return {
    id,
    name,
    file: typeof rec.file === 'string' ? rec.file : null,
    status: status as TestStatus,
    durationMs: typeof rec.ms === 'number' && rec.ms >= 0 ? rec.ms : 0,
    message: typeof rec.msg === 'string' ? rec.msg : null,
    fileLevel: rec.fileLevel === true,
    failureType: typeof rec.failureType === 'string' ? rec.failureType : null,
  };
}

export interface Crosscheck {
  runner: 'pytest' | 'node';
  /** The runner's exit status as ptc saw it (not as the code under test may claim). */
  exitCode: number | null;
  /** Statuses from the runner's JUnit report, when it wrote one: a second opinion only. */
  junit: TestStatus[] | null;
}

const isBad = (s: TestStatus): boolean => s === 'failed' || s === 'error';

/**
 * Why the stream and the runner disagree, or null when they agree. Only checks what a forgery would break:
 * a run whose exit status is neither pass nor fail is reported by the caller as what it is.
 */
export function untrustedReason(stream: ResultStream, check: Crosscheck): string | null {
  if (stream.broken) return stream.broken;
  const bad = stream.cases.filter((c) => isBad(c.status)).length;
  const { exitCode } = check;
  const runner = check.runner;
  if (check.junit && check.junit.filter(isBad).length < bad) {
    return `the JUnit report shows fewer failures than ${runner} reported while the tests ran (it was rewritten)`;
  }
  if (exitCode === 0) {
    if (!stream.started) return `${runner} exited with 0 but ptc's reporter never started`;
    if (!stream.ended) return `${runner} exited with 0 before it had finished (the run was cut short)`;
    if (stream.endExit !== null && stream.endExit !== 0) {
      return `${runner} finished with exit status ${stream.endExit}, but the process exited with 0`;
    }
    if (bad > 0) return `${runner} exited with 0 although ${bad} test case(s) failed`;
    if (stream.collected !== null && stream.collected !== stream.cases.length) {
      return `${runner} collected ${stream.collected} test(s) but reported ${stream.cases.length}`;
    }
  }
  if (exitCode === 1) {
    if (!stream.ended) return `${runner} exited with 1 before it had finished (the run was cut short)`;
    if (bad === 0) return `${runner} exited with 1 (tests failed) but reported no failing test`;
  }
  return null;
}

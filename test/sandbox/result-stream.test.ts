import { describe, expect, it } from 'vitest';
import { parseResultStream, RESULTS_OVERFLOW_LINE, splitFramedOutput, untrustedReason, type ResultStream } from '../../src/sandbox/result-stream.js';

const KEY = 'k'.repeat(32);
const line = (rec: object, key = KEY): string => JSON.stringify({ ...rec, k: key });
const pyCase = (id: string, status: string): object => ({ t: 'case', id, name: id, file: 'test_a.py', status, ms: 1, msg: null });

/** A complete pytest stream: start, collected, the cases, end. */
function pyStream(statuses: string[], endExit: number, extra: string[] = []): string {
  return [
    line({ t: 'start' }),
    line({ t: 'collected', n: statuses.length }),
    ...statuses.map((s, i) => line(pyCase(`t${i}`, s))),
    line({ t: 'end', exit: endExit }),
    ...extra,
  ].join('\n');
}

const check = (stream: ResultStream, exitCode: number | null, junit: ('passed' | 'failed')[] | null = null) =>
  untrustedReason(stream, { runner: 'pytest', exitCode, junit });

describe('parseResultStream', () => {
  it('reads a complete stream', () => {
    const s = parseResultStream(pyStream(['passed', 'failed'], 1), KEY);
    expect(s).toMatchObject({ started: true, collected: 2, ended: true, endExit: 1, broken: null });
    expect(s.cases.map((c) => c.status)).toEqual(['passed', 'failed']);
    expect(check(s, 1)).toBeNull();
  });

  it('refuses a record without the run key', () => {
    const s = parseResultStream([line({ t: 'start' }), line(pyCase('t0', 'passed'), 'guess')].join('\n'), KEY);
    expect(s.broken).toMatch(/wrong run key/);
    expect(s.cases).toHaveLength(0);
  });

  it('refuses a case reported twice, records after the end, garbage and an overflow', () => {
    expect(parseResultStream(pyStream(['failed'], 1, [line(pyCase('t0', 'passed'))]), KEY).broken).toMatch(/after the runner had finished/);
    const twice = [line({ t: 'start' }), line(pyCase('t0', 'failed')), line(pyCase('t0', 'passed'))].join('\n');
    expect(parseResultStream(twice, KEY).broken).toMatch(/t0 was reported twice/);
    expect(parseResultStream(`${line({ t: 'start' })}\n{"t": "case"`, KEY).broken).toMatch(/not valid JSON/);
    expect(parseResultStream(`${pyStream(['passed'], 0)}\n${RESULTS_OVERFLOW_LINE}\n`, KEY).broken).toMatch(/not valid JSON/);
  });

  it('counts a case a hook flipped to passed as failed, and the stream as broken', () => {
    const s = parseResultStream([line({ t: 'start' }), line({ t: 'flip', id: 't0', when: 'call' }), line(pyCase('t0', 'passed'))].join('\n'), KEY);
    expect(s.broken).toMatch(/a hook rewrote the outcome of t0 \(call\)/);
    expect(s.cases[0]!.status).toBe('failed');
  });
});

describe('untrustedReason: the stream against the runner', () => {
  it('a clean pass is trusted', () => {
    expect(check(parseResultStream(pyStream(['passed', 'passed'], 0), KEY), 0, ['passed', 'passed'])).toBeNull();
  });

  it('exit 0 needs the reporter to have started and finished, with exit 0, every collected case and no failure', () => {
    expect(check(parseResultStream('', KEY), 0)).toMatch(/never started/);
    expect(check(parseResultStream(pyStream(['passed'], 0).split('\n').slice(0, -1).join('\n'), KEY), 0)).toMatch(/before it had finished/);
    expect(check(parseResultStream(pyStream(['failed'], 1), KEY), 0)).toMatch(/finished with exit status 1, but the process exited with 0/);
    expect(check(parseResultStream(pyStream(['failed'], 0), KEY), 0)).toMatch(/exited with 0 although 1 test case\(s\) failed/);
    const short = [line({ t: 'start' }), line({ t: 'collected', n: 3 }), line(pyCase('t0', 'passed')), line({ t: 'end', exit: 0 })].join('\n');
    expect(check(parseResultStream(short, KEY), 0)).toMatch(/collected 3 test\(s\) but reported 1/);
  });

  it('exit 1 needs a failing case and a finished run', () => {
    expect(check(parseResultStream(pyStream(['passed'], 1), KEY), 1)).toMatch(/exited with 1 \(tests failed\) but reported no failing test/);
    expect(check(parseResultStream(line({ t: 'start' }), KEY), 1)).toMatch(/exited with 1 before it had finished/);
  });

  it('a JUnit report with fewer failures than the stream was rewritten', () => {
    const s = parseResultStream(pyStream(['passed', 'failed'], 1), KEY);
    expect(check(s, 1, ['passed', 'passed'])).toMatch(/JUnit report shows fewer failures/);
    expect(check(s, 1, ['passed', 'failed'])).toBeNull();
  });

  it('leaves a crash or a timeout to the caller: never a pass, but not a forgery either', () => {
    expect(check(parseResultStream(line({ t: 'start' }), KEY), 139)).toBeNull();
    expect(check(parseResultStream(line({ t: 'start' }), KEY), null)).toBeNull();
  });
});

describe('splitFramedOutput (Daytona: the records travel in stdout)', () => {
  it('takes the framed records out and leaves the runner output', () => {
    const stdout = `..F\nptc-result ${line({ t: 'start' })}\n1 failed, 2 passed\nptc-result ${line({ t: 'end', exit: 1 })}\n`;
    const { records, output } = splitFramedOutput(stdout);
    expect(parseResultStream(records, KEY)).toMatchObject({ started: true, ended: true, endExit: 1, broken: null });
    expect(output).toBe('..F\n1 failed, 2 passed\n');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JUnitParseError, parseJUnit } from '../../src/sandbox/junit.js';

// Fixtures captured from real runs by test/fixtures/junit/capture.sh.
const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '../fixtures/junit', name), 'utf8');

describe('parseJUnit: pytest (xunit1)', () => {
  const cases = parseJUnit(fixture('pytest-py-mixed.xml'));
  const byName = (name: string) => cases.find((c) => c.name === name);

  it('reads every case with its file and status', () => {
    expect(cases.map((c) => [c.name, c.status])).toEqual([
      ['test_add_passes', 'passed'],
      ['test_add_fails', 'failed'],
      ['test_uses_broken_fixture', 'error'],
      ['test_skipped', 'skipped'],
      ['test_expected_failure', 'skipped'],
      ['TestDivision::test_div', 'passed'],
      ['TestDivision::test_div_by_zero', 'failed'],
      ['test_param[1-1-2]', 'passed'],
      ['test_param[2-2-5]', 'failed'],
    ]);
    expect(new Set(cases.map((c) => c.file))).toEqual(new Set(['test_calc.py']));
  });

  it('keeps the assertion and where it failed, not the whole test source', () => {
    const msg = byName('test_add_fails')!.message!;
    expect(msg).toContain('assert 4 == 5');
    expect(msg).toContain('where 4 = add(2, 2)');
    expect(msg).toContain('test_calc.py:11: AssertionError');
    expect(msg).not.toContain('def test_add_fails');
    expect(byName('TestDivision::test_div_by_zero')!.message).toContain('ZeroDivisionError: division by zero');
    expect(byName('TestDivision::test_div_by_zero')!.message).toContain('calc.py:6: ZeroDivisionError');
  });

  it('reports fixture errors as errors with their cause, skips with their reason', () => {
    // The phase and the error on the first line (what the human report shows), not pytest's wrapper twice.
    expect(byName('test_uses_broken_fixture')!.message).toBe(
      'failed on setup: RuntimeError: fixture exploded\ntest_calc.py:16: RuntimeError',
    );
    expect(byName('test_skipped')!.message).toBe('not ready yet');
    expect(byName('test_add_passes')!.message).toBeNull();
  });

  it('reports a collection failure (import error) as an error naming the missing module', () => {
    const [only, ...rest] = parseJUnit(fixture('pytest-py-collect-error.xml'));
    expect(rest).toHaveLength(0);
    expect(only).toMatchObject({ name: 'test_broken', file: 'test_broken.py', status: 'error' });
    expect(only!.message).toContain("No module named 'does_not_exist'");
  });

  it('finds no cases in an empty run', () => {
    expect(parseJUnit(fixture('pytest-py-empty.xml'))).toEqual([]);
  });

  it('derives the file from the classname in xunit2 reports', () => {
    const x2 = parseJUnit(fixture('pytest-py-mixed-xunit2.xml'));
    expect(x2).toHaveLength(9);
    expect(x2.every((c) => c.file === 'test_calc.py')).toBe(true);
    expect(x2.filter((c) => c.status === 'failed')).toHaveLength(3);
  });
});

describe('parseJUnit: node --test-reporter=junit', () => {
  const cases = parseJUnit(fixture('node-js-mixed.xml'), { file: 'math.test.js' });
  const byName = (name: string) => cases.find((c) => c.name === name);

  it('names nested cases after their describe blocks and maps statuses', () => {
    expect(cases.map((c) => [c.name, c.status])).toEqual([
      ['adds numbers', 'passed'],
      ['fails on purpose', 'failed'],
      ['skipped test', 'skipped'],
      ['todo test', 'skipped'],
      ['arithmetic > nested passes', 'passed'],
      ['arithmetic > nested throws', 'failed'],
      ['broken hook > never gets to run', 'error'],
    ]);
    expect(cases.every((c) => c.file === 'math.test.js')).toBe(true);
    expect(byName('adds numbers')!.durationMs).toBe(1);
  });

  it('keeps the thrown error and the test frame, not node internals', () => {
    const msg = byName('fails on purpose')!.message!;
    expect(msg).toContain('AssertionError');
    expect(msg).toContain('4 !== 5');
    expect(msg).toContain('math.test.js:10:10');
    expect(msg).not.toContain('node:internal');
    expect(byName('arithmetic > nested throws')!.message).toContain('TypeError [Error]: nested boom');
  });

  it('reports a test file that failed to load as one error case named after the file', () => {
    const [only] = parseJUnit(fixture('node-js-load-error.xml'), { file: 'bad.test.js' });
    expect(only).toMatchObject({ name: 'bad.test.js', file: 'bad.test.js', status: 'error' });
  });
});

describe('parseJUnit: shapes and bad input', () => {
  it('accepts a bare <testsuite> root and nested suites of other tools', () => {
    const xml = `<testsuite name="outer"><testcase name="a"/><testsuite name="inner">
      <testcase name="b" time="0.25"><error message="boom">trace</error></testcase></testsuite></testsuite>`;
    expect(parseJUnit(xml, { flavor: 'node', file: 'x.test.js' })).toEqual([
      { name: 'outer > a', file: 'x.test.js', status: 'passed', durationMs: 0, message: null },
      { name: 'outer > inner > b', file: 'x.test.js', status: 'error', durationMs: 250, message: 'trace' },
    ]);
  });

  it('caps failure text at the requested number of lines', () => {
    const text = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    const xml = `<testsuites><testcase name="t"><failure type="testCodeFailure">${text}</failure></testcase></testsuites>`;
    const msg = parseJUnit(xml, { flavor: 'node', maxMessageLines: 5 })[0]!.message!;
    expect(msg.split('\n')).toHaveLength(6);
    expect(msg).toContain('45 more lines');
  });

  it('throws a JUnitParseError on truncated XML', () => {
    expect(() => parseJUnit('<testsuites><testcase name="a">')).toThrow(JUnitParseError);
    expect(() => parseJUnit('<html></html>')).toThrow(JUnitParseError);
  });
});

describe('parseJUnit: entities', () => {
  it('decodes numeric character references in messages', () => {
    const cases = parseJUnit(fixture('pytest-py-mixed.xml'));
    const msg = cases.find((c) => c.name === 'test_add_fails')!.message!;
    expect(msg).not.toContain('&#10;');
    expect(msg.split('\n').filter((l) => l.includes('assert 4 == 5'))).toHaveLength(1);
  });
});

describe('parseJUnit: node file-level entries', () => {
  it('drops the passing entry node 20 writes for a test file without tests', () => {
    const xml = `<testsuites><testcase name="/sandbox/empty.test.js" time="0.05" classname="test"/></testsuites>`;
    expect(parseJUnit(xml, { flavor: 'node', file: 'empty.test.js' })).toEqual([]);
  });
});

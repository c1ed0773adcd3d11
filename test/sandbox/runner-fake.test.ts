import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/errors.js';
import { runTestsIn } from '../../src/sandbox/runner.js';
import type { ExecOptions, ExecResult, Sandbox, SandboxFile } from '../../src/types.js';

const PASSING_XML = readFileSync(join(import.meta.dirname, '../fixtures/junit/pytest-py-mixed.xml'), 'utf8');

type Script = (command: string, fake: FakeSandbox, opts: ExecOptions) => Partial<ExecResult>;

/** A sandbox that answers commands from a script and records them: the runner must work with any Sandbox. */
class FakeSandbox implements Sandbox {
  readonly kind = 'daytona' as const;
  readonly root = '/home/daytona/work';
  readonly files = new Map<string, string>();
  readonly commands: { command: string; env?: Record<string, string> }[] = [];
  constructor(private readonly script: Script) {}
  async prepare(files: SandboxFile[]): Promise<void> {
    for (const f of files) this.files.set(f.path, f.content.toString());
  }
  async exec(command: string, opts: ExecOptions): Promise<ExecResult> {
    this.commands.push({ command, env: opts.env });
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, truncated: false, durationMs: 1, ...this.script(command, this, opts) };
  }
  async readFile(path: string): Promise<Buffer | null> {
    const content = this.files.get(path);
    return content === undefined ? null : Buffer.from(content);
  }
  async dispose(): Promise<void> {}
}

/** What ptc's pytest reporter prints where there is no results pipe: framed lines carrying the run's key. */
function reporterStdout(fake: FakeSandbox, statuses: string[], exit: number): string {
  const key = fake.files.get('.ptc/results-key')!;
  const rec = (r: object): string => `\nptc-result ${JSON.stringify({ ...r, k: key })}`;
  const cases = statuses.map((status, i) => rec({ t: 'case', id: `t${i}`, name: `test_${i}`, file: 'test_solution.py', status, ms: 1, msg: null }));
  return [rec({ t: 'start' }), rec({ t: 'collected', n: statuses.length }), ...cases, rec({ t: 'end', exit })].join('') + '\n';
}
const MIXED = ['passed', 'passed', 'passed', 'failed', 'failed', 'failed'];

/** The run's files as the pipeline hands them over: with the contents put into the sandbox. */
const pyFiles = (fake: FakeSandbox) =>
  [...fake.files].map(([path, content]) => ({ path, kind: path.startsWith('test_') ? ('test' as const) : ('code' as const), content }));

async function withFiles(fake: FakeSandbox, solution = 'import requests\n') {
  await fake.prepare([
    { path: 'solution.py', content: solution },
    { path: 'test_solution.py', content: 'from solution import *\n' },
  ]);
  return fake;
}

describe('runTestsIn over another sandbox (network available)', () => {
  it('installs missing packages with pip into .ptc/site and runs pytest with them on PYTHONPATH', async () => {
    const fake = await withFiles(
      new FakeSandbox((cmd, sb) => {
        if (cmd.startsWith('"${PTC_PYTHON:-python3}" -c')) return { stdout: '["requests"]\n' };
        if (cmd.includes('pytest') && cmd.includes('--junitxml')) {
          sb.files.set('.ptc/junit.xml', PASSING_XML);
          return { exitCode: 1, stdout: reporterStdout(sb, MIXED, 1) };
        }
        return {};
      }),
    );
    const phases: string[] = [];
    const report = await runTestsIn(fake, {
      lang: 'python',
      files: pyFiles(fake),
      dependencies: [],
      timeoutMs: 10_000,
      network: true,
      onPhase: (p) => phases.push(p),
    });
    expect(fake.commands.map((c) => c.command.split(' ').slice(0, 4).join(' '))).toEqual([
      expect.stringMatching(/^"\$\{PTC_PYTHON:-python3\}" -c /),
      '"${PTC_PYTHON:-python3}" -m pip install',
      'rm -f .ptc/junit.xml; exec',
    ]);
    expect(fake.commands[1]!.command).toContain("--target .ptc/site 'requests'");
    // Only the installed packages' pytest plugins load, whatever else the image has.
    expect(fake.commands[2]!.env).toEqual({ PYTHONPATH: '.ptc/site', PYTEST_DISABLE_PLUGIN_AUTOLOAD: '1' });
    expect(fake.commands[2]!.command).toMatch(/exec "\$\{PTC_PYTHON:-python3\}" -c '[^']*entry_points\(group="pytest11"\)[^']*' '\["requests"\]' -q /);
    expect(report).toMatchObject({ sandbox: 'daytona', passed: 3, failed: 3, install: { packages: ['requests'], ok: true } });
    expect(phases).toEqual(['installing', 'running']);
  });

  it('reports a package that does not exist as the reply\'s problem, with the installer output', async () => {
    const fake = await withFiles(
      new FakeSandbox((cmd, sb) => {
        if (cmd.startsWith('"${PTC_PYTHON:-python3}" -c')) return { stdout: '["requests"]\n' };
        if (cmd.includes('pip install')) {
          return { exitCode: 1, stderr: 'ERROR: Could not find a version that satisfies the requirement requests\nERROR: No matching distribution found for requests' };
        }
        sb.files.set('.ptc/junit.xml', PASSING_XML);
        return { exitCode: 1 };
      }),
    );
    const report = await runTestsIn(fake, { lang: 'python', files: pyFiles(fake), dependencies: [], timeoutMs: 10_000, network: true });
    expect(report.install).toMatchObject({ ok: false, output: expect.stringContaining('No matching distribution') });
    expect(report.problem).toMatch(/could not install requests/);
  });

  it('turns an installer that cannot reach the registry into a retryable sandbox error', async () => {
    const fake = await withFiles(
      new FakeSandbox((cmd) => {
        if (cmd.startsWith('"${PTC_PYTHON:-python3}" -c')) return { stdout: '["requests"]\n' };
        if (cmd.includes('pip install')) return { exitCode: 1, stderr: 'WARNING: Retrying ... ConnectionError\nERROR: network unreachable' };
        return {};
      }),
    );
    const err = await runTestsIn(fake, { lang: 'python', files: pyFiles(fake), dependencies: [], timeoutMs: 10_000, network: true }).catch((e) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect(err).toMatchObject({ code: 'sandbox_install_failed', exitCode: 4, retryable: true });
  });

  it('installs pytest itself when the image lacks it, then runs the tests', async () => {
    let pytestInstalled = false;
    const fake = await withFiles(
      new FakeSandbox((cmd, sb) => {
        if (cmd.includes("install --quiet --no-input --target .ptc/site pytest")) {
          pytestInstalled = true;
          return {};
        }
        if (cmd.includes('--junitxml')) {
          if (!pytestInstalled) return { exitCode: 1, stderr: "ModuleNotFoundError: No module named 'pytest'" };
          sb.files.set('.ptc/junit.xml', PASSING_XML);
          return { exitCode: 1, stdout: reporterStdout(sb, MIXED, 1) };
        }
        return {};
      }),
      'x = 1\n',
    );
    const report = await runTestsIn(fake, { lang: 'python', files: pyFiles(fake), dependencies: [], timeoutMs: 10_000, network: true });
    expect(pytestInstalled).toBe(true);
    expect(report.passed).toBe(3);
    expect(fake.commands.at(-1)!.env).toEqual({ PYTHONPATH: '.ptc/site', PYTEST_DISABLE_PLUGIN_AUTOLOAD: '1' });
  });
});

describe('runTestsIn when the sandbox cannot run tests at all', () => {
  it('is a sandbox error (exit 4) when pytest is missing and there is no network', async () => {
    const fake = await withFiles(
      new FakeSandbox(() => ({ exitCode: 1, stderr: '/usr/bin/python3: No module named pytest' })),
      'x = 1\n',
    );
    const err = await runTestsIn(fake, { lang: 'python', files: pyFiles(fake), dependencies: [], timeoutMs: 10_000, network: false }).catch((e) => e);
    expect(err).toMatchObject({ code: 'sandbox_runner_missing', exitCode: 4 });
    expect(err.hint).toContain('pip install pytest');
  });

  it('is a sandbox error when node is not installed', async () => {
    const fake = new FakeSandbox(() => ({ exitCode: 127, stderr: 'sh: 1: node: not found' }));
    await fake.prepare([{ path: 'a.test.js', content: "import { test } from 'node:test';\n" }]);
    const err = await runTestsIn(fake, {
      lang: 'javascript',
      files: [{ path: 'a.test.js', kind: 'test', content: "import { test } from 'node:test';\n" }],
      dependencies: [],
      timeoutMs: 10_000,
      network: false,
    }).catch((e) => e);
    expect(err).toMatchObject({ code: 'sandbox_runner_missing', exitCode: 4 });
  });

  it('says when the runner wrote no report, with the end of its output', async () => {
    const fake = await withFiles(new FakeSandbox(() => ({ exitCode: 4, stderr: 'ERROR: usage: pytest [options]\npytest: error: unrecognized arguments' })), 'x = 1\n');
    const report = await runTestsIn(fake, { lang: 'python', files: pyFiles(fake), dependencies: [], timeoutMs: 10_000, network: false });
    expect(report.ran).toBe(true);
    expect(report.problem).toMatch(/pytest exited with code 4 without writing a test report/);
    expect(report.problem).toContain('unrecognized arguments');
  });
});

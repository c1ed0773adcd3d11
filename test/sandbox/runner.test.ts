import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalSandbox } from '../../src/sandbox/local.js';
import { rewriteTsImports, runTestsIn, type RunTestsInput } from '../../src/sandbox/runner.js';
import type { Lang } from '../../src/languages/registry.js';
import type { FileKind, Logger, Sandbox, SandboxFile } from '../../src/types.js';
import { DEMO_PLUGIN_FILES, DEMO_PLUGIN_TEST } from '../fixtures/pytest-plugin.js';

// Keep ptc's host-python cache out of the real ~/.cache while testing.
process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'ptc-cache-'));

const PROJECTS = join(import.meta.dirname, '../fixtures/projects');

function kindOf(path: string): FileKind {
  return /(^|\/)test_[^/]*\.py$|\.test\.(c|m)?(j|t)s$/.test(path) ? 'test' : 'code';
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

function fixtureFiles(project: string): SandboxFile[] {
  const root = join(PROJECTS, project);
  return walk(root).map((full) => ({ path: relative(root, full), content: readFileSync(full, 'utf8') }));
}

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sb) => sb.dispose()));
});

interface RunOpts extends Partial<RunTestsInput> {
  files?: never;
}

async function run(lang: Lang, files: SandboxFile[], opts: RunOpts = {}) {
  const sb = await createLocalSandbox({ isolation: 'bwrap' });
  open.push(sb);
  await sb.prepare(files);
  const phases: string[] = [];
  const report = await runTestsIn(sb, {
    lang,
    files: files.map((f) => ({ path: f.path, kind: kindOf(f.path), content: f.content.toString() })),
    dependencies: [],
    timeoutMs: 30_000,
    network: false,
    onPhase: (p) => phases.push(p),
    ...opts,
  });
  return { report, phases, sandbox: sb };
}

function warnings(): Logger & { warned: string[] } {
  const warned: string[] = [];
  return { warned, info() {}, debug() {}, progress() {}, warn: (m) => warned.push(m) };
}

describe('runTestsIn: python (pytest)', () => {
  it('reports passing, failing, erroring and skipped cases from the JUnit report', async () => {
    const { report, phases } = await run('python', fixtureFiles('py-mixed'));
    expect(report).toMatchObject({
      ran: true,
      sandbox: 'local',
      runner: 'pytest',
      passed: 3,
      failed: 3,
      errors: 1,
      skipped: 2,
      problem: null,
      install: null,
    });
    expect(report.cases).toHaveLength(9);
    expect(report.cases.find((c) => c.name === 'test_add_fails')).toMatchObject({
      file: 'test_calc.py',
      status: 'failed',
      message: expect.stringContaining('assert 4 == 5'),
    });
    expect(report.cases.find((c) => c.name === 'test_uses_broken_fixture')?.message).toContain('fixture exploded');
    expect(report.output).toContain('3 failed');
    expect(report.durationMs).toBeGreaterThan(0);
    expect(phases).toEqual(['running']);
  });

  it('passes a clean suite with no problem', async () => {
    const { report } = await run('python', [
      { path: 'solution.py', content: 'def inc(x):\n    return x + 1\n' },
      { path: 'test_solution.py', content: 'from solution import inc\n\ndef test_inc():\n    assert inc(1) == 2\n' },
    ]);
    expect(report).toMatchObject({ passed: 1, failed: 0, errors: 0, problem: null });
  });

  it('counts zero collected tests as a problem, not a pass', async () => {
    const { report } = await run('python', fixtureFiles('py-empty'));
    expect(report.ran).toBe(true);
    expect(report.passed + report.failed + report.errors).toBe(0);
    expect(report.problem).toMatch(/^no tests were collected/);
  });

  it('says so when there is no test file at all', async () => {
    const { report } = await run('python', [{ path: 'solution.py', content: 'x = 1\n' }]);
    expect(report.ran).toBe(true);
    expect(report.problem).toMatch(/^no tests were collected: there is no test file/);
  });

  it('names a missing third-party package and suggests daytona when the tests fail without it', async () => {
    const { report, phases } = await run('python', fixtureFiles('py-collect-error'));
    expect(report.errors).toBe(1);
    expect(report.cases[0]!.message).toContain("No module named 'does_not_exist'");
    expect(report.install).toEqual({ packages: ['does_not_exist'], ok: false, output: null });
    expect(report.problem).toMatch(/missing package does_not_exist/);
    expect(report.problem).toContain('--sandbox daytona');
    expect(phases).toEqual(['installing', 'running']);
  });

  it('does not fail a passing run over an optional import that is missing, but warns', async () => {
    const logger = warnings();
    const { report } = await run(
      'python',
      [
        {
          path: 'solution.py',
          content: 'try:\n    import ujson_not_here as json\nexcept ImportError:\n    import json\n\ndef dump(x):\n    return json.dumps(x)\n',
        },
        { path: 'test_solution.py', content: 'from solution import dump\n\ndef test_dump():\n    assert dump(1) == "1"\n' },
      ],
      { logger },
    );
    expect(report).toMatchObject({ passed: 1, problem: null, install: { ok: false } });
    expect(logger.warned.join('\n')).toContain('ujson_not_here');
  });

  it('uses a package the sandbox already has instead of installing it', async () => {
    // `packaging` ships with pytest, so the host python has it.
    const { report } = await run('python', [
      { path: 'solution.py', content: 'from packaging.version import Version\n\ndef newer(a, b):\n    return Version(a) > Version(b)\n' },
      { path: 'test_solution.py', content: 'from solution import newer\n\ndef test_newer():\n    assert newer("1.10", "1.9")\n' },
    ]);
    expect(report).toMatchObject({ passed: 1, problem: null, install: { packages: ['packaging'], ok: true } });
  });

  it('stops a hanging suite at the time limit, with its children, and says so', async () => {
    const marker = String(800000 + (process.pid % 99999));
    const t0 = Date.now();
    const { report } = await run(
      'python',
      [
        {
          path: 'test_hang.py',
          content: `import subprocess, time\n\ndef test_hang():\n    subprocess.Popen(["sleep", "${marker}"])\n    time.sleep(1000)\n`,
        },
      ],
      { timeoutMs: 3000 },
    );
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(report.problem).toMatch(/did not finish within 3s/);
    const leftovers = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
    expect(leftovers).toEqual([]);
  });

  it('cannot read the user environment from inside a test', async () => {
    process.env.SECRET_TEST_API_KEY = 'sk-test-canary-RUNNER-91c2';
    try {
      const { report } = await run('python', [
        {
          path: 'test_env.py',
          content: 'import os\n\ndef test_env():\n    assert "SECRET_TEST_API_KEY" in os.environ, sorted(os.environ)\n',
        },
      ]);
      expect(report.failed).toBe(1);
      expect(JSON.stringify(report)).not.toContain('sk-test-canary-RUNNER-91c2');
    } finally {
      delete process.env.SECRET_TEST_API_KEY;
    }
  });
});

function projectWithPlugin(test: string): SandboxFile[] {
  return [...Object.entries(DEMO_PLUGIN_FILES).map(([path, content]) => ({ path, content })), { path: 'test_plug.py', content: test }];
}

describe('runTestsIn: which pytest plugins load', () => {
  const usesFixture = DEMO_PLUGIN_TEST;

  it('does not load an installed plugin the code does not ask for, and says how to when a test misses it', async () => {
    const logger = warnings();
    const { report } = await run('python', projectWithPlugin(usesFixture), { logger });
    expect(report).toMatchObject({ passed: 0, errors: 1 });
    expect(report.cases[0]!.message).toContain("fixture 'demo_value' not found");
    expect(logger.warned.join('\n')).toMatch(/only the plugins .*fixture 'demo_value' not found.*local\.pytestPlugins: all/);
  });

  it('points at the plugin setting when a pytest.ini needs an option no loaded plugin knows', async () => {
    const files = [
      { path: 'pytest.ini', content: '[pytest]\naddopts = --ptcdemo-flag\n' },
      { path: 'test_a.py', content: 'def test_a():\n    assert True\n' },
    ];
    const { report } = await run('python', files);
    expect(report.problem).toMatch(/unrecognized arguments: --ptcdemo-flag[\s\S]*local\.pytestPlugins: all/);
  });

  it('stays quiet about plugins when the tests pass or fail for other reasons', async () => {
    const logger = warnings();
    await run('python', [{ path: 'test_a.py', content: 'def test_a():\n    assert 1 == 2\n' }], { logger });
    expect(logger.warned.join('\n')).not.toContain('plugins');
  });

  it('loads every installed plugin with pytestPlugins: all, as bare pytest does', async () => {
    const { report } = await run('python', projectWithPlugin(usesFixture), { pytestPlugins: 'all' });
    expect(report).toMatchObject({ passed: 1, failed: 0, errors: 0, problem: null });
  });

  it('loads the plugin of a package the reply declares (imported packages are found the same way)', async () => {
    const { report } = await run('python', projectWithPlugin(usesFixture), { dependencies: ['ptcdemo_plug>=1.0'] });
    expect(report).toMatchObject({ passed: 1, failed: 0, errors: 0, problem: null });
    expect(report.install).toMatchObject({ packages: ['ptcdemo_plug>=1.0'], ok: true });
  });

  it('reports a plugin the tests use by fixture as a missing package when the sandbox lacks it', async () => {
    const test = 'def test_mocked(mocker):\n    assert mocker is not None\n';
    const { report } = await run('python', [{ path: 'test_m.py', content: test }], {
      // A plugin distribution name that cannot be installed on the host, standing in for pytest-mock.
      dependencies: ['ptc-no-such-plugin'],
    });
    expect(report.install?.packages).toEqual(['ptc-no-such-plugin', 'pytest-mock']);
  });
});

describe('runTestsIn: javascript and typescript (node --test)', () => {
  it('reports node test results per file, with describe names', async () => {
    const { report } = await run('javascript', fixtureFiles('js-mixed'));
    expect(report).toMatchObject({ ran: true, runner: 'node --test', passed: 2, failed: 2, errors: 1, skipped: 2 });
    expect(report.cases.every((c) => c.file === 'math.test.js')).toBe(true);
    expect(report.cases.map((c) => c.name)).toContain('arithmetic > nested throws');
    expect(report.problem).toBeNull();
  });

  it('reports a test file that cannot load as an error with the reason', async () => {
    const { report } = await run('javascript', fixtureFiles('js-load-error'));
    expect(report.errors).toBe(1);
    expect(report.cases[0]).toMatchObject({ name: 'bad.test.js', status: 'error' });
    expect(report.cases[0]!.message).toContain('ERR_MODULE_NOT_FOUND');
  });

  it('runs TypeScript tests on Node 20 (transpiled), with enums and extensionless imports', async () => {
    const { report, sandbox } = await run('typescript', fixtureFiles('ts-basic'));
    expect(report).toMatchObject({ passed: 2, failed: 0, errors: 0, problem: null });
    expect(report.cases.map((c) => c.file)).toEqual(['greet.test.ts', 'greet.test.ts']);
    expect((await sandbox.readFile('greet.mjs'))?.toString()).toContain('export function greet');
  });

  it('points TypeScript failures at the .ts line', async () => {
    const { report } = await run('typescript', [
      { path: 'sum.ts', content: 'export const sum = (a: number, b: number): number => a - b;\n' },
      {
        path: 'sum.test.ts',
        content:
          "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { sum } from './sum.js';\n\n" +
          "type N = number;\nconst two: N = 2;\n\ntest('sums', () => {\n  assert.equal(sum(two, 1), 3);\n});\n",
      },
    ]);
    expect(report.failed).toBe(1);
    expect(report.cases[0]!.message).toMatch(/sum\.test\.ts:9:/);
  });

  it('counts a JS file without tests as zero collected', async () => {
    const { report } = await run('javascript', [{ path: 'empty.test.js', content: 'export const x = 1;\n' }]);
    expect(report.problem).toMatch(/^no tests were collected/);
  });

  it('names a missing npm package in the local sandbox', async () => {
    const { report } = await run('javascript', [
      {
        path: 'pad.test.js',
        content: "import { test } from 'node:test';\nimport leftPad from 'left-pad';\ntest('pads', () => leftPad('1', 2));\n",
      },
    ]);
    expect(report.install).toMatchObject({ packages: ['left-pad'], ok: false });
    expect(report.problem).toMatch(/missing package left-pad.*--sandbox daytona/);
  });
});

describe('rewriteTsImports', () => {
  const ts = new Set(['src/a.ts', 'src/lib/index.ts', 'test/a.test.ts', 'm.mts']);
  it('points relative imports of transpiled files at the emitted .mjs', () => {
    const code = [
      "import { a } from '../src/a';",
      "import { b } from '../src/a.js';",
      "import c from '../src/lib';",
      "export * from './other.js';",
      "const d = await import('../m.mjs');",
      "import e from 'pkg';",
    ].join('\n');
    expect(rewriteTsImports(code, 'test/a.test.ts', ts).split('\n')).toEqual([
      "import { a } from '../src/a.mjs';",
      "import { b } from '../src/a.mjs';",
      "import c from '../src/lib/index.mjs';",
      "export * from './other.js';",
      "const d = await import('../m.mjs');",
      "import e from 'pkg';",
    ]);
  });
});

/**
 * The whole flow on Daytona: pytest files with one passing and one failing test, run by the sandbox-agnostic
 * runner on the Daytona sandbox against the loopback Daytona, the report fetched back through the toolbox.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDaytonaSandbox, disposeAllDaytona } from '../../src/sandbox/daytona.js';
import { runTestsIn } from '../../src/sandbox/runner.js';
import { silentLogger } from '../../src/types.js';
import { startDaytonaFake, type DaytonaFake } from '../fakes/daytona-server.js';
import { DEMO_PLUGIN_FILES, DEMO_PLUGIN_TEST } from '../fixtures/pytest-plugin.js';

let fake: DaytonaFake;
beforeEach(async () => {
  fake = await startDaytonaFake();
});
afterEach(async () => {
  await disposeAllDaytona();
  await fake.close();
});

describe('runTestsIn on the Daytona sandbox', () => {
  it('reports one passed and one failed pytest case, then deletes the sandbox', async () => {
    const sandbox = await createDaytonaSandbox({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, lang: 'python', runId: 'run-flow' });
    const files = [
      { path: 'calc.py', content: 'def add(a, b):\n    return a + b\n', kind: 'code' as const },
      {
        path: 'test_calc.py',
        content:
          'from calc import add\n\n' +
          'def test_add_ok():\n    assert add(2, 3) == 5\n\n' +
          'def test_add_wrong():\n    assert add(2, 2) == 5, "two and two"\n',
        kind: 'test' as const,
      },
    ];
    try {
      await sandbox.prepare(files.map(({ path, content }) => ({ path, content })));
      const report = await runTestsIn(sandbox, {
        lang: 'python',
        files,
        dependencies: [],
        timeoutMs: 60_000,
        logger: silentLogger,
        network: true,
      });
      expect(report.sandbox).toBe('daytona');
      expect(report.ran).toBe(true);
      expect(report.passed).toBe(1);
      expect(report.failed).toBe(1);
      const failed = report.cases.find((c) => c.status === 'failed');
      expect(failed?.name).toContain('test_add_wrong');
      expect(failed?.message ?? '').toMatch(/two and two|assert/);
    } finally {
      await sandbox.dispose();
    }
    expect(fake.deleted).toEqual(fake.created);
    expect(fake.requests.some((r) => r.route === 'POST /files/bulk-download')).toBe(true);
    // The default image has no pytest: ptc installed it in the sandbox, and only then did the tests run.
    expect(fake.pipInstalls().filter((p) => p.sandboxId === fake.created[0] && p.args.includes('pytest'))).toHaveLength(1);
  });

  it('in a snapshot with pytest preinstalled (daytona.snapshot), runs the tests without installing anything', async () => {
    fake.seedSnapshot('ptc-python-test', ['pytest', 'numpy']);
    const sandbox = await createDaytonaSandbox({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, lang: 'python', runId: 'run-snap', snapshot: 'ptc-python-test' });
    try {
      await sandbox.prepare([{ path: 'test_one.py', content: 'def test_one():\n    assert 1 + 1 == 2\n' }]);
      const report = await runTestsIn(sandbox, {
        lang: 'python',
        files: [{ path: 'test_one.py', kind: 'test', content: 'def test_one():\n    assert 1 + 1 == 2\n' }],
        dependencies: [],
        timeoutMs: 60_000,
        logger: silentLogger,
        network: true,
      });
      expect(report).toMatchObject({ ran: true, passed: 1, failed: 0, errors: 0, problem: null });
    } finally {
      await sandbox.dispose();
    }
    const create = fake.requests.find((r) => r.route === 'POST /sandbox')!;
    expect(JSON.parse(create.body)).toMatchObject({ snapshot: 'ptc-python-test' });
    expect(fake.pipInstalls()).toEqual([]);
  });

  it('a TypeScript run ignores the Python snapshot (the default image has node)', async () => {
    fake.seedSnapshot('ptc-python-test');
    const sandbox = await createDaytonaSandbox({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, lang: 'typescript', runId: 'run-ts', snapshot: 'ptc-python-test' });
    await sandbox.dispose();
    const create = fake.requests.find((r) => r.route === 'POST /sandbox')!;
    expect(JSON.parse(create.body).snapshot).toBeUndefined();
  });

  it('a forged JUnit report and exit status there are not a pass: the results travel in stdout, framed and keyed', async () => {
    const sandbox = await createDaytonaSandbox({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, lang: 'python', runId: 'run-forged' });
    const files = [
      {
        path: 'calc.py',
        content:
          'import atexit, os\n' +
          'def _forge():\n' +
          "    open('.ptc/junit.xml', 'w').write('<testsuites><testsuite name=\"pytest\"><testcase classname=\"test_calc\" name=\"test_add\" file=\"test_calc.py\"/></testsuite></testsuites>')\n" +
          '    os._exit(0)\n' +
          'atexit.register(_forge)\n' +
          'def add(a, b):\n    return a - b\n',
        kind: 'code' as const,
      },
      { path: 'test_calc.py', content: 'from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n', kind: 'test' as const },
    ];
    try {
      await sandbox.prepare(files.map(({ path, content }) => ({ path, content })));
      const report = await runTestsIn(sandbox, {
        lang: 'python',
        files,
        dependencies: [],
        timeoutMs: 60_000,
        logger: silentLogger,
        network: true,
      });
      expect(report).toMatchObject({ untrusted: true, failed: 1, passed: 0 });
      expect(report.problem).toMatch(/JUnit report shows fewer failures than pytest reported/);
      expect(report.output).not.toContain('ptc-result');
    } finally {
      await sandbox.dispose();
    }
  });

  it('loads the pytest plugin of a declared package through the toolbox (the bootstrap survives its quoting)', async () => {
    const sandbox = await createDaytonaSandbox({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, lang: 'python', runId: 'run-plugin' });
    const files = [...Object.entries(DEMO_PLUGIN_FILES).map(([path, content]) => ({ path, content })), { path: 'test_plug.py', content: DEMO_PLUGIN_TEST }];
    try {
      await sandbox.prepare(files);
      const run = (dependencies: string[]) =>
        runTestsIn(sandbox, {
          lang: 'python',
          files: files.map(({ path, content }) => ({ path, kind: path === 'test_plug.py' ? ('test' as const) : ('code' as const), content })),
          dependencies,
          timeoutMs: 60_000,
          logger: silentLogger,
          network: true,
        });
      expect(await run([])).toMatchObject({ passed: 0, errors: 1 });
      expect(await run(['ptcdemo-plug'])).toMatchObject({ passed: 1, errors: 0, problem: null });
    } finally {
      await sandbox.dispose();
    }
    expect(fake.deleted).toEqual(fake.created);
  });

  it('a suite that outlives the time limit is reported as timed out, not as passed', async () => {
    const sandbox = await createDaytonaSandbox({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, lang: 'python', runId: 'run-slow' });
    try {
      await sandbox.prepare([{ path: 'test_slow.py', content: 'import time\n\ndef test_slow():\n    time.sleep(60)\n' }]);
      const report = await runTestsIn(sandbox, {
        lang: 'python',
        files: [{ path: 'test_slow.py', kind: 'test', content: 'import time\n\ndef test_slow():\n    time.sleep(60)\n' }],
        dependencies: [],
        timeoutMs: 2_000,
        logger: silentLogger,
        network: true,
      });
      expect(report.passed).toBe(0);
      expect(report.problem ?? '').toMatch(/did not finish/);
    } finally {
      await sandbox.dispose();
    }
    expect(fake.deleted).toEqual(fake.created);
  });
});

describe('hidden tests on the Daytona sandbox', () => {
  it('when a repair may follow, what the code copied while the hidden tests were there is gone, and the project is as ptc knows it', async () => {
    const sandbox = await createDaytonaSandbox({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, lang: 'python', runId: 'run-hidden' });
    const code =
      'import os, shutil\n\ndef add(a, b):\n    return a + b\n\n' +
      "if os.path.exists('spec/test_secret.py'):\n    shutil.copy('spec/test_secret.py', 'copy.txt')\n    os.utime('copy.txt', (0, 0))\n";
    const files = [
      { path: 'calc.py', content: code, kind: 'code' as const },
      { path: 'test_calc.py', content: 'from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n', kind: 'test' as const },
      { path: 'spec/test_secret.py', content: 'from calc import add\n\ndef test_secret():\n    assert add(2, 2) == 5\n', kind: 'test' as const, origin: 'hidden' as const },
    ];
    try {
      await sandbox.prepare(files.slice(0, 2).map(({ path, content }) => ({ path, content })));
      const report = await runTestsIn(sandbox, { lang: 'python', files, dependencies: [], timeoutMs: 60_000, logger: silentLogger, network: true, lastRound: false });
      expect(report.cases.find((c) => c.name === 'test_secret')).toMatchObject({ origin: 'hidden', status: 'failed' });
      expect(await sandbox.readFile('copy.txt')).toBeNull();
      expect(await sandbox.readFile('spec/test_secret.py')).toBeNull();
      expect((await sandbox.readFile('calc.py'))?.toString('utf8')).toBe(code);
    } finally {
      await sandbox.dispose();
    }
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectLang, projectDependencies } from '../../src/core/collect.js';
import { buildRepairMessage, measureTests } from '../../src/core/repair.js';
import { getLanguage, LANGS, registerLanguage } from '../../src/languages/registry.js';
import type { Language } from '../../src/languages/types.js';
import { systemPrompt } from '../../src/prompt/system.js';
import { classifyFile, isTestPath } from '../../src/reply/classify.js';
import { blockKindOf, sameFamily } from '../../src/reply/languages.js';
import { parseReply } from '../../src/reply/parse.js';
import type { TestRunner } from '../../src/sandbox/run-context.js';
import { exec, shq } from '../../src/sandbox/run-context.js';
import { runTestsIn } from '../../src/sandbox/runner.js';
import type { Lang } from '../../src/languages/registry.js';
import type { ExecOptions, ExecResult, Sandbox, SandboxFile } from '../../src/types.js';

/** A language ptc has never heard of: `.fk` files, `check_*.fk` tests, run by `fakerun`. */
const fakeRunner: TestRunner = {
  name: 'fakerun',
  isSource: (path) => path.endsWith('.fk'),
  isTestFile: (path) => path.endsWith('.fk'),
  testFilePattern: 'check_*.fk',
  noTestsCollected: 'no tests were collected: fakerun found no CHECK lines',
  dependencies: async (sources) => sources.flatMap((s) => [...s.content.matchAll(/^use (\w+)/gm)].map((m) => m[1]!)),
  packages: {
    nameOf: (spec) => spec,
    missingCheck: (specs) => `fakepkg missing ${specs.map(shq).join(' ')}`,
    installCommand: (missing) => `fakepkg install ${missing.map(shq).join(' ')}`,
    installedEnv: { FAKEPATH: '.ptc/fake' },
    noSuchPackage: /no such fake package/,
  },
  async run(ctx, { testFiles, env }) {
    const res = await exec(ctx, `fakerun ${testFiles.map(shq).join(' ')}`, 'run fakerun', env);
    const cases = res.stdout
      .split('\n')
      .filter((l) => l.startsWith('ok ') || l.startsWith('FAIL '))
      .map((l) => {
        const [status, name] = l.split(' ');
        return { name: name!, file: testFiles[0]!, status: status === 'ok' ? ('passed' as const) : ('failed' as const), durationMs: 0, message: null };
      });
    return { cases, problem: null, output: res.stdout };
  },
};

const fake: Language = {
  id: 'fakelang',
  label: 'FakeLang',
  family: 'fake',
  fenceTags: ['fake', 'fakelang'],
  extensions: ['fk'],
  projectExtensions: ['fk'],
  prompt: 'Language: Fake, tested by fakerun. Tests are check_<module>.fk files of CHECK lines.',
  isTestFileName: (base) => base.startsWith('check_'),
  testFileName: (stem) => `check_${stem}.fk`,
  testFileHint: 'check_*.fk',
  signals: {
    looksLikeTests: (c) => c.includes('CHECK '),
    onlyTests: (c) => c.includes('CHECK ') && !c.includes('DEF '),
    definesSomething: (c) => c.includes('DEF '),
    definedNames: (c) => new Set([...c.matchAll(/^DEF (\w+)/gm)].map((m) => m[1]!)),
    localImports: (c) => [...c.matchAll(/^LOAD (\w+)/gm)].map((m) => ({ module: m[1]!, symbols: [] })),
    looksLikeCode: (c) => c.includes('DEF ') || c.includes('CHECK '),
  },
  counting: { cases: /^CHECK /gm, assertions: /^CHECK /gm },
  installedPackagesDir: null,
  daytonaSnapshot: false,
  isIgnoredDir: (name) => name === '.fakecache',
  projectDependencies: async (files) => files.filter((f) => f.path === 'fake.deps').flatMap((f) => f.content.split(/\s+/).filter(Boolean)),
  shadowsUserTests: (path) => (path.endsWith('.fakerc') ? 'fakerun configuration' : null),
  loadRunner: async () => fakeRunner,
};
const FAKE = 'fakelang' as Lang;

let unregister: () => void;
beforeEach(() => {
  unregister = registerLanguage(fake);
});
afterEach(() => unregister());

class ScriptedSandbox implements Sandbox {
  readonly kind = 'local' as const;
  readonly root = '/work';
  readonly files = new Map<string, string>();
  readonly commands: { command: string; env?: Record<string, string>; present: string[] }[] = [];
  constructor(private readonly answer: (command: string) => Partial<ExecResult>) {}
  async prepare(files: SandboxFile[], remove: string[] = []): Promise<void> {
    for (const f of files) this.files.set(f.path, f.content.toString());
    for (const p of remove) this.files.delete(p);
  }
  async exec(command: string, opts: ExecOptions): Promise<ExecResult> {
    this.commands.push({ command, env: opts.env, present: [...this.files.keys()] });
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, truncated: false, durationMs: 1, ...this.answer(command) };
  }
  async readFile(path: string): Promise<Buffer | null> {
    const content = this.files.get(path);
    return content === undefined ? null : Buffer.from(content);
  }
  async dispose(): Promise<void> {}
}

describe('a language registered in the registry alone', () => {
  it('gets its prompt section', () => {
    expect(systemPrompt(FAKE)).toContain('Language: Fake, tested by fakerun.');
    expect(systemPrompt(FAKE)).not.toContain('pytest');
  });

  it('is recognised in a reply: fence tags, extensions, test files, names for unnamed blocks', () => {
    const reply = [
      '```fake path=adder.fk',
      'DEF add',
      '```',
      '',
      '```fake',
      'LOAD adder',
      'CHECK add 1 2 == 3',
      '```',
      '',
      '```python',
      'def f(): pass',
      '```',
    ].join('\n');
    const parsed = parseReply(reply, { lang: FAKE });
    expect(parsed.files.map((f) => [f.path, f.kind])).toEqual([
      ['adder.fk', 'code'],
      ['check_adder.fk', 'test'],
    ]);
    // A block of another family without a name is not the fake language's.
    expect(parsed.warnings.join('\n')).toContain('skipped a python block');
    expect(isTestPath('check_adder.fk')).toBe(true);
    expect(classifyFile('check_adder.fk', 'DEF helper')).toBe('test'); // the name decides
    expect(classifyFile('lib/tools.fk', 'CHECK x\n')).toBe('test');
    expect(classifyFile('lib/tools.fk', 'DEF x\nCHECK x\n')).toBe('code');
  });

  it('is detected in a project, declares its dependencies, and is counted by the repair guard', async () => {
    expect(detectLang(['README.md', 'src/adder.fk'])).toBe(FAKE);
    // Registered after the built-in languages: a Python file in the same folder still decides.
    expect(detectLang(['adder.fk', 'helper.py'])).toBe('python');
    expect(await projectDependencies([{ path: 'fake.deps', content: 'alpha beta alpha' }], FAKE)).toEqual(['alpha', 'beta']);
    const files = [{ path: 'check_adder.fk', content: 'CHECK a\nCHECK b\n', kind: 'test' as const }];
    expect(measureTests(files)).toEqual({ testFiles: 1, cases: 2, assertions: 2 });
    const msg = buildRepairMessage({
      lang: FAKE,
      files: [],
      protectTests: false,
      tests: { ran: true, sandbox: 'local', passed: 0, failed: 1, errors: 0, skipped: 0, durationMs: 0, cases: [] },
    });
    expect(msg).toContain('```fakelang path=module.fk');
  });

  it("runs through the runner with its own command, packages and report", async () => {
    const sb = new ScriptedSandbox((cmd) => {
      if (cmd.startsWith('fakepkg missing')) return { stdout: '["sums"]\n' };
      if (cmd.startsWith('fakerun')) return { stdout: 'ok adds\nFAIL carries\n', exitCode: 1 };
      return {};
    });
    const report = await runTestsIn(sb, {
      lang: FAKE,
      files: [
        { path: 'adder.fk', kind: 'code', content: 'use sums\nDEF add\n' },
        { path: 'check_adder.fk', kind: 'test', content: 'LOAD adder\nCHECK add\n' },
      ],
      dependencies: [],
      timeoutMs: 5000,
      network: true,
    });
    expect(sb.commands.map((c) => c.command)).toEqual(["fakepkg missing 'sums'", "fakepkg install 'sums'", "fakerun 'check_adder.fk'"]);
    expect(sb.commands[2]!.env).toEqual({ FAKEPATH: '.ptc/fake' });
    expect(report).toMatchObject({ ran: true, runner: 'fakerun', passed: 1, failed: 1, install: { packages: ['sums'], ok: true } });
  });

  it("runs the user's hidden tests apart, after the others, and fails a user's test file that reported nothing", async () => {
    const sb = new ScriptedSandbox((cmd) => (cmd.includes('check_hidden') ? { stdout: 'FAIL deep\n', exitCode: 1 } : { stdout: 'ok adds\n' }));
    await sb.prepare([{ path: 'check_own.fk', content: 'mine' }]);
    const report = await runTestsIn(sb, {
      lang: FAKE,
      files: [
        { path: 'check_own.fk', kind: 'test', content: 'CHECK add\n' },
        { path: 'check_spec.fk', kind: 'test', content: 'CHECK spec\n', origin: 'acceptance' },
        { path: 'check_own.fk', kind: 'test', content: 'CHECK deep\n', origin: 'hidden' },
        { path: 'check_hidden.fk', kind: 'test', content: 'CHECK deep\n', origin: 'hidden' },
      ],
      dependencies: [],
      timeoutMs: 5000,
      network: false,
    });
    // The run failed and a repair may follow: what changed while the hidden tests were there is cleared last.
    expect(sb.commands.map((c) => c.command)).toEqual([
      "fakerun 'check_own.fk' 'check_spec.fk'",
      "fakerun 'check_own.fk' 'check_hidden.fk'",
      'find . ! -type d -cnewer .ptc/hidden-mark ! -path ./.ptc/hidden-mark -delete',
    ]);
    // The hidden files are in the sandbox for their own run only; the reply's file at the same path comes back.
    expect(sb.commands[0]!.present).not.toContain('check_hidden.fk');
    expect(sb.commands[1]!.present).toContain('check_hidden.fk');
    expect([...sb.files.keys()]).not.toContain('check_hidden.fk');
    expect(sb.files.get('check_own.fk')).toBe('CHECK add\n');
    expect(report.cases.map((c) => [c.name, c.origin])).toEqual([['adds', 'generated'], ['deep', 'hidden']]);
    expect(report.problem).toContain("the user's test file check_spec.fk reported no test case");
    // The fake files every case under its first test file: the hidden file's silence is the hidden run's own problem.
    expect(report.hiddenProblem).toContain('check_hidden.fk reported no test case');
    expect(report.problem).not.toContain('check_hidden');
  });

  it('with no test file, says which files its runner wants', async () => {
    const sb = new ScriptedSandbox(() => ({}));
    const report = await runTestsIn(sb, { lang: FAKE, files: [{ path: 'adder.fk', kind: 'code', content: 'DEF add\n' }], dependencies: [], timeoutMs: 5000, network: false });
    expect(report.problem).toBe('no tests were collected: there is no test file (check_*.fk) to run');
    expect(sb.commands).toEqual([]);
  });
});

describe('the registry is the only place that lists languages', () => {
  const SRC = join(import.meta.dirname, '../../src');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

  /** Files that say a language's name for another reason. */
  const ALLOWED: Record<string, string> = {
    'reply/dependencies.ts': 'the `python -m pip install` command a reply may show',
    'eval/humaneval.ts': "HumanEval's problems are Python by definition",
  };

  it('no module outside src/languages/ names a language id in code', () => {
    const offenders: string[] = [];
    for (const file of files(SRC)) {
      const rel = relative(SRC, file).split('\\').join('/');
      if (rel.startsWith('languages/') || ALLOWED[rel]) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/^\s*(\*|\/\/)/.test(line)) return; // comments may name languages
          if (/(['"`])(python|typescript|javascript)\1/.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});

describe('the built-in languages', () => {
  it('are python (the default), typescript and javascript, in the order a mixed project is detected by', () => {
    expect(LANGS).toEqual(['python', 'typescript', 'javascript']);
    expect(detectLang(['a.js', 'b.ts'])).toBe('typescript');
    expect(detectLang(['a.js', 'b.py'])).toBe('python');
    expect(detectLang(['README.md'])).toBeNull();
  });

  it.each([
    ['python', 'py', 'test_prime.py', 'pytest'],
    ['typescript', 'ts', 'prime.test.ts', 'node --test'],
    ['javascript', 'js', 'prime.test.js', 'node --test'],
  ] as const)('%s: fence tag %s, tests named like %s, run by %s', async (lang, tag, testFile, runner) => {
    expect(blockKindOf(tag)).toBe(lang);
    expect(blockKindOf(tag.toUpperCase())).toBe(lang);
    expect(getLanguage(lang).testFileName('prime')).toBe(testFile);
    expect(isTestPath(testFile)).toBe(true);
    expect((await getLanguage(lang).loadRunner()).name).toBe(runner);
  });

  it('typescript and javascript are one family; python is another', () => {
    expect(sameFamily('typescript', 'javascript')).toBe(true);
    expect(sameFamily('python', 'javascript')).toBe(false);
  });
});

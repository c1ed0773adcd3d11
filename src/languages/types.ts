/**
 * The Language seam: everything ptc knows about one programming language, so the reply parser, the prompt, the
 * project reader, the repair loop and the test runner ask the language instead of testing its name. A language
 * is one folder under src/languages/ plus one line in registry.ts.
 */
import type { TestRunner } from '../sandbox/run-context.js';

export type { SourceFile } from '../sandbox/run-context.js';

/** How a block's or a file's content shows what it is (tests, implementation, imports). Pure, line-based. */
export interface ContentSignals {
  /** Does the content use a test framework or define test functions? */
  looksLikeTests(content: string): boolean;
  /** Tests and nothing else (a file mixing implementation and tests is code). */
  onlyTests(content: string): boolean;
  /** Does it define something (a function, class, exported value) rather than only use it? */
  definesSomething(content: string): boolean;
  /** Top-level names it defines, to match an unnamed block with the module a test imports. */
  definedNames(content: string): Set<string>;
  /** Local modules it imports (module path relative to the reply's root, without extension). */
  localImports(content: string): { module: string; symbols: string[] }[];
  /** Does a block without a language tag look like source in this language? */
  looksLikeCode(content: string): boolean;
}

/** What the cheating guard counts in a test file: test cases and assertions. Global, multiline regexes. */
export interface TestCounting {
  cases: RegExp;
  assertions: RegExp;
}

export interface Language {
  /** The `--lang` value, the rc file's `lang`. */
  readonly id: string;
  /** Its name in messages: `TypeScript`. */
  readonly label: string;
  /**
   * Languages of one family may share a reply (a JavaScript block in a TypeScript answer is kept); blocks of another
   * family without a name are skipped.
   */
  readonly family: string;
  /** Fence info-string tags that mean this language (`py`, `python3`). Lower case. */
  readonly fenceTags: readonly string[];
  /** Extensions (no dot, lower case) of its source files; the first is what ptc names new files with. */
  readonly extensions: readonly string[];
  /** Extensions that make a folder a project in this language when `ptc run` or `ptc apply` detects it. */
  readonly projectExtensions: readonly string[];
  /** Its section of the system prompt: file layout, test framework, how to declare dependencies. */
  readonly prompt: string;
  /** Test files by name beyond the shared rules (`*.test.x`, `test/` folders): `test_x.py`, `conftest.py`. */
  isTestFileName(base: string): boolean;
  /** The test file ptc names after a module stem (`prime` → `test_prime.py`). */
  testFileName(stem: string): string;
  /** What a test file is called, for messages (`test_*.py or *_test.py`). */
  readonly testFileHint: string;
  readonly signals: ContentSignals;
  readonly counting: TestCounting;
  /** Folders of installed packages and caches (`node_modules`, `__pycache__`): never part of a project's tests. */
  isIgnoredDir(name: string): boolean;
  /**
   * Where a project keeps its installed packages (`node_modules`), shown read-only to the tests in the local
   * sandbox; null when the runner finds them another way (python's site-packages).
   */
  readonly installedPackagesDir: string | null;
  /** Whether Daytona's `daytona.snapshot` (an image with this language's runner preinstalled) serves it. */
  readonly daytonaSnapshot: boolean;
  /** Packages a project declares in its own files at the top level (requirements.txt, package.json). */
  projectDependencies(files: { path: string; content: string }[]): Promise<string[]>;
  /**
   * What the local sandbox needs on this machine to run its tests, checked before a model call is paid for: a
   * command that succeeds when the runner is there. None when ptc's own node is enough.
   */
  readonly hostRunnerCheck?: {
    command: readonly string[];
    what: string;
    hint: string;
    /** Where the runner is chosen among several (python: `local.python`, else the first with pytest): asked instead of `command`. */
    found?: (configured: string | null) => Promise<boolean>;
  };
  /**
   * Why a reply may not write `path` when the user's own tests take part (a file the test runner loads around
   * every test, a module imported in place of a test or of what it imports), or null. `acceptance`: the user's
   * visible test paths. Paths already normalised; the user's files themselves are protected by the caller.
   */
  shadowsUserTests(path: string, content: string, acceptance: readonly string[]): string | null;
  /** Its test runner, loaded only when tests run (it may pull in a compiler or a report parser). */
  loadRunner(): Promise<TestRunner>;
}

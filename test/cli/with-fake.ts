/**
 * The lifecycle most CLI tests share, as vitest hooks: a loopback wire fake, a fresh temp sandbox (its own
 * working directory, HOME, config and data) for every test, and after each test the sandbox removed and the
 * fake verified, so a reply queued but never asked for, or a request nothing was queued for, fails the test
 * that caused it rather than the file's last hook.
 *
 *   const cli = useFakeCli({ env: { MOONSHOT_API_KEY: 'sk-test-canary-…' } });
 *   it('…', async () => {
 *     cli.fake.enqueue({ text: REPLY });
 *     const r = await cli.run(['generate', 'a prime check', '-p', 'kimi', '--base-url', cli.fake.url]);
 *   });
 *
 * The pieces compose for files with more than one fake: `useFake(start)` for each fake, `useCliSandbox(env)`
 * for the sandbox. The handles' fields exist only while a test (or a hook) runs, as the hooks make them.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startAnthropicFake, type AnthropicFake, type AnthropicFakeOptions } from '../fakes/anthropic-server.js';
import { startOpenAIFake, type FakeOptions, type OpenAIFake } from '../fakes/openai-server.js';
import { makeSandbox, runPtc, type RunResult, type Sandbox } from './harness.js';

/** What the hooks need of a fake. The wire fakes have both; a plain file server (catalog-server) only closes. */
export interface Verifiable {
  /** Throws if a stub was left unused or a request found nothing queued. */
  verify?(): void;
  /** Stops the server (and, where there is verify, verifies). */
  close(): Promise<void>;
}

export interface FakeHandle<F> {
  readonly fake: F;
}

export interface UseFakeOptions {
  /** A new fake for every test (closed, and so verified, after it) instead of one for the whole file. */
  perTest?: boolean;
  /** Empty `fake.requests` before each test, for tests that read it from index 0 (a shared fake only). */
  clearRequests?: boolean;
}

/** Starts a fake before the file's tests (or before each, with perTest) and verifies it after every test. */
export function useFake<F extends Verifiable & { requests?: unknown[] }>(start: () => Promise<F>, opts: UseFakeOptions = {}): FakeHandle<F> {
  let fake: F | undefined;
  if (opts.perTest) {
    beforeEach(async () => {
      fake = await start();
    });
    afterEach(async () => {
      const done = fake;
      fake = undefined;
      await done?.close();
    });
  } else {
    beforeAll(async () => {
      fake = await start();
    });
    if (opts.clearRequests) {
      beforeEach(() => {
        if (fake?.requests) fake.requests.length = 0;
      });
    }
    afterEach(() => fake?.verify?.());
    afterAll(async () => {
      await fake?.close();
    });
  }
  return {
    get fake(): F {
      if (!fake) throw new Error('the fake exists only while a test or hook runs (useFake starts it in a hook)');
      return fake;
    },
  };
}

export interface CliRunOptions {
  /** Laid over the sandbox's environment for this run only (a key set to undefined is left out). */
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  onSpawn?: (pid: number) => void;
}

export interface CliHandle {
  readonly sb: Sandbox;
  /** The built CLI in this test's sandbox: its working directory and its environment. */
  run(args: string[], opts?: CliRunOptions): Promise<RunResult>;
}

/** A fresh sandbox for every test, removed after it. `setup` runs once it exists (an rc file, a fixture). */
export function useCliSandbox(env: NodeJS.ProcessEnv | (() => NodeJS.ProcessEnv) = {}, setup?: (sb: Sandbox) => void): CliHandle {
  let sb: Sandbox | undefined;
  beforeEach(() => {
    sb = makeSandbox(typeof env === 'function' ? env() : env);
    setup?.(sb);
  });
  afterEach(() => {
    const done = sb;
    sb = undefined;
    done?.cleanup();
  });
  const handle: CliHandle = {
    get sb(): Sandbox {
      if (!sb) throw new Error('the sandbox exists only while a test or hook runs (useCliSandbox makes it in beforeEach)');
      return sb;
    },
    run(args, opts = {}) {
      const { env: extra, ...rest } = opts;
      const box = handle.sb;
      return runPtc(args, { cwd: box.cwd, env: extra ? { ...box.env, ...extra } : box.env, ...rest });
    },
  };
  return handle;
}

interface FakeCliCommon<F> extends UseFakeOptions {
  /** The sandbox's environment beyond the bare shell's: the fake key, and whatever else the file needs. */
  env?: NodeJS.ProcessEnv | ((fake: F) => NodeJS.ProcessEnv);
  /** Runs in every test's sandbox once it exists, e.g. to write an rc file pointing at `fake.url`. */
  setup?: (sb: Sandbox, fake: F) => void;
}

export interface OpenAIFakeCliOptions extends FakeCliCommon<OpenAIFake> {
  /** The wire the fake speaks: OpenAI chat completions serve openai, kimi, openrouter and openai-compatible. */
  wire?: 'openai';
  fake?: FakeOptions;
}

export interface AnthropicFakeCliOptions extends FakeCliCommon<AnthropicFake> {
  wire: 'anthropic';
  fake?: AnthropicFakeOptions;
}

/** One wire fake plus a fresh sandbox per test: the whole lifecycle of a CLI test file in one line. */
export function useFakeCli(opts?: OpenAIFakeCliOptions): CliHandle & FakeHandle<OpenAIFake>;
export function useFakeCli(opts: AnthropicFakeCliOptions): CliHandle & FakeHandle<AnthropicFake>;
export function useFakeCli(opts: OpenAIFakeCliOptions | AnthropicFakeCliOptions = {}): CliHandle & FakeHandle<OpenAIFake | AnthropicFake> {
  const start = opts.wire === 'anthropic' ? () => startAnthropicFake(opts.fake) : () => startOpenAIFake((opts as OpenAIFakeCliOptions).fake);
  const f = useFake<OpenAIFake | AnthropicFake>(start, { perTest: opts.perTest, clearRequests: opts.clearRequests });
  const env = opts.env as NodeJS.ProcessEnv | ((fake: OpenAIFake | AnthropicFake) => NodeJS.ProcessEnv) | undefined;
  const setup = opts.setup as ((sb: Sandbox, fake: OpenAIFake | AnthropicFake) => void) | undefined;
  // Registered after the fake's hooks: the sandbox's env may name the fake's URL, and (after hooks run in
  // reverse) the sandbox is removed before the fake is verified, so a failed verify leaves no temp dir behind.
  const cli = useCliSandbox(
    () => (typeof env === 'function' ? env(f.fake) : (env ?? {})),
    setup ? (sb) => setup(sb, f.fake) : undefined,
  );
  return {
    get fake() {
      return f.fake;
    },
    get sb() {
      return cli.sb;
    },
    run: cli.run,
  };
}

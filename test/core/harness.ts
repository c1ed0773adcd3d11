/**
 * runPipeline with every real part (reply parser, safe writes, manifest, local bubblewrap sandbox, the test
 * runner, cost) and only the model replaced: a scripted provider, or a real adapter pointed at a loopback fake.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeCost } from '../../src/cost/cost.js';
import { runPipeline, type PipelineDeps, type PipelineOptions, type PriceLike } from '../../src/core/pipeline.js';
import { toPtcError, type PtcError } from '../../src/errors.js';
import { finishResult, newDraft } from '../../src/report/build.js';
import { resultSchema, type Result } from '../../src/report/result-schema.js';
import { buildMessages } from '../../src/prompt/system.js';
import { classifyFile } from '../../src/reply/classify.js';
import { parseReply } from '../../src/reply/parse.js';
import { createLocalSandbox } from '../../src/sandbox/local.js';
import { runTestsIn } from '../../src/sandbox/runner.js';
import type { Provider, Sandbox } from '../../src/types.js';
import { writeManifest } from '../../src/workspace/manifest.js';
import { renderPlan } from '../../src/workspace/plan-view.js';
import { commitWrite, planWrite } from '../../src/workspace/write.js';
import { recordingLogger } from '../providers/helpers.js';

export interface Harness {
  deps: PipelineDeps;
  logger: ReturnType<typeof recordingLogger>;
  /** Every sandbox the pipeline created, and how often each was disposed. */
  sandboxes: { sandbox: Sandbox; root: string; disposed: number }[];
  /** Cleanups registered and not yet unregistered (an interrupt would run these). */
  pendingCleanups: Set<() => Promise<void>>;
  rounds: Result['rounds'][number][];
}

export function makeDeps(provider: Provider, o: { price?: PriceLike | null; signal?: AbortSignal } = {}): Harness {
  const logger = recordingLogger();
  const sandboxes: Harness['sandboxes'] = [];
  const pendingCleanups = new Set<() => Promise<void>>();
  const rounds: Harness['rounds'] = [];
  const deps: PipelineDeps = {
    logger,
    signal: o.signal ?? new AbortController().signal,
    provider: async () => provider,
    price: () => (o.price === undefined ? null : o.price),
    computeCost: computeCost as PipelineDeps['computeCost'],
    sandbox: {
      kind: 'local',
      create: async () => {
        const sandbox = await createLocalSandbox({ isolation: 'bwrap', logger });
        const record = { sandbox, root: sandbox.root, disposed: 0 };
        const dispose = sandbox.dispose.bind(sandbox);
        (sandbox as { dispose: () => Promise<void> }).dispose = async () => {
          record.disposed++;
          await dispose();
        };
        sandboxes.push(record);
        return sandbox;
      },
    },
    runTests: runTestsIn as PipelineDeps['runTests'],
    reply: { buildMessages, parseReply, classifyFile },
    workspace: {
      planWrite: planWrite as PipelineDeps['workspace']['planWrite'],
      commitWrite: commitWrite as PipelineDeps['workspace']['commitWrite'],
      writeManifest: writeManifest as PipelineDeps['workspace']['writeManifest'],
      renderPlan: renderPlan as PipelineDeps['workspace']['renderPlan'],
    },
    onRound: (round) => rounds.push(structuredClone(round)),
    registerCleanup: (fn) => {
      pendingCleanups.add(fn);
      return () => pendingCleanups.delete(fn);
    },
  };
  return { deps, logger, sandboxes, pendingCleanups, rounds };
}

export function tempOut(): { dir: string; out: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ptc-repair-'));
  return { dir, out: join(dir, 'out'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function generateOptions(outDir: string, over: Partial<PipelineOptions> = {}): PipelineOptions {
  return {
    command: 'generate',
    cwd: outDir,
    prompt: 'a function add(a, b) that returns the sum, with pytest tests',
    replyText: null,
    runDir: null,
    lang: 'python',
    langExplicit: false,
    outDir,
    force: false,
    dryRun: false,
    run: true,
    fix: 2,
    maxTokens: null,
    temperature: null,
    maxCost: null,
    protectTests: false,
    limits: {},
    testTimeoutMs: 60_000,
    ...over,
  };
}

/** Runs the pipeline the way executeRequest does: always a contract result, validated against the schema. */
export async function runToResult(opts: PipelineOptions, h: Harness): Promise<{ result: Result; error: PtcError | null }> {
  const draft = newDraft(opts.command);
  let error: PtcError | null = null;
  try {
    await runPipeline(opts, h.deps, draft);
  } catch (err) {
    error = toPtcError(err);
  }
  const result = finishResult(draft, error);
  resultSchema.parse(result);
  return { result, error };
}

/** A reply in the format the system prompt asks for. */
export function reply(files: Record<string, string>, prose = 'Here are the files.'): string {
  const blocks = Object.entries(files).map(([path, content]) => `\`\`\`python path=${path}\n${content.endsWith('\n') ? content : `${content}\n`}\`\`\``);
  return `${prose}\n\n${blocks.join('\n\n')}\n`;
}

export const BUGGY_CALC = 'def add(a, b):\n    return a - b\n';
export const FIXED_CALC = 'def add(a, b):\n    return a + b\n';
export const TEST_CALC = 'from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n';

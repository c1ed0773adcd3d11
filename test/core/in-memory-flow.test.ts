/**
 * What ptc writes reaches the sandbox from memory: the output folder is not read back for it, and the runner
 * does not read sources back from the sandbox. The disk copy is changed behind ptc's back to tell them apart.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineDeps } from '../../src/core/pipeline.js';
import type { SandboxFile } from '../../src/types.js';
import { scriptedProvider } from '../fakes/scripted-provider.js';
import { BUGGY_CALC, FIXED_CALC, generateOptions, makeDeps, reply, runToResult, tempOut, TEST_CALC } from './harness.js';

let tmp: ReturnType<typeof tempOut>;
beforeEach(() => {
  tmp = tempOut();
});
afterEach(() => tmp.cleanup());

describe('contents flow in memory', { timeout: 60_000 }, () => {
  it('the sandbox gets the files as written, not as the disk holds them after; the folder’s other files are read', async () => {
    mkdirSync(tmp.out, { recursive: true });
    writeFileSync(join(tmp.out, 'notes.txt'), 'the user’s own file\n');
    const h = makeDeps(scriptedProvider([{ text: reply({ 'calc.py': BUGGY_CALC, 'test_calc.py': TEST_CALC }) }]));
    const commit = h.deps.workspace.commitWrite;
    h.deps.workspace.commitWrite = (async (...args: Parameters<PipelineDeps['workspace']['commitWrite']>) => {
      await commit(...args);
      // Someone fixes the bug on disk right after ptc wrote it: the run must still test what ptc wrote.
      writeFileSync(join(tmp.out, 'calc.py'), FIXED_CALC);
    }) as PipelineDeps['workspace']['commitWrite'];
    const prepared: SandboxFile[] = [];
    const create = h.deps.sandbox.create;
    h.deps.sandbox.create = async (...args) => {
      const sandbox = await create(...args);
      const prepare = sandbox.prepare.bind(sandbox);
      sandbox.prepare = async (files, remove) => {
        // The runner's own scratch files (.ptc/) are not the project's.
        prepared.push(...files.filter((f) => !f.path.startsWith('.ptc/')));
        await prepare(files, remove);
      };
      return sandbox;
    };
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 0 }), h);
    expect(result.tests).toMatchObject({ ran: true, passed: 1, failed: 1 });
    expect(Object.fromEntries(prepared.map((f) => [f.path, f.content.toString()]))).toEqual({
      'calc.py': BUGGY_CALC,
      'test_calc.py': TEST_CALC,
      'notes.txt': 'the user’s own file\n',
    });
  });
});

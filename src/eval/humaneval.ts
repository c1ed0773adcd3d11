import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import type { EvalTask, Suite } from './types.js';

/** OpenAI's HumanEval (MIT licence, suites/humaneval/LICENSE), shipped as it is published: gzipped JSONL. */
export const HUMANEVAL_FILE = new URL('../../suites/humaneval/HumanEval.jsonl.gz', import.meta.url);

const problemSchema = z.object({
  task_id: z.string().regex(/^HumanEval\/\d+$/),
  prompt: z.string().min(1),
  test: z.string().min(1),
  entry_point: z.string().regex(/^[A-Za-z_]\w*$/),
});

export type HumanEvalProblem = z.infer<typeof problemSchema>;

/** The module every task asks for: the hidden test imports from it. */
export const SOLUTION_MODULE = 'solution';
export const HIDDEN_TEST_FILE = 'test_humaneval_check.py';

export async function loadHumanEval(): Promise<Suite> {
  const text = gunzipSync(await readFile(HUMANEVAL_FILE)).toString('utf8');
  const tasks = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => humanEvalTask(problemSchema.parse(JSON.parse(l))));
  return { name: 'humaneval', source: 'bundled', tasks };
}

/** `HumanEval/12` → `HumanEval_12`: task ids name folders. */
export const humanEvalId = (taskId: string) => taskId.replace('/', '_');

/**
 * The problem's signature and docstring, and one sentence naming the module; the hidden test is the problem's
 * own `check` run against the function imported from that module.
 */
export function humanEvalTask(p: HumanEvalProblem): EvalTask {
  const prompt = `${p.prompt.trim()}\n\nWrite the complete function \`${p.entry_point}\` above in a Python module named ${SOLUTION_MODULE}.py.`;
  return { id: humanEvalId(p.task_id), prompt, lang: 'python', hidden: [{ path: HIDDEN_TEST_FILE, content: hiddenTest(p) }], context: [] };
}

/**
 * The entry point, and every other function the problem's prompt defines: some checks call them (HumanEval/38's
 * check encodes with `encode_cyclic` to test `decode_cyclic`). Named one by one rather than `import *`, which
 * would also bring the model's own test functions into this file.
 */
export function hiddenTest(p: HumanEvalProblem): string {
  const helpers = [...p.prompt.matchAll(/^def ([A-Za-z_]\w*)\s*\(/gm)].map((m) => m[1]!).filter((n) => n !== p.entry_point);
  const imports = [`from ${SOLUTION_MODULE} import ${p.entry_point}`];
  if (helpers.length > 0) imports.push(`from ${SOLUTION_MODULE} import ${[...new Set(helpers)].join(', ')}  # the check calls them`);
  return `# ${p.task_id}: the problem's own check, run against the solution.\n${imports.join('\n')}\n\n${p.test.trim()}\n\n\ndef test_check():\n    check(${p.entry_point})\n`;
}

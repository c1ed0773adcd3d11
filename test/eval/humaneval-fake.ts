/**
 * A loopback OpenAI-compatible provider that answers HumanEval prompts by model: `good` models write the
 * canonical solution, `broken` models a function that returns None, each with an own test that only checks the
 * function exists, so it passes either way (a model whose own tests always pass while the hidden ones fail).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ROOT } from '../cli/harness.js';
import { startOpenAIFake, type OpenAIFake, type RecordedRequest } from '../fakes/openai-server.js';

export interface Problem {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
}

export function humanEvalProblems(): Problem[] {
  return gunzipSync(readFileSync(join(ROOT, 'suites/humaneval/HumanEval.jsonl.gz')))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Problem);
}

const userText = (req: RecordedRequest): string =>
  (req.body?.messages ?? [])
    .filter((m: { role: string }) => m.role === 'user')
    .map((m: { content: unknown }) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
    .join('\n');

export function replyFor(p: Problem, good: boolean): string {
  const solution = good ? `${p.prompt}${p.canonical_solution}` : `def ${p.entry_point}(*args, **kwargs):\n    return None\n`;
  const own = `from solution import ${p.entry_point}\n\n\ndef test_${p.entry_point}_exists():\n    assert callable(${p.entry_point})\n`;
  return `Here it is.\n\n\`\`\`python path=solution.py\n${solution}\`\`\`\n\n\`\`\`python path=test_solution.py\n${own}\`\`\`\n`;
}

/** `models` maps a model id to whether it answers well; every request is kept in `fake.requests`. */
export async function startHumanEvalFake(models: Record<string, boolean>): Promise<OpenAIFake> {
  const problems = humanEvalProblems();
  return startOpenAIFake({
    respond: (req) => {
      const text = userText(req);
      // The longest prompt contained in the request, so a problem whose prompt starts another's is not mistaken.
      const p = problems.filter((x) => text.includes(x.prompt.trim())).sort((a, b) => b.prompt.length - a.prompt.length)[0];
      const good = models[req.body?.model as string];
      if (!p || good === undefined) return null;
      return { text: replyFor(p, good), usage: { prompt: 1000, completion: 500 }, usageShape: 'openai' };
    },
  });
}

import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ProviderError } from '../errors.js';
import type { Provider, ProviderId, ProviderReply } from '../types.js';
import { makeDirs } from '../util/make-dirs.js';

/**
 * `--record <dir>` keeps every model reply of an eval, one JSONL file per target and task, in call order;
 * `--replay <dir>` answers the same calls from those files: no request leaves the machine and no key is needed,
 * so an eval re-runs in CI and a scoring change is re-checked without paying again. Usage is kept with each
 * reply, so costs come out the same from the catalog's prices.
 */

const replySchema = z.object({
  text: z.string(),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), cacheReadTokens: z.number(), cacheWriteTokens: z.number() }),
  costUsd: z.number().nullable(),
  stopReason: z.enum(['stop', 'length', 'other']),
  model: z.string(),
  durationMs: z.number(),
});

const fileOf = (dir: string, slug: string, taskId: string) => join(dir, slug, `${taskId}.jsonl`);

/** Wraps one task's provider so each reply is appended as it arrives; the first call starts the file afresh. */
export function recordingProvider(dir: string, slug: string, taskId: string, scrub: (text: string) => string) {
  return (inner: Provider): Provider => {
    let calls = 0;
    const path = fileOf(dir, slug, taskId);
    return {
      id: inner.id,
      model: inner.model,
      baseURL: inner.baseURL,
      async generate(messages, opts) {
        const reply = await inner.generate(messages, opts);
        const line = scrub(JSON.stringify(replySchema.parse(reply))) + '\n';
        await makeDirs(join(dir, slug));
        if (calls++ === 0) await writeFile(path, line);
        else await appendFile(path, line);
        return reply;
      },
    };
  };
}

/** Answers one task's calls from its recording, in order; a call past the end is an error, never a request. */
export function replayingProvider(dir: string, slug: string, taskId: string) {
  return (id: ProviderId, model: string): Provider => {
    const path = fileOf(dir, slug, taskId);
    let replies: Promise<ProviderReply[]> | null = null;
    let next = 0;
    return {
      id,
      model,
      baseURL: `replay:${dir}`,
      async generate(_messages, opts) {
        replies ??= readReplies(path);
        const all = await replies;
        const reply = all[next++];
        if (!reply) {
          throw new ProviderError(`no recorded reply ${next} for ${taskId} (${id}:${model}) in ${path}`, {
            code: 'replay_missing',
            hint: 'record this target and task first: ptc eval … --record <dir>',
          });
        }
        opts?.onDelta?.(reply.text, reply.usage.outputTokens);
        return reply;
      },
    };
  };
}

async function readReplies(path: string): Promise<ProviderReply[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const replies: ProviderReply[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    if (!raw.trim()) continue;
    let value: unknown = null;
    try {
      value = JSON.parse(raw);
    } catch {
      // reported below as not a recorded reply
    }
    const parsed = replySchema.safeParse(value);
    if (!parsed.success) {
      throw new ProviderError(`${path} line ${i + 1} is not a recorded reply`, { code: 'replay_invalid', hint: 'record it again with --record' });
    }
    replies.push(parsed.data);
  }
  return replies;
}
